/**
 * A TCP proxy in front of a node that counts the bytes it forwards each way and cuts every
 * connection through it on demand (both sockets destroyed: each side sees its TCP connection
 * reset, as when a link dies), or freezes them (nothing forwarded any more, nothing closed: each
 * side's connection stays open, as when a link goes silent). What a transfer costs on the wire is
 * read here, not from the nodes.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface CutProxy {
  port: number
  /** Bytes forwarded from the target to the clients (what the target sent), over every connection. */
  readonly fromTarget: number
  readonly toTarget: number
  readonly connections: number
  /** Destroys every connection open through the proxy; new ones are still accepted. */
  cut: () => number
  /** Stops forwarding on every connection open through the proxy, closing none; new ones are still accepted and forwarded. */
  freeze: () => number
  /** Resolves once `fromTarget` reached `bytes`. */
  whenFromTarget: (bytes: number) => Promise<void>
  /** Changes rateFromTarget from now on, on every connection (undefined: as fast as the sockets go). */
  setRate: (rateFromTarget: number | undefined) => void
  close: () => Promise<void>
}

export interface CutProxyOptions {
  /** Forward what the target sends at most this fast (bytes per second): a slow link. */
  rateFromTarget?: number
}

export async function cutProxy (targetHost: string, targetPort: number, options: CutProxyOptions = {}): Promise<CutProxy> {
  const open = new Set<Socket>()
  const frozen = new Set<Socket>()
  let fromTarget = 0
  let toTarget = 0
  let connections = 0
  const waiters: Array<{ bytes: number, resolve: () => void }> = []
  let rate = options.rateFromTarget
  const server: Server = createServer((client) => {
    connections++
    const upstream = createConnection({ host: targetHost, port: targetPort })
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    open.add(client); open.add(upstream)
    // A close of one side is passed on, unless the link is frozen: then the other side learns nothing.
    const drop = (): void => {
      if (frozen.has(client)) return
      client.destroy(); upstream.destroy(); open.delete(client); open.delete(upstream)
    }
    client.on('data', (d: Buffer) => { if (frozen.has(client)) return; toTarget += d.byteLength; if (!upstream.write(d)) client.pause() })
    upstream.on('drain', () => client.resume())
    // Upstream reads wait for the client to drain and, on a slow link, for the rate's delay.
    let draining = false
    let delayed = false
    const resume = (): void => { if (!draining && !delayed) upstream.resume() }
    upstream.on('data', (d: Buffer) => {
      if (frozen.has(upstream)) return
      fromTarget += d.byteLength
      for (const w of [...waiters]) if (fromTarget >= w.bytes) { waiters.splice(waiters.indexOf(w), 1); w.resolve() }
      if (!client.write(d)) { draining = true; upstream.pause() }
      if (rate !== undefined) {
        delayed = true
        upstream.pause()
        setTimeout(() => { delayed = false; resume() }, d.byteLength * 1000 / rate)
      }
    })
    client.on('drain', () => { draining = false; resume() })
    client.on('error', drop); upstream.on('error', drop)
    client.on('close', drop); upstream.on('close', drop)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    get fromTarget () { return fromTarget },
    get toTarget () { return toTarget },
    get connections () { return connections },
    cut: () => {
      const n = open.size
      // resetAndDestroy sends an RST where the platform allows: the peer learns at once.
      for (const s of [...open]) { (s as any).resetAndDestroy?.() ?? s.destroy(); open.delete(s) }
      return n / 2
    },
    freeze: () => {
      const n = open.size
      // Read and dropped, not paused: a paused socket's buffers fill and its peer's writes stall,
      // where a silent link takes what is sent and delivers none of it.
      for (const s of [...open]) { frozen.add(s); open.delete(s); s.resume() }
      return n / 2
    },
    whenFromTarget: async (bytes) => {
      if (fromTarget >= bytes) return
      await new Promise<void>(resolve => waiters.push({ bytes, resolve }))
    },
    setRate: (r) => { rate = r },
    close: async () => {
      for (const s of [...open, ...frozen]) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
