/**
 * Splitting an agent's JSONL file into its lines, each line's exact text kept. A last line
 * without its newline is kept only if it parses as JSON: an agent writing it right now leaves a
 * torn line that the next import picks up whole.
 */
import { InvalidInputError } from '../errors.js'
import type { StuckLine } from './stuck-line.js'

export interface SplitResult {
  /** Each line's text, without its '\n'. */
  lines: string[]
  /** Bytes taken (a torn last line is left for next time). */
  taken: number
  /** Whether the last line kept had no '\n' after it. */
  unterminated: boolean
  /** Bytes of a torn last line left for next time (0: none); it would be line `lines.length + 1`. */
  heldBack: number
}

/**
 * A last line left for the next import: no '\n' after it and not JSON. The agent may be writing
 * it right now (the next import takes it whole), or it crashed mid-write (then it never will):
 * said, not held back without a word.
 */
export interface HeldBackTail {
  /** The bundle's file ('' the main transcript, else the side file's path in its folder). */
  file: string
  /** Its line number (1-based). */
  line: number
  bytes: number
}

/**
 * The byte offset in the file just past each line of `lines` (its newline counted): after an
 * import stored the first k lines, mesh holds the file's first `ends[k - 1]` bytes. The last line
 * may have no newline: its end is past the file's by one (an import's end marks `taken` instead).
 */
export function lineEnds (lines: readonly string[]): number[] {
  const ends: number[] = []
  let at = 0
  for (const l of lines) { at += Buffer.byteLength(l, 'utf8') + 1; ends.push(at) }
  return ends
}

/** The torn last line a split held back, if any. */
export function heldBackTail (split: SplitResult, file = ''): HeldBackTail | undefined {
  return split.heldBack > 0 ? { file, line: split.lines.length + 1, bytes: split.heldBack } : undefined
}

export function splitJsonl (buf: Buffer): SplitResult {
  // Line by line over the bytes: a file is never made one string (V8 refuses a string past
  // 512 MiB, and a long session's transcript can be bigger than that).
  // Lines are kept as text: bytes that are not UTF-8 would come back as U+FFFD. Refused, not
  // silently changed (the agents write UTF-8; such a file is damaged or not theirs). A torn
  // multi-byte character at the very end is an append in progress and is left for next time.
  const split = splitJsonlToBad(buf)
  if (split.bad !== undefined) {
    const { index, from, to } = split.bad
    throw new InvalidInputError(`the file is not valid UTF-8 at line ${index + 1} (bytes ${from}-${to}): its lines could not be kept byte for byte, so none was imported; the file is left as it is`, { line: index + 1, offset: from })
  }
  return split
}

/**
 * splitJsonl, except that a line that is not UTF-8 ends the split instead of refusing it: the
 * lines before it, `taken` the bad line's first byte, and the line (`bad`). What an import keeps
 * of such a file, as the follower does (follow/tail.ts): the lines before it, capture stuck there.
 */
export function splitJsonlToBad (buf: Buffer): SplitResult & { bad?: BadLine } {
  const whole = splitUntilBad(buf)
  if (whole.bad !== undefined) return { lines: whole.lines, taken: whole.taken, unterminated: false, heldBack: 0, bad: whole.bad }
  const lines = whole.lines
  const start = whole.taken
  let taken = start
  let unterminated = false
  const rest = start < buf.length ? utf8Text(buf.subarray(start)) : undefined
  if (rest !== undefined && parses(rest)) {
    lines.push(rest)
    taken = buf.length
    unterminated = true
  }
  // Blank lines carry nothing an agent reads; dropping them would change the bytes, so they stay.
  return { lines, taken, unterminated, heldBack: buf.length - taken }
}

/** A line that is not UTF-8: its 0-based index among the lines split, and its bytes [from, to) (to: its '\n'). */
export interface BadLine { index: number, from: number, to: number }

/**
 * `{ stuck }` for a split that ended at a line that is not UTF-8, else nothing: spread into the
 * bundle an import reads (Claude, Codex, OpenClaw alike; agent-run.ts stores the lines before it
 * and fails naming it): the records end before it and capture is stuck there.
 */
export function stuckOf (split: { bad?: BadLine }): { stuck?: StuckLine } {
  return split.bad !== undefined ? { stuck: { line: split.bad.index + 1, from: split.bad.from, to: split.bad.to } } : {}
}

/**
 * The whole lines of `buf` (every one ends with '\n') up to the first that is not UTF-8, and that
 * line: what can be kept byte for byte before it, where splitJsonl refuses the whole buffer.
 */
export function splitUntilBad (buf: Buffer): { lines: string[], taken: number, bad?: BadLine } {
  const lines: string[] = []
  let start = 0
  for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
    const text = utf8Text(buf.subarray(start, nl))
    if (text === undefined) return { lines, taken: start, bad: { index: lines.length, from: start, to: nl } }
    lines.push(text)
    start = nl + 1
  }
  return { lines, taken: start }
}

/**
 * The bytes as text, or undefined when they are not UTF-8 (they would not come back the same):
 * the one test of "not UTF-8" for imports, the follower and `mesh agent list` alike.
 */
export function utf8Text (b: Buffer): string | undefined {
  const text = b.toString('utf8')
  return Buffer.byteLength(text) === b.length && Buffer.from(text, 'utf8').equals(b) ? text : undefined
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

/** joinJsonl's bytes, made line by line (a file past V8's largest string is written too). */
export function jsonlBytes (lines: readonly string[]): Buffer {
  return Buffer.concat(lines.map(l => Buffer.from(l + '\n', 'utf8')))
}

/** The file's bytes again: every line ends with '\n' (a kept unterminated last line gains one). */
export function joinJsonl (lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.join('\n') + '\n'
}
