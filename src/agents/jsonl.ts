/**
 * Splitting an agent's JSONL file into its lines, each line's exact text kept. A last line
 * without its newline is kept only if it parses as JSON: an agent writing it right now leaves a
 * torn line that the next import picks up whole.
 */
import { InvalidInputError } from '../errors.js'

export interface SplitResult {
  /** Each line's text, without its '\n'. */
  lines: string[]
  /** Bytes taken (a torn last line is left for next time). */
  taken: number
  /** Whether the last line kept had no '\n' after it. */
  unterminated: boolean
}

export function splitJsonl (buf: Buffer): SplitResult {
  const text = buf.toString('utf8')
  // Lines are kept as text: bytes that are not UTF-8 would come back as U+FFFD. Refused, not
  // silently changed (the agents write UTF-8; such a file is damaged or not theirs). A torn
  // multi-byte character at the very end is an append in progress and is left for next time.
  const valid = Buffer.byteLength(text) === buf.length && Buffer.from(text, 'utf8').equals(buf)
  if (!valid) {
    const lastNl = buf.lastIndexOf(0x0a)
    const head = buf.subarray(0, lastNl + 1)
    if (!Buffer.from(head.toString('utf8'), 'utf8').equals(head)) {
      const at = firstBadLine(head)
      throw new InvalidInputError(`the file is not valid UTF-8 at line ${at.line} (bytes ${at.start}-${at.end - 1}): its lines could not be kept byte for byte, so none was imported; the file is left as it is`, { line: at.line, offset: at.start })
    }
    return splitJsonl(head)
  }
  const lines: string[] = []
  let start = 0
  let taken = 0
  let unterminated = false
  for (;;) {
    const nl = text.indexOf('\n', start)
    if (nl < 0) break
    lines.push(text.slice(start, nl))
    start = nl + 1
  }
  taken = Buffer.byteLength(text.slice(0, start))
  const rest = text.slice(start)
  if (rest.length > 0 && parses(rest)) {
    lines.push(rest)
    taken = buf.length
    unterminated = true
  }
  // Blank lines carry nothing an agent reads; dropping them would change the bytes, so they stay.
  return { lines, taken, unterminated }
}

/** The first line (1-based) whose bytes are not UTF-8, and where it sits. */
function firstBadLine (buf: Buffer): { line: number, start: number, end: number } {
  let start = 0
  for (let line = 1; ; line++) {
    const nl = buf.indexOf(0x0a, start)
    const end = nl < 0 ? buf.length : nl + 1
    const seg = buf.subarray(start, end)
    if (!Buffer.from(seg.toString('utf8'), 'utf8').equals(seg) || nl < 0) return { line, start, end }
    start = end
  }
}

export function parses (line: string): boolean {
  try { JSON.parse(withoutBom(line)); return true } catch { return false }
}

/**
 * The line without a UTF-8 byte order mark before it: an editor on Windows may start a file with
 * one, which JSON.parse refuses. Only read past: the line is kept (and written back) as it is.
 */
export function withoutBom (line: string): string {
  return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line
}

/** The file's bytes again: every line ends with '\n' (a kept unterminated last line gains one). */
export function joinJsonl (lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n'
}
