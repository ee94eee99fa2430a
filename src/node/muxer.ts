/**
 * The stream muxer every mesh node uses. yamux's flow control is the only thing that holds a
 * sender back while a reader has paused its stream (a sync session past its frames in flight),
 * so what a paused stream may still receive has to fit what it may buffer: the receive window a
 * node grants (at most `maxStreamWindowSize`, which yamux grows by doubling while the reader
 * keeps up) is bounded below libp2p's read-buffer limit (`maxReadBufferLength`), past which the
 * stream is aborted. With yamux's defaults (a 16 MiB window against a 4 MiB buffer) a paused
 * 36 MB snapshot overflowed the buffer and the transfer restarted from zero, again and again.
 */
import { yamux } from '@chainsafe/libp2p-yamux'
import { StreamState, type YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import type { Connection } from '@libp2p/interface'

export const MUXER_LIMITS = {
  /** The largest receive window granted per stream: what a paused reader may still be sent. */
  maxStreamWindowSize: 4 * 1024 * 1024,
  /** What a stream may hold unread before libp2p aborts it: the window and one frame's slack. */
  maxReadBufferLength: 8 * 1024 * 1024
} as const

/**
 * yamux's keep-alive (a ping frame every 30 s per connection, which aborts nothing when it goes
 * unanswered) is off: one end of every connection pings it each minute and closes it when the ping
 * fails (liveness.ts), so the frame only woke both ends twice as often for nothing. Its first
 * ping is kept, once per connection: yamux grows a stream's window only by the round-trip time
 * that ping measures, and without it every window stayed at its first 256 KiB, a bulk transfer
 * capped at 256 KiB per round trip (2.6 MB/s at 100 ms) on a link between networks. Each muxer
 * also notes when its peer last sent anything (lastHeard), for the end that does not ping.
 */
export function meshMuxer (): ReturnType<typeof yamux> {
  const make = yamux({ enableKeepAlive: false, streamOptions: { maxStreamWindowSize: MUXER_LIMITS.maxStreamWindowSize, maxReadBufferLength: MUXER_LIMITS.maxReadBufferLength } })
  return () => {
    const factory = make()
    const create = factory.createStreamMuxer.bind(factory)
    factory.createStreamMuxer = (maConn) => {
      const muxer = create(maConn)
      const m = muxer as unknown as { _newStream?: (...args: unknown[]) => YamuxStream, ping?: () => Promise<number>, onData?: (buf: unknown) => void }
      const newStream = m._newStream
      if (typeof newStream === 'function') m._newStream = (...args) => fewerWindowUpdates(newStream.apply(muxer, args))
      const onData = m.onData
      if (typeof onData === 'function') {
        const heard = { at: performance.now() }
        lastHeardBy.set(muxer, heard)
        m.onData = (buf) => { heard.at = performance.now(); onData.call(muxer, buf) }
      }
      // The round-trip time, measured once as yamux's keep-alive would first (after this tick, once
      // the connection is wired). Its only failure is a connection closed before the pong, which
      // leaves nothing to measure: ignored (yamux's own keep-alive only logs it).
      const ping = m.ping
      if (typeof ping === 'function') queueMicrotask(() => { ping.call(muxer).catch(() => undefined) })
      return muxer
    }
    return factory
  }
}

/** Per muxer, when bytes last came from the peer (performance.now(), the clock timers run on). */
const lastHeardBy = new WeakMap<object, { at: number }>()

/**
 * When `conn` last received anything from its peer (every decrypted chunk the muxer is given, a
 * frame or part of one), or undefined for a connection meshMuxer did not make. The silent end of
 * a connection judges it by this (liveness.ts): a socket's own inactivity timeout counts what the
 * node writes too, and a node that keeps writing into a cut link never sees it time out. Read
 * from libp2p's Connection, which keeps its muxer in a field its types call private; if a
 * release renames it this is undefined, the silent end falls back on the socket's timeout, and
 * test/protocol/liveness.test.ts fails.
 */
export function lastHeard (conn: Connection): number | undefined {
  const muxer = (conn as unknown as { muxer?: object }).muxer
  return muxer === undefined ? undefined : lastHeardBy.get(muxer)?.at
}

/**
 * What a stream reads before it grants that much window back to the sender. js-yamux grants after
 * every data frame: for a live entry that is a Noise message and a socket write on the receiver,
 * and a wake-up, read and decryption on the sender (~0.2 ms of CPU on each side per entry in a
 * profile of the handoff bench on this VM), after B is told but on the two cores the next entry
 * also needs. go- and rust-yamux grant once half the window is used; a grant here waits only for
 * 16 KiB (one for about twelve live entries), so a bulk sender keeps all but 16 KiB of the window
 * in flight, 240 KiB of a first 256 KiB, and the window still grows as yamux grows it.
 */
export const GRANT_AFTER = 16 * 1024

/**
 * Window updates only once GRANT_AFTER bytes were read (or the window is smaller than twice
 * that). A paused stream still grants nothing (muxer flow control as before), and a frame with
 * flags to send (SYN, ACK) goes as before. If a release renames what is wrapped here, streams are
 * left as yamux made them (test/protocol/muxer.test.ts counts the updates, and fails).
 */
function fewerWindowUpdates (stream: YamuxStream): YamuxStream {
  // Private in yamux's types: the window this side grants, and how much of it is still unused.
  const s = stream as unknown as { sendWindowUpdate?: () => void, recvWindow: number, recvWindowCapacity: number }
  const update = s.sendWindowUpdate
  if (typeof update !== 'function') return stream
  s.sendWindowUpdate = () => {
    const settled = stream.state === StreamState.Established || stream.state === StreamState.SYNSent
    if (settled && s.recvWindow - s.recvWindowCapacity < Math.min(GRANT_AFTER, s.recvWindow / 2)) return
    update.call(stream)
  }
  return stream
}
