/**
 * Child processes for the mesh benchmarks, one per machine of the real setup: for the handoff,
 * the writer A and the reader B of the mesh, and the y-websocket server and its two clients for
 * the relay; for resume, the joining B. Times are taken with the system's monotonic clock
 * (`process.hrtime`), which every process on the machine shares, so A's send time and B's
 * arrival time are comparable.
 *
 * argv: role ...   (fork()ed: every message goes over the IPC channel)
 *   mesh-reader  home wallet           -> {ready: addr}, {listening} once it holds A's session;
 *                                         then {got: i, t} per message
 *   mesh-writer  home wallet addr n    -> {ready}; on {go}: for each i appends and waits for
 *                                         {next}; then {sent: [t per i]}
 *   relay-server                       -> {ready: port}
 *   relay-reader port                  -> {ready}; then {got: i, t}
 *   relay-writer port n                -> like mesh-writer
 *   floor-reader                       -> {ready: addr}, {listening} once A's stream is open;
 *                                         then {got: i, t}
 *   floor-writer addr n                -> like mesh-writer (the floor of the fixed stack: see below)
 *   mesh-resume  home wallet addr key n -> {ready}; on {go}: opens a new home, joins A and waits
 *                                         until session `key` holds n messages; then {ms} and the
 *                                         times it had started, proven A and synced the session
 * Every role answers {cpu} with {cpuUs}: the CPU time it has used so far (user and system, µs).
 * The writer waits for the parent's {next} before the next append, so no two messages are under
 * way at once. The parent sends it once B reported the message, or a pause after (the paced
 * handoff of mesh.ts): sent at once, the next append still meets the work each process does after
 * B was told (the signature, the store) and processes that never went to sleep; paced, it meets
 * them asleep, as one message of a conversation does.
 */
import '../../src/polyfill.js'
import * as Y from 'yjs'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { SessionDoc } from '../../crdt/index.js'
import { FrameReader, frame } from '../../protocols/sync/frames.js'
import { LIMITS } from '../../protocols/sync/session.js'
import { loadWallet } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { meshMuxer } from '../../src/node/muxer.js'
import { meshNoise } from '../../src/node/noise.js'
import { openVault } from '../../src/sdk/index.js'
import { relayClient, relayServer } from './relay.js'
import { untilSessionHolds } from './resume.js'
import { now, text } from './util.js'

const [role, ...args] = process.argv.slice(2) as [string, ...string[]]
const KEY = 'agent:main:latency'
const FLOOR_PROTOCOL = '/mesh-bench/floor/1.0.0'
const send = (m: unknown): void => { process.send?.(m) }
const nextMessage = async (pred: (m: any) => boolean): Promise<any> => await new Promise(resolve => {
  const f = (m: any): void => { if (pred(m)) { process.off('message', f); resolve(m) } }
  process.on('message', f)
})
// The CPU this process has used, on request: the parent reads it before and after the timed messages.
process.on('message', (m: any) => { if (m.cpu === true) { const c = process.cpuUsage(); send({ cpuUs: c.user + c.system }) } })
const until = async (cond: () => Promise<boolean> | boolean): Promise<void> => {
  while (!(await cond())) await new Promise(resolve => setTimeout(resolve, 5))
}

/** The writer's loop, shared by both: A's append for message i, then wait for B to report it. */
async function write (n: number, append: (i: number) => Promise<unknown>): Promise<void> {
  send({ ready: true })
  await nextMessage(m => m.go === true)
  const sent: number[] = []
  for (let i = 0; i < n; i++) {
    const next = nextMessage(m => m.next === i)
    sent.push(now())
    await append(i)
    await next
  }
  // Reported at the end: no IPC work of ours competes with B while a message is under way. With
  // the CPU used so far, as {cpu} would answer: the writer may exit before the parent could ask.
  const c = process.cpuUsage()
  send({ sent, cpuUs: c.user + c.system })
}

async function stopped (): Promise<void> { await nextMessage(m => m.stop === true) }

if (role === 'mesh-reader' || role === 'mesh-writer') {
  const [home, walletPath, addr, nArg] = args as [string, string, string?, string?]
  const wallet = await loadWallet(walletPath)
  const vault = await openVault({ home, wallet, label: role === 'mesh-writer' ? 'A' : 'B', snapshotEvery: 1_000_000 })
  // MESH_BENCH_EARLY=0: early entries off (the baseline of what they buy).
  const node = await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', bootstrap: addr !== undefined ? [addr] : [], early: process.env.MESH_BENCH_EARLY !== '0' })
  if (role === 'mesh-reader') {
    send({ ready: node.addresses()[0] })
    await until(async () => await vault.sessions.exists(KEY))
    const s = await vault.sessions.open(KEY)
    s.subscribe(e => {
      if (e.type !== 'messages') return
      const t = now()
      for (const m of e.messages) send({ got: Number(m.content.slice(0, m.content.indexOf('|'))), t })
    })
    send({ listening: true })
    await stopped()
    await s.close()
  } else {
    const payload = text(1000)
    const s = await vault.sessions.create(KEY)
    await write(Number(nArg), async i => await s.append({ role: 'user', content: `${i}|${payload}` }))
    await s.close()
  }
  await node.stop()
  await vault.close()
} else if (role === 'mesh-resume') {
  const [home, walletPath, addr, key, nArg] = args as [string, string, string, string, string]
  const wallet = await loadWallet(walletPath)
  send({ ready: true })
  await nextMessage(m => m.go === true)
  const t0 = now()
  const vault = await openVault({ home, wallet, label: 'B', snapshotEvery: 1_000_000 })
  const node = await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off', bootstrap: [addr] })
  let proven: number | undefined
  let synced: number | undefined
  const started = now() - t0
  node.on('event', e => {
    if (e.type === 'proven') proven ??= now() - t0
    if (e.type === 'synced' && e.doc === key) synced = now() - t0
  })
  await untilSessionHolds(vault, node, key, Number(nArg))
  send({ ms: now() - t0, started, proven, synced })
  await stopped()
  await node.stop()
  await vault.close()
} else if (role === 'floor-reader' || role === 'floor-writer') {
  // The floor of the fixed stack: the same Yjs updates over one long-lived libp2p stream (TCP,
  // Noise, Yamux, as MeshNode configures them: meshNoise and meshMuxer), framed as mesh frames
  // are, with none of mesh's own work (no sealing, signatures, membership, store or disk).
  const node = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [meshNoise()], streamMuxers: [meshMuxer()], services: { identify: identify(), ping: ping() } })
  const doc = new Y.Doc()
  const s = new SessionDoc(doc)
  if (role === 'floor-reader') {
    s.onMessages(added => {
      const t = now()
      for (const m of added) send({ got: Number(m.content.slice(0, m.content.indexOf('|'))), t })
    })
    await node.handle(FLOOR_PROTOCOL, (stream) => {
      // Ends with the stream when the node stops.
      new FrameReader(stream, { maxFrameBytes: LIMITS.maxFrameBytes, frameDeadlineMs: LIMITS.frameDeadlineMs, onFrame: (u) => { Y.applyUpdate(doc, u) }, onEnd: () => {} })
      send({ listening: true })
    })
    send({ ready: node.getMultiaddrs()[0]?.toString() })
    await stopped()
  } else {
    const [addr, nArg] = args as [string, string]
    const stream = await node.dialProtocol(multiaddr(addr), FLOOR_PROTOCOL)
    doc.on('update', (u: Uint8Array) => { stream.send(frame(u)) })
    const payload = text(1000)
    await write(Number(nArg), async i => { s.appendMessages([{ role: 'user', content: `${i}|${payload}` }], 'A') })
  }
  await node.stop()
} else if (role === 'relay-server') {
  const server = await relayServer()
  send({ ready: server.port })
  await stopped()
  await server.close()
} else if (role === 'relay-reader' || role === 'relay-writer') {
  const [port, nArg] = args as [string, string?]
  const client = await relayClient(Number(port), role)
  if (role === 'relay-reader') {
    // Timed inside the observer: the moment B's application is told (as the mesh subscriber is).
    client.onMessages(ms => {
      const t = now()
      for (const m of ms) send({ got: Number(m.content.slice(0, m.content.indexOf('|'))), t })
    })
    send({ ready: true })
    await stopped()
  } else {
    const payload = text(1000)
    await write(Number(nArg), async i => { client.append(`${i}|${payload}`) })
  }
  client.destroy()
}
process.exit(0)
