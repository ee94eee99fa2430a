/**
 * Folders and names that survive a crash: a new folder, a rename or a link is an entry of its
 * folder, kept only once that folder is synced. Below every layer (as errors.ts): the wallet
 * (identity) and the store write files that must outlive a power cut, and use this one code.
 */
import { constants } from 'node:fs'
import { mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'

/** Syncs a folder: the names made, renamed or removed in it are then on disk. */
export async function fsyncDir (dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY)
  try { await fh.sync() } finally { await fh.close() }
}

/** Folders mkdirDurable is making now, by path. */
const inFlight = new Map<string, Promise<void>>()

/**
 * `mkdir -p dir` whose new folders survive a crash: a folder made is an entry of its parent, so
 * the parent of each one made is synced (the deepest is synced with the file put in it). A file
 * committed in a folder that a crash then loses is lost with it, though the file was synced.
 */
export async function mkdirDurable (dir: string, mode = 0o700): Promise<void> {
  // A second call while the first makes the folder finds it there, and must not put anything in
  // it before the first has synced it into its parent: it waits for that call (a snapshot's
  // scratch file and its staged file are made in one folder at once).
  const making = inFlight.get(dir)
  if (making !== undefined) return await making
  const p = (async () => {
    const first = await mkdir(dir, { recursive: true, mode })
    if (first === undefined) return
    // From the folder above the first one made down to the one above `dir`.
    const made: string[] = []
    for (let d = dir; d !== first && d !== dirname(d); d = dirname(d)) made.push(d)
    made.push(first)
    for (const d of made.reverse()) await fsyncDir(dirname(d))
  })()
  inFlight.set(dir, p)
  try { await p } finally { inFlight.delete(dir) }
}
