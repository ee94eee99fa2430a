/**
 * A home holding one big session as one snapshot (written by big-session.ts in a child), and
 * what a sender's sync log (DEBUG=mesh:sync) says of the snapshot transfers it made.
 */
import { spawnSync } from 'node:child_process'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT } from './cli.js'

// The writer runs compiled: beside this file when this is dist/ (the benchmark), else from dist/.
const WRITER = import.meta.url.endsWith('.js') ? fileURLToPath(new URL('./big-session.js', import.meta.url)) : join(ROOT, 'dist', 'test', 'helpers', 'big-session.js')

/** Writes `n` messages of ~1 KB into a new home; returns the snapshot's ciphertext size. */
export async function bigSnapshotHome (home: string, wallet: string, n: number): Promise<number> {
  const w = spawnSync(process.execPath, [WRITER, home, wallet, String(n), 'snapshot'], { encoding: 'utf8' })
  if (w.status !== 0) throw new Error(`writing the big session failed: ${w.stderr}`)
  // The largest .snap file; its ciphertext follows a 12-byte preamble and the signed header
  // (store/snapshots.ts).
  let biggest = ''
  const snaps = join(home, 'data', 'snapshots')
  for (const d of await readdir(snaps)) {
    for (const f of await readdir(join(snaps, d))) {
      const p = join(snaps, d, f)
      if (f.endsWith('.snap') && (biggest === '' || (await stat(p)).size > (await stat(biggest)).size)) biggest = p
    }
  }
  const file = await readFile(biggest)
  return file.byteLength - 12 - file.readUInt32BE(8)
}

/** The sender's snapshot transfers of `size` bytes: begun from byte 0 (a start) or beyond (a resume). */
export function snapshotStarts (lines: readonly string[], size: number): { fresh: number, resumed: number } {
  const mine = lines.filter(l => new RegExp(`snapshot of \\w+ to \\w+: ${size} bytes, from byte \\d+`).test(l))
  return { fresh: mine.filter(l => / from byte 0\b/.test(l)).length, resumed: mine.filter(l => / from byte [1-9]/.test(l)).length }
}

/** Log lines of sync sessions that failed (a session broken off restarts its transfers). */
export function brokenSessions (lines: readonly string[]): string[] {
  return lines.filter(l => /sync with \w+ ended/.test(l) || /broke off/.test(l))
}
