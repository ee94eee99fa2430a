/**
 * A bare libp2p node with the transports `mesh join` uses (TCP, Noise, Yamux, identify, ping),
 * listening and idle: the baseline for a mesh node's idle footprint. Prints `ready ADDR`; with
 * an address as argument, dials it first (so it idles with the same connections as a mesh node).
 */
import '../../src/polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  services: { identify: identify(), ping: ping() }
})
const dial = process.argv[2]
if (dial !== undefined) await node.dial(multiaddr(dial))
console.log(`ready ${node.getMultiaddrs()[0]?.toString() ?? ''}`)
process.on('SIGINT', () => { void Promise.resolve(node.stop()).then(() => process.exit(0)) })
