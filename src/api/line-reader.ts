/**
 * Newline-ended lines out of a byte stream, for both ends of the control socket (rpc.ts reads
 * requests, rpc-client.ts reads answers). Each chunk is searched for a newline once, from where
 * the last search stopped, and the parts of a line not yet ended are kept in a list joined once
 * when its newline comes: the work is linear in what is read. (Appending each chunk to one string
 * and searching it all again cost a 61 MB answer 78 s of framing.) Lines are split on the byte
 * 0x0A, which no UTF-8 character holds inside it, and decoded whole, so a character cut between
 * two chunks is read as it was written.
 *
 * With `max`, a line longer than `max` bytes is not held: its first and last KEEP bytes are kept
 * (to find its id), the rest only counted, and `onTooLong` gets them when its newline comes; the
 * lines after it are read as usual.
 *
 * @example
 * const reader = new LineReader(line => { handle(line) }, { max: CONTROL_LINE_MAX, onTooLong: s => { refuse(s) } })
 * sock.on('data', (d: Buffer) => { reader.push(d) })
 */

/**
 * The longest request line the daemon's control socket reads (in bytes of UTF-8, the newline not
 * counted); rpc-client.ts refuses a longer one before sending it. It is above what `mesh mcp`
 * reads in one message (mcp-stdio.ts, 10 MiB, as the MCP SDK's own transport), with room for the
 * arguments growing when they are encoded again: so whatever an MCP client or the SDK gets
 * through reaches the daemon, and is answered there.
 */
export const CONTROL_LINE_MAX = 16 * 1024 * 1024

/** How much of a skipped line's start and end is kept. */
export const KEEP = 512

/** A line over the limit, seen only by its ends. */
export interface SkippedLine { head: string, tail: string, bytes: number }

export class LineReader {
  /** Bytes searched for a newline so far: each byte read is searched once (tests count it). */
  scanned = 0
  private parts: Buffer[] = []
  private size = 0
  private skipping: { head: Buffer, tail: Buffer, bytes: number } | undefined

  constructor (
    private readonly onLine: (line: string) => void,
    private readonly options: { max?: number, onTooLong?: (line: SkippedLine) => void } = {}
  ) {}

  /** Reads a chunk: each line it ends is given to onLine (or onTooLong) in order, at once. */
  push (chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      const nl = chunk.indexOf(10, at)
      const end = nl === -1 ? chunk.length : nl
      this.scanned += end - at + (nl === -1 ? 0 : 1)
      this.take(chunk.subarray(at, end))
      at = end + 1
      if (nl !== -1) this.endLine()
    }
  }

  /** What is held of a line not yet ended, in bytes (at most max). */
  get pending (): number { return this.size }

  /**
   * The stream ended: a last line left without its newline is read as if it had one (to onLine,
   * or onTooLong), so what a writer sent before closing is not lost.
   */
  end (): void {
    if (this.size > 0 || this.skipping !== undefined) this.endLine()
  }

  /** Drops a line not yet ended. */
  reset (): void {
    this.parts = []
    this.size = 0
    this.skipping = undefined
  }

  private take (part: Buffer): void {
    if (part.length === 0) return
    if (this.skipping !== undefined) { this.skip(part); return }
    const max = this.options.max
    if (max === undefined || this.size + part.length <= max) {
      this.parts.push(part)
      this.size += part.length
      return
    }
    // Over the limit: only its first bytes are copied, the rest counted.
    const held = [...this.parts, part]
    this.parts = []
    this.skipping = { head: Buffer.concat(held, Math.min(KEEP, this.size + part.length)), tail: Buffer.alloc(0), bytes: 0 }
    this.size = 0
    for (const b of held) this.skip(b)
  }

  private skip (part: Buffer): void {
    const s = this.skipping as NonNullable<typeof this.skipping>
    s.bytes += part.length
    s.tail = part.length >= KEEP ? Buffer.from(part.subarray(part.length - KEEP)) : Buffer.concat([s.tail, part]).subarray(-KEEP)
  }

  private endLine (): void {
    const s = this.skipping
    if (s !== undefined) {
      this.skipping = undefined
      this.options.onTooLong?.({ head: s.head.toString('utf8'), tail: s.tail.toString('utf8'), bytes: s.bytes })
      return
    }
    const parts = this.parts
    const size = this.size
    this.parts = []
    this.size = 0
    const line = parts.length === 1 ? (parts[0] as Buffer).toString('utf8') : Buffer.concat(parts, size).toString('utf8')
    this.onLine(line)
  }
}
