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

export const MUXER_LIMITS = {
  /** The largest receive window granted per stream: what a paused reader may still be sent. */
  maxStreamWindowSize: 4 * 1024 * 1024,
  /** What a stream may hold unread before libp2p aborts it: the window and one frame's slack. */
  maxReadBufferLength: 8 * 1024 * 1024
} as const

/**
 * yamux's keep-alive (a ping frame every 30 s per connection, which aborts nothing when it goes
 * unanswered) is off: one end of every connection pings it each minute and closes it when the ping
 * fails (liveness.ts), so the frame only woke both ends twice as often for nothing.
 */
export function meshMuxer (): ReturnType<typeof yamux> {
  return yamux({ enableKeepAlive: false, streamOptions: { maxStreamWindowSize: MUXER_LIMITS.maxStreamWindowSize, maxReadBufferLength: MUXER_LIMITS.maxReadBufferLength } })
}
