/**
 * How much of an agent's file mesh holds, as far as this machine knows it, so `mesh agent list`
 * can tell a session whose file grew since (lines not in mesh) from one stored whole: the
 * follower's cursor (cursors.ts) and, for a file imported by hand, a mark `mesh agent import`
 * leaves beside the cursors (`<home>/agent-follow/imported/`, one small file per path). Each is a
 * TailCursor, so a file replaced or cut since is not taken for the one that was stored.
 */
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { CursorStore } from './cursors.js'
import { cursorFor, cursorHolds, type TailCursor } from './tail.js'

export interface StoredOf {
  /** Bytes of the file mesh holds (its whole lines up to there). */
  offset: number
  /** The last line stored had no newline: a newline at `offset` belongs to it. */
  skipNl: boolean
  size: number
  mtimeMs: number
}

export class StoredBytes {
  private readonly imported: CursorStore
  private readonly followed: CursorStore

  /** `dir`: the follower's cursors (`<home>/agent-follow`). */
  constructor (dir: string) {
    this.followed = new CursorStore(dir)
    this.imported = new CursorStore(join(dir, 'imported'))
  }

  /** After an import of `path` stored its first `offset` bytes (`skipNl`: its last line had no newline). */
  async mark (path: string, offset: number, skipNl: boolean): Promise<void> {
    const c = await cursorFor(path, offset, skipNl)
    if (c !== undefined) await this.imported.set(path, c)
  }

  /**
   * The most of the file mesh is known to hold: the import's mark, or the cursor of a follower's
   * stream (`streamIds`: the ids it names the file's stream by), whichever still matches the file
   * and reaches further; undefined when none does (imported before marks were kept, or elsewhere).
   */
  async of (path: string, streamIds: readonly string[]): Promise<StoredOf | undefined> {
    let best: StoredOf | undefined
    const cursors = [await this.imported.get(path), ...await Promise.all(streamIds.map(async id => await this.followed.get(id)))]
    for (const c of cursors) {
      if (!isCursor(c) || (best !== undefined && c.offset <= best.offset)) continue
      const h = await cursorHolds(path, c)
      if (h?.holds === true) best = { offset: c.offset, skipNl: c.skipNl === true, size: h.size, mtimeMs: h.mtimeMs }
    }
    return best
  }
}

function isCursor (c: unknown): c is TailCursor {
  return typeof c === 'object' && c !== null && typeof (c as TailCursor).offset === 'number' && typeof (c as TailCursor).head === 'string' && typeof (c as TailCursor).tail === 'string'
}

/**
 * What the file holds past what mesh holds: `bytes` of it (a newline that ends the last line
 * stored not counted), and whether a whole line is among them (then an import adds records;
 * else it is a last line not whole yet, held back). Read a piece at a time up to the first newline.
 */
export async function pastStored (path: string, s: StoredOf): Promise<{ bytes: number, wholeLine: boolean }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const size = (await fh.stat()).size
    let from = s.offset
    const piece = Buffer.alloc(64 * 1024)
    if (s.skipNl && from < size) {
      const { bytesRead } = await fh.read(piece, 0, 1, from)
      if (bytesRead === 1 && piece[0] === 0x0a) from++
    }
    for (let at = from; at < size;) {
      const { bytesRead } = await fh.read(piece, 0, piece.length, at)
      if (bytesRead === 0) break
      if (piece.subarray(0, bytesRead).includes(0x0a)) return { bytes: size - from, wholeLine: true }
      at += bytesRead
    }
    return { bytes: Math.max(0, size - from), wholeLine: false }
  } finally {
    await fh.close()
  }
}
