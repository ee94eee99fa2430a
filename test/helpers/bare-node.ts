/**
 * A bare libp2p node on loopback (TCP, identify, nothing of mesh) with the connection encrypter
 * and stream muxer a test sets side by side (mesh's or stock ones). The caller stops it.
 */
import type { noise } from '@chainsafe/libp2p-noise'
import type { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'

export async function bareNode (opts: { encrypter: ReturnType<typeof noise>, muxer: ReturnType<typeof yamux> }): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [opts.encrypter], streamMuxers: [opts.muxer], services: { identify: identify() } })
}
