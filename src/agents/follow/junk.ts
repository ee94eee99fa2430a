/**
 * Files the follower found to hold no session (no record of a kind their agent writes, or not
 * the agent's lines at all: not UTF-8), or that it can never take as they are (a session id no
 * mesh key can hold, a symbolic link), remembered by what they were then (size, mtime, inode).
 * While a file stays so it is neither read nor asked about again: each look at a session mesh
 * does not hold asks the API, whose not-found answer searches every key for a near name. The
 * first change (a line appended, the file replaced) has it read again. In memory: a restarted
 * follower reads each such file once more.
 */
import { stat } from 'node:fs/promises'
import type { Stream } from './source.js'

/** A file's state before a read: `unchanged` when it is remembered as junk and stayed as it was. */
export interface JunkLook { sig?: string, unchanged: boolean }

/** No look taken (a session mesh holds: its file is no junk). */
export const NO_LOOK: JunkLook = { unchanged: false }

export class JunkFiles {
  private readonly files = new Map<string, string>()

  /** Stats the stream's file (before reading it, so that a change made during the read is a change next time). */
  async look (s: Stream): Promise<JunkLook> {
    if (s.path === undefined) return { unchanged: false }
    let sig: string
    try {
      const st = await stat(s.path)
      sig = `${st.size}:${st.mtimeMs}:${st.ino}`
    } catch {
      // Gone or unreadable: the read says what it is.
      this.files.delete(s.id)
      return { unchanged: false }
    }
    const was = this.files.get(s.id)
    if (was === sig) return { unchanged: true }
    if (was !== undefined) this.files.delete(s.id)
    return { sig, unchanged: false }
  }

  /** The stream's file, as `look` found it, holds no session. */
  remember (s: Stream, look: JunkLook): void {
    if (look.sig !== undefined) this.files.set(s.id, look.sig)
  }

  has (s: Stream): boolean { return this.files.has(s.id) }

  forget (s: Stream): void { this.files.delete(s.id) }
}
