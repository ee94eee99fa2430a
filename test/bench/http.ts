/**
 * The local API's HTTP transport, against two real `mesh join` daemons (child processes):
 * - rtt: one method's round trip (sessions.show, the last 20 of 100 1 KB messages) over HTTP
 *   (fetch, and node:http with a kept-alive agent) beside the same call over the home's unix
 *   socket, alternated call by call so all see the same machine.
 * - events: an append on the peer (B, through its socket) until a WebSocket client of A has the
 *   message.appended event, beside the same append seen by a WebSocket client of B itself (no
 *   mesh hop): the ratio is what replication adds.
 */
import { Agent, request } from 'node:http'
import WebSocket from 'ws'
import { connectRpc } from '../../src/api/rpc-client.js'
import { startPair, type Daemon } from '../helpers/daemons.js'
import { fmt, now, percentile, report, text } from './util.js'

const stats = (xs: number[]): string => `p50 ${fmt(percentile(xs, 50), 2)} ms, p99 ${fmt(percentile(xs, 99), 2)} ms`

export async function benchHttp (dir: string, opts: { quick: boolean, part?: string }): Promise<void> {
  const want = (p: string): boolean => opts.part === undefined || opts.part === p
  const pair = await startPair(dir)
  const { a, b } = pair
  const rpcA = await connectRpc(a.home)
  const rpcB = await connectRpc(b.home)
  try {
    if (rpcA === undefined || rpcB === undefined) throw new Error('the daemons do not answer on their sockets')
    const payload = text(1024)

    if (want('rtt')) {
      const key = 'agent:main:bench-rtt'
      await rpcA.call('sessions.create', { key })
      for (let i = 0; i < 100; i += 25) await rpcA.call('sessions.append', { key, messages: Array.from({ length: 25 }, () => ({ role: 'user' as const, content: payload })) })
      const url = `${a.url}/api/sessions/${encodeURIComponent(key)}?tail=20`
      const headers = { authorization: `Bearer ${a.token}` }
      const overHttp = async (): Promise<void> => {
        const res = await fetch(url, { headers })
        const body = await res.json() as { messages: unknown[] }
        if (res.status !== 200 || body.messages.length !== 20) throw new Error(`sessions.show over HTTP: ${res.status}`)
      }
      // The same request through node:http with a kept-alive agent: what a lean client pays (fetch adds its own layers).
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      const overNodeHttp = async (): Promise<void> => {
        await new Promise<void>((resolve, reject) => {
          const req = request(url, { agent, headers }, (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: unknown[] }
              if (res.statusCode !== 200 || body.messages.length !== 20) reject(new Error(`sessions.show over node:http: ${res.statusCode ?? 0}`))
              else resolve()
            })
            res.on('error', reject)
          })
          req.on('error', reject)
          req.end()
        })
      }
      const overSocket = async (): Promise<void> => {
        const r = await rpcA.call('sessions.show', { key, tail: 20 })
        if (r.messages.length !== 20) throw new Error('sessions.show over the socket')
      }
      for (let i = 0; i < 50; i++) { await overHttp(); await overNodeHttp(); await overSocket() }
      const n = opts.quick ? 200 : 1000
      const h: number[] = []
      const nh: number[] = []
      const s: number[] = []
      for (let i = 0; i < n; i++) {
        let t = now(); await overHttp(); h.push(now() - t)
        t = now(); await overNodeHttp(); nh.push(now() - t)
        t = now(); await overSocket(); s.push(now() - t)
      }
      agent.destroy()
      report({ name: `API round trip over HTTP, sessions.show tail 20 of 1 KB messages (${n} calls each)`, value: `fetch ${stats(h)}; node:http keep-alive ${stats(nh)}`, baseline: `the same call over the unix socket ${stats(s)}`, ratio: `p50 fetch ${fmt(percentile(h, 50) / percentile(s, 50), 2)}×, node:http ${fmt(percentile(nh, 50) / percentile(s, 50), 2)}×`, target: 'reported', ok: undefined })
    }

    if (want('events')) {
      const key = 'agent:main:bench-events'
      await rpcB.call('sessions.create', { key })
      await rpcA.call('sessions.wait', { key, timeoutMs: 30_000 })
      const onA = await stream(a, key)
      const onB = await stream(b, key)
      try {
        const n = opts.quick ? 50 : 300
        const peer: number[] = []
        const local: number[] = []
        for (let i = 0; i < 20 + n; i++) {
          const content = `${i} ${payload}`
          const seenA = onA.next(content)
          const seenB = onB.next(content)
          const t0 = now()
          await rpcB.call('sessions.append', { key, role: 'user', content })
          const [ta, tb] = await Promise.all([seenA, seenB])
          if (i >= 20) { peer.push(ta - t0); local.push(tb - t0) }
        }
        report({ name: `event delivery, append on a peer → WebSocket client (${n} × 1 KB)`, value: stats(peer), baseline: `the same append → a WebSocket client of the appending daemon ${stats(local)}`, ratio: `p50 ${fmt(percentile(peer, 50) / percentile(local, 50), 2)}×`, target: 'reported', ok: undefined })
      } finally {
        onA.ws.close()
        onB.ws.close()
      }
    }
  } finally {
    await rpcA?.close()
    await rpcB?.close()
    await pair.stop()
  }
}

/** A WebSocket on a daemon's event stream with the session in full; next(text) resolves when a message with that text arrives. */
async function stream (d: Daemon, key: string): Promise<{ ws: WebSocket, next: (content: string) => Promise<number> }> {
  const ws = new WebSocket(`${d.url.replace(/^http/, 'ws')}/api/events?sessions=${encodeURIComponent(key)}&token=${d.token}`)
  const waiting = new Map<string, (t: number) => void>()
  ws.on('message', (data) => {
    const t = now()
    const r = JSON.parse(String(data))
    if (r.event?.type !== 'message.appended' || r.event.key !== key) return // the hello, or another event
    for (const m of r.event.messages) waiting.get(m.content)?.(t)
  })
  await new Promise<void>((resolve, reject) => { ws.once('open', () => { resolve() }); ws.once('error', reject) })
  return { ws, next: async (content) => await new Promise<number>(resolve => { waiting.set(content, (t) => { waiting.delete(content); resolve(t) }) }) }
}
