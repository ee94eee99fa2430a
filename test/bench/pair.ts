/**
 * Pairing time end to end: from `devices approve` starting to look until the new device's home
 * is written (PAKE, review skipped as with --yes, chain certificate issued and published, grant
 * sealed, home written), the two pairing nodes on loopback reached by dial. Baseline: a fresh
 * dial (TCP + Noise + yamux) and one stream round trip between two bare libp2p nodes, the floor
 * under any exchange between two machines that have not met.
 */
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { generateDeviceKey, generateWallet } from '../../src/identity/index.js'
import { findCandidate, startCandidate } from '../../src/node/pair.js'
import { approveRequest } from '../../src/node/pair-grant.js'
import { claims, kemOf, writePairedHome } from '../../src/node/pair-home.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { openVault } from '../../src/sdk/index.js'
import { fmt, median, now, report } from './util.js'

async function baseline (): Promise<number> {
  const mk = async (): Promise<any> => await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [meshMuxer()], connectionMonitor: { enabled: false } })
  const a = await mk()
  const b = await mk()
  await b.handle('/bench/echo/1.0.0', async (stream: any) => { for await (const chunk of stream) { stream.send(chunk); break } await stream.close() })
  const t0 = now()
  const s = await a.dialProtocol(b.getMultiaddrs()[0], '/bench/echo/1.0.0')
  s.send(new Uint8Array([1]))
  for await (const _ of s) break
  const ms = now() - t0
  await a.stop(); await b.stop()
  return ms
}

export async function benchPair (dir: string, opts: { quick: boolean }): Promise<void> {
  const runs = opts.quick ? 2 : 5
  const approver = await openVault({ home: join(dir, 'desktop'), wallet: generateWallet(), label: 'desktop' })
  const times: number[] = []
  const base: number[] = []
  try {
    for (let i = 0; i < runs; i++) {
      base.push(await baseline())
      const device = await generateDeviceKey()
      const home = join(dir, `laptop-${i}`)
      let code = ''
      const c = await startCandidate({
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: false,
        onCode: (s) => { code = s.code },
        request: () => ({ device: device.publicKey, kem: kemOf(device), label: `laptop-${i}`, ...claims(), meshVersion: 'bench', capabilities: 3, clock: BigInt(Date.now()) }) as any,
        sign: (m) => device.signer.sign(m),
        onGrant: async (g) => { await writePairedHome(home, device, g) }
      })
      const t0 = now()
      const f = await findCandidate({ code, mdns: false, dial: [c.addresses()[0] as string] })
      const { grant } = await approveRequest(approver.vault, f.run.request, { role: 'read-write', transcript: f.run.transcript, bootstrap: [] })
      await f.run.decide({ approved: true, grant })
      await c.paired
      times.push(now() - t0)
      await f.close()
      await c.stop()
    }
  } finally {
    await approver.close()
  }
  const v = median(times)
  const b = median(base)
  report({ name: `pairing by code end to end, loopback (median of ${runs})`, value: `${fmt(v)} ms`, baseline: `fresh dial + round trip ${fmt(b)} ms`, ratio: `${fmt(v / b)}×`, target: 'under 2 s', ok: v < 2000 })
}
