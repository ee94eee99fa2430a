/**
 * Whether capture of a file is stuck at a line that is not UTF-8 (follow/tail.ts stops there:
 * records hold text, so such a line cannot be kept byte for byte, nor anything after it): the
 * whole line that starts at `offset`, the bytes stored so far, looked at as `mesh agent list`
 * needs to say it. Read a piece at a time, never through a symlink.
 */
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { utf8Text } from './jsonl.js'

/** The stuck line: 1-based, its bytes `from`-`to` in the file (to: its newline), as an import names them. */
export interface StuckLine { line: number, from: number, to: number }

const PIECE = 64 * 1024

/** Where a line that is not UTF-8 is, as every note of it says it (the follower's, `mesh agent list`'s). */
export function notUtf8Words (at: { line: number, from: number, to: number }): string {
  return `line ${at.line} (bytes ${at.from}-${at.to}) is not valid UTF-8`
}

export async function stuckLineAt (path: string, offset: number): Promise<StuckLine | undefined> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const line = await lineAfter(fh, offset)
    if (line === undefined) return undefined
    if (utf8Text(line) !== undefined) return undefined
    return { line: await newlinesBefore(fh, offset) + 1, from: offset, to: offset + line.length }
  } finally {
    await fh.close()
  }
}

/** The bytes from `offset` to the next newline; undefined when no whole line starts there. */
async function lineAfter (fh: FileHandle, offset: number): Promise<Buffer | undefined> {
  const parts: Buffer[] = []
  for (let at = offset; ;) {
    const piece = Buffer.alloc(PIECE)
    const { bytesRead } = await fh.read(piece, 0, PIECE, at)
    if (bytesRead === 0) return undefined
    const nl = piece.subarray(0, bytesRead).indexOf(0x0a)
    if (nl >= 0) { parts.push(piece.subarray(0, nl)); return Buffer.concat(parts) }
    parts.push(piece.subarray(0, bytesRead))
    at += bytesRead
  }
}

async function newlinesBefore (fh: FileHandle, offset: number): Promise<number> {
  let n = 0
  for (let at = 0; at < offset;) {
    const piece = Buffer.alloc(Math.min(PIECE, offset - at))
    const { bytesRead } = await fh.read(piece, 0, piece.length, at)
    if (bytesRead === 0) break
    for (let i = piece.indexOf(0x0a); i >= 0 && i < bytesRead; i = piece.indexOf(0x0a, i + 1)) n++
    at += bytesRead
  }
  return n
}

/**
 * How much of the file at `path` from byte `from` on (the stuck line included) is not captured:
 * its bytes, and its lines (a last line not ended yet counted too).
 */
export async function restAfter (path: string, from: number): Promise<{ bytes: number, lines: number }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    let lines = 0
    let last = 0x0a
    let at = from
    for (;;) {
      const piece = Buffer.alloc(PIECE)
      const { bytesRead } = await fh.read(piece, 0, PIECE, at)
      if (bytesRead === 0) break
      for (let i = piece.indexOf(0x0a); i >= 0 && i < bytesRead; i = piece.indexOf(0x0a, i + 1)) lines++
      last = piece[bytesRead - 1] as number
      at += bytesRead
    }
    return { bytes: at - from, lines: lines + (last !== 0x0a ? 1 : 0) }
  } finally {
    await fh.close()
  }
}

/** What every device says of a session its capturing device holds more of (crdt/records.ts), for the CLI through this module's exports. */
export { captureGapWords } from '../../crdt/records.js'
