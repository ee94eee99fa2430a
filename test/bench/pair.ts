/**
 * Pairing time end to end: from `devices approve` starting to look until the new device's home
 * is written (PAKE, review skipped as with --yes, chain certificate issued and published, grant
 * sealed, home written), the two pairing nodes on loopback reached by dial. Baseline: a fresh
 * dial (TCP + Noise + yamux) and one stream round trip between two bare libp2p nodes, the floor
 * under any exchange between two machines that have not met.
 *
 * The same across networks, through a member's own relay (`mesh join --relay`, node/pair-relay.ts)
 * on loopback: the new device waits at the relay under its code's nameplate (registered, its
 * pairing slot reserved, as `mesh pair --via RELAY` leaves it before the owner types the code);
 * timed from the approver's search (asking the relay for candidates, dialing by circuit) to the
 * grant taken. Baseline: the direct pairing above, measured in the same run, interleaved with it.
 */
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { generateDeviceKey } from '../../src/identity/index.js'
import { startCandidate } from '../../src/node/pair.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { approveRequest } from '../../src/node/pair-grant.js'
import { claims, kemOf, writePairedHome } from '../../src/node/pair-home.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { generateWallet as testWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
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

const tcpAddr = (n: TestNode): string => n.node.addresses().find(a => a.includes('/tcp/') && !a.includes('/p2p-circuit')) as string

/** The request a new device sends (as `mesh pair` makes it). */
function requestOf (device: Awaited<ReturnType<typeof generateDeviceKey>>, label: string): () => any {
  return () => ({ device: device.publicKey, kem: kemOf(device), label, ...claims(), meshVersion: 'bench', capabilities: 3, clock: BigInt(Date.now()) })
}

/** One pairing with the candidate listening on loopback, dialed by the approver: ms from the search to the grant taken. */
async function direct (approver: TestNode, home: string, label: string): Promise<number> {
  const device = await generateDeviceKey()
  let code = ''
  const c = await startCandidate({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    onCode: (s) => { code = s.code },
    request: requestOf(device, label),
    sign: (m) => device.signer.sign(m),
    onGrant: async (g) => { await writePairedHome(home, device, g) }
  })
  try {
    const t0 = now()
    const f = await findCandidate({ code, mdns: false, dial: [c.addresses()[0] as string] })
    try {
      const { grant } = await approveRequest(approver.vault.vault, f.run.request, { role: 'read-write', transcript: f.run.transcript, bootstrap: [] })
      await f.run.decide({ approved: true, grant })
      await c.paired
      return now() - t0
    } finally { await f.close() }
  } finally { await c.stop() }
}

/** One pairing with the candidate waiting at the relay `m`, found there by the approver's node: ms from the search to the grant taken. */
async function relayed (approver: TestNode, m: TestNode, home: string, label: string): Promise<number> {
  const device = await generateDeviceKey()
  let code = ''
  let registered = false
  const c = await startCandidate({
    listen: [],
    mdns: false,
    via: [tcpAddr(m)],
    onCode: (s) => { code = s.code },
    onRelay: (e) => { if (e.registered) registered = true },
    request: requestOf(device, label),
    sign: (msg) => device.signer.sign(msg),
    onGrant: async (g) => { await writePairedHome(home, device, g) }
  })
  const relay = m.node.libp2p.services.relay!
  const held = (): boolean => [...relay.reservations.keys()].some(p => p.toString() === c.peerId)
  try {
    await until(() => registered && held(), 'the device to wait at the relay (registered, slot reserved)')
    const t0 = now()
    const f = await findCandidate({ code, mdns: false, timeoutMs: 20_000, relays: async (np, dialer, o) => await approver.node.pairingCandidates(np, dialer, o) })
    try {
      if (f.via !== 'relay') throw new Error(`found ${f.via}, not through the relay`)
      const { grant } = await approveRequest(approver.vault.vault, f.run.request, { role: 'read-write', transcript: f.run.transcript, bootstrap: [] })
      await f.run.decide({ approved: true, grant })
      await c.paired
      return now() - t0
    } finally { await f.close() }
  } finally {
    await c.stop()
    // Its slot ends with its connection; the relay takes two slots per address, so wait for it.
    await until(() => !held(), 'the device\'s slot to end')
  }
}

export async function benchPair (dir: string, opts: { quick: boolean }): Promise<void> {
  const runs = opts.quick ? 2 : 9
  const wallet = testWallet()
  const m = await startNode({ wallet, home: join(dir, 'relay'), label: 'relay', relay: true })
  const approver = await startNode({ wallet, home: join(dir, 'desktop'), label: 'desktop', relayVia: [tcpAddr(m)] })
  const times: number[] = []
  const viaRelay: number[] = []
  const base: number[] = []
  try {
    await until(() => approver.node.status().relayVia?.[0]?.state === 'reserved', 'the desktop to hold its reservation at the relay')
    for (let i = 0; i < runs; i++) {
      base.push(await baseline())
      times.push(await direct(approver, join(dir, `laptop-${i}`), `laptop-${i}`))
      viaRelay.push(await relayed(approver, m, join(dir, `away-${i}`), `away-${i}`))
    }
  } finally {
    await approver.stop()
    await m.stop()
  }
  const v = median(times)
  const b = median(base)
  const r = median(viaRelay)
  report({ name: `pairing by code end to end, loopback (median of ${runs})`, value: `${fmt(v)} ms`, baseline: `fresh dial + round trip ${fmt(b)} ms`, ratio: `${fmt(v / b)}×`, target: 'under 2 s', ok: v < 2000 })
  report({ name: `pairing by code through the own relay, loopback (median of ${runs})`, value: `${fmt(r)} ms`, baseline: `direct pairing ${fmt(v)} ms, same run`, ratio: `${fmt(r / v)}×`, target: 'under 2 s', ok: r < 2000 })
}
