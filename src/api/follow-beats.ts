/**
 * The beats of a follower that runs while no `mesh join` does (`mesh agent follow` alone): there
 * is no daemon to keep agents.followBeat's report, so the follower writes it to a small file of
 * the home instead, one per follower in `<home>/agent-follow/followers/`, after a pass as it would
 * send one, and removes it when it stops or a daemon takes its beats. agents.status reads them
 * beside the daemon's table (follow-table.ts), so `mesh agent list` shows live capture with or
 * without a daemon. A file not written for STALE_MS, whose process is gone, or that is not a
 * beat, is no follower; one whose process is gone (killed: it could not remove it) is removed
 * when read, with a temp file its write left behind.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { processRuns } from '../store/files.js'
import { STALE_MS, type FollowBeat } from './follow-table.js'
import { AGENT_FOLLOW_METHODS } from './schema-agents.js'

const BEAT = AGENT_FOLLOW_METHODS['agents.followBeat'].input
const log = logger('mesh:api:follow-beats')

export const followersDir = (home: string): string => join(home, 'agent-follow', 'followers')

/** A follower's id names its file: `<pid>-<hex>` (FollowReporter), nothing else. */
const fileOf = (home: string, id: string): string | undefined => /^[A-Za-z0-9-]{1,64}$/.test(id) ? join(followersDir(home), `${id}.json`) : undefined

/** Written whole (temp file, rename), not fsynced: a beat lost with the power is no follower, as it is. */
export async function writeBeat (home: string, b: FollowBeat): Promise<void> {
  const file = fileOf(home, b.id)
  if (file === undefined) return
  await mkdir(followersDir(home), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(b) + '\n', { mode: 0o600 })
  await rename(tmp, file)
}

export async function removeBeat (home: string, id: string): Promise<void> {
  const file = fileOf(home, id)
  if (file !== undefined) await rm(file, { force: true })
}

/** Removes a dead follower's file; one that cannot be removed now (a home not writable) stays, skipped. */
async function gone (path: string): Promise<void> {
  // Harmless: a dead follower's file is skipped at every read (its process is gone, or stale).
  await rm(path, { force: true }).catch(() => {})
}

/** The live followers' beats written in the home, each with when it was written (`at`). */
export async function readBeats (home: string, now = Date.now()): Promise<Array<FollowBeat & { at: number }>> {
  let names: string[]
  try {
    names = await readdir(followersDir(home))
  } catch (err: any) {
    if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return []
    throw err
  }
  const out: Array<FollowBeat & { at: number }> = []
  for (const name of names) {
    const path = join(followersDir(home), name)
    // A write's temp file (`<id>.json.<pid>.tmp`) whose writer is gone: its rename never came.
    const tmp = /\.json\.(\d+)\.tmp$/.exec(name)
    if (tmp !== null) { if (!processRuns(Number(tmp[1]))) await gone(path); continue }
    if (!name.endsWith('.json')) continue
    try {
      const st = await stat(path)
      if (!st.isFile()) continue
      const b = BEAT.safeParse(JSON.parse(await readFile(path, 'utf8')))
      if (!b.success || `${b.data.id}.json` !== name) continue
      // Killed, it could not remove its report: nothing else will write or read it.
      if (!processRuns(b.data.pid)) { await gone(path); continue }
      if (now - st.mtimeMs > STALE_MS) continue
      out.push({ ...b.data, at: st.mtimeMs })
    } catch (err: any) {
      // Removed or replaced between the listing and the read: its follower writes it again. Any
      // other failure (not readable, not JSON) hides a live follower from agents.status: logged.
      if (err?.code !== 'ENOENT') log('follower beat %s not read: %e', path, err)
    }
  }
  return out
}
