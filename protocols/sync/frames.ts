/**
 * Length-prefixed frames on a libp2p stream: an unsigned varint length, then that many bytes
 * (pbStream's wire format). Frames are cut synchronously from the stream's 'message' events and
 * written with one `stream.send` each, so a frame costs no promise chain on either side: on
 * loopback that chain was most of a live entry's time between the wire and the document.
 * A frame over the limit, a length that is not a varint of at most 4 bytes, and a frame that
 * does not complete within its deadline end the reader with a ProtocolError.
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { ProtocolError } from '../../src/errors.js'

export interface FrameReaderInit {
  maxFrameBytes: number
  /** Longest time from a frame's first byte to its last. */
  frameDeadlineMs: number
  /** Called with each complete frame, in order. Throwing ends the reader with that error. */
  onFrame: (frame: Uint8Array) => void
  /** Called once: undefined when the remote closed its side cleanly. */
  onEnd: (err?: Error) => void
}

/** Encodes `body` as one frame. */
export function frame (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefixLength(body.byteLength) + body.byteLength)
  out.set(body, writePrefix(out, body.byteLength))
  return out
}

/**
 * A frame as its length prefix and `body` side by side, the body not copied: for a large frame
 * (memory first touched costs ~15 µs a page on the 2-core machine, ~2 ms for a catch-up's
 * 512 KB frame). The stream takes the two as one message.
 */
export function framePieces (body: Uint8Array): Uint8ArrayList {
  const prefix = new Uint8Array(prefixLength(body.byteLength))
  writePrefix(prefix, body.byteLength)
  return new Uint8ArrayList(prefix, body)
}

function prefixLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n >>>= 7; len++ }
  return len
}

/** Writes the varint of `n` at the start of `out`; returns its length. */
function writePrefix (out: Uint8Array, n: number): number {
  let i = 0
  while (n >= 0x80) { out[i++] = (n & 0x7f) | 0x80; n >>>= 7 }
  out[i++] = n
  return i
}

export class FrameReader {
  private readonly buf = new Uint8ArrayList()
  /** Length of the frame being read, once its prefix is complete. */
  private need: number | undefined
  private deadline: ReturnType<typeof setTimeout> | undefined
  private paused = false
  /** Inside stream.resume(): it hands over what it buffered before it grants the sender more. */
  private resuming = false
  private ended = false
  private remoteClosed = false

  constructor (private readonly stream: Stream, private readonly init: FrameReaderInit) {
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('close', this.onClose)
    stream.addEventListener('remoteCloseWrite', this.onRemoteClose)
  }

  private readonly onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => {
    if (this.ended) return
    this.buf.append(evt.data)
    // Frames of what a resume hands over are cut once the resume has returned (see resume()).
    if (!this.resuming) this.drain()
  }

  private readonly onClose = (evt: { error?: Error }): void => { this.end(evt.error) }
  /** The remote closed its side: complete frames still buffered (held back by pause) go first. */
  private readonly onRemoteClose = (): void => {
    this.remoteClosed = true
    this.drain()
  }

  /** Stops handing out frames (and lets the stream's flow control hold the sender back). */
  pause (): void {
    if (this.paused || this.ended) return
    this.paused = true
    if (this.stream.readStatus === 'readable') this.stream.pause()
  }

  /**
   * Hands out frames again. The stream's own resume() dispatches what it buffered and then tells
   * the muxer to grant the sender more: a pause() from inside that dispatch (the frames it holds
   * filling the frames in flight again) would be undone by the grant that follows, leaving the
   * stream paused while yamux keeps opening its window, and the unread bytes then grow past
   * libp2p's read-buffer limit. So what it hands over is only buffered here, and cut into frames
   * (which may pause the stream again, properly) once it has returned.
   */
  resume (): void {
    if (!this.paused || this.ended) return
    this.paused = false
    if (this.stream.readStatus === 'paused') {
      this.resuming = true
      try {
        this.stream.resume()
      } finally {
        this.resuming = false
      }
    }
    this.drain()
  }

  /** Detaches from the stream; no callback runs after this. */
  stop (): void {
    if (this.ended) return
    this.ended = true
    this.disarm()
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('close', this.onClose)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteClose)
  }

  private end (err?: Error): void {
    if (this.ended) return
    this.stop()
    this.init.onEnd(err)
  }

  private drain (): void {
    try {
      while (!this.paused && !this.ended) {
        if (this.need === undefined) {
          this.need = this.readLength()
          if (this.need === undefined) break
        }
        if (this.buf.byteLength < this.need) break
        const body = this.buf.subarray(0, this.need) // no copy when the frame is one chunk
        this.buf.consume(this.need)
        this.need = undefined
        // This frame is complete: the next one's clock starts now. Left armed, the clock ran from
        // the first byte of a backlog instead: a receiver busy long enough that the wire never
        // paused at a frame's end (its peer's frames queued back to back) ended its own session
        // after 30 s, however fast each frame came in.
        this.disarm()
        this.init.onFrame(body)
      }
      if (this.remoteClosed && !this.paused && !this.ended) {
        const partial = this.buf.byteLength > 0 || this.need !== undefined
        this.end(partial ? new ProtocolError(`stream ended inside a frame (${this.buf.byteLength} bytes of it read)`) : undefined)
        return
      }
      // Only a frame still arriving is timed: one held back by pause() waits on us, not the peer.
      if (!this.paused && (this.buf.byteLength > 0 || this.need !== undefined)) this.arm()
      else this.disarm()
    } catch (err: any) {
      this.end(err instanceof Error ? err : new ProtocolError(String(err)))
    }
  }

  /** Takes the varint length prefix off the buffer; undefined while it is incomplete. */
  private readLength (): number | undefined {
    let n = 0
    for (let i = 0; i < 4; i++) {
      if (i >= this.buf.byteLength) return undefined
      const b = this.buf.get(i)
      n += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) {
        if (n > this.init.maxFrameBytes) throw new ProtocolError(`frame of ${n} bytes exceeds the limit of ${this.init.maxFrameBytes}`)
        this.buf.consume(i + 1)
        return n
      }
    }
    throw new ProtocolError('frame length prefix longer than 4 bytes')
  }

  private arm (): void {
    if (this.deadline !== undefined) return
    this.deadline = setTimeout(() => {
      this.deadline = undefined
      this.end(new ProtocolError(`frame not completed within ${this.init.frameDeadlineMs} ms`))
    }, this.init.frameDeadlineMs)
    this.deadline.unref?.()
  }

  private disarm (): void {
    if (this.deadline === undefined) return
    clearTimeout(this.deadline)
    this.deadline = undefined
  }
}
