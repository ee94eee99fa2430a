/**
 * One follower per home. `mesh agent follow` and `mesh join --follow` keep how far they read and
 * the leases they took in `<home>/agent-follow/` (cursors.ts, release.ts): two at once would race
 * over the same files (one letting go of a lease the other still counts on, each moving the
 * other's cursors). So a follower holds `<home>/agent-follow/lock` while it runs, taken as the home's
 * own lock is (store/lock.ts: the holder's pid in it; one whose holder is gone, a follower killed
 * with SIGKILL, is taken over), and a second is refused at once, naming the first.
 *
 * Beside the lock, `follower.json` says what its holder follows and whether it is a `mesh join
 * --follow` (the node itself: `kill PID` stops the node) or a `mesh agent follow`, written once the
 * lock is taken and removed before it is let go: a second follower is refused with the one way to
 * follow both (`restart it with --follow claude,codex`). A file whose pid is not the lock's holder
 * (left by a holder killed with SIGKILL, before the next took the lock) is not read as its.
 */
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { FollowerRunningError, HomeInUseError } from '../../errors.js'
import { acquireLock, atomicWrite, mkdirDurable, readNoFollow, type HomeLock } from '../../store/index.js'

/** What runs a follower: `mesh join --follow` (the node) or `mesh agent follow`. */
export type FollowerKind = 'join' | 'follow'
/** What the holder of the follower lock follows, as `follower.json` records it. */
export interface FollowerInfo { pid: number, agents: string[], kind: FollowerKind }

const INFO = 'follower.json'

async function readInfo (dir: string, pid: number): Promise<FollowerInfo | undefined> {
  try {
    const v = JSON.parse((await readNoFollow(join(dir, INFO))).toString('utf8'))
    const ok = v?.pid === pid && (v.kind === 'join' || v.kind === 'follow') && Array.isArray(v.agents) && v.agents.every((a: unknown) => typeof a === 'string')
    return ok ? { pid, agents: v.agents, kind: v.kind } : undefined
  } catch {
    return undefined // none (a mesh from before it was written), or unreadable: the pid alone is said
  }
}

const command = (kind: FollowerKind, agents: readonly string[]): string => kind === 'join' ? `mesh join --follow ${agents.join(',')}` : `mesh agent follow ${agents.join(',')}`

/** The refusal of a second follower, given what the first is (when follower.json says) and what this one asked for. */
function refusal (home: string, pid: number, info: FollowerInfo | undefined, want: { agents: readonly string[], kind: FollowerKind }): FollowerRunningError {
  if (info === undefined) {
    return new FollowerRunningError(`a follower is already running for home ${home} (pid ${pid})`, { home, pid }, {
      hint: { cli: `stop it first (Ctrl-C where it runs, or \`kill ${pid}\`; a \`mesh join --follow\` stops with \`mesh stop\`), then run this again` }
    })
  }
  const what = `\`${command(info.kind, info.agents)}\` (pid ${pid}${info.kind === 'join' ? ', the node itself' : ''})`
  const both = [...new Set([...info.agents, ...want.agents])]
  const missing = want.agents.filter(a => !info.agents.includes(a))
  const stop = info.kind === 'join'
    ? `stop the node with \`mesh stop\` (\`kill ${pid}\` stops the whole node too)`
    : `stop it (Ctrl-C where it runs, or \`kill ${pid}\`)`
  const cli = missing.length === 0
    ? `it follows ${want.agents.join(',')} already: nothing more to start`
    : info.kind === 'join'
      ? `to follow ${both.join(',')}, ${stop} and restart it with \`--follow ${both.join(',')}\``
      : `to follow ${both.join(',')}, ${stop} and run \`${command(want.kind === 'join' ? 'join' : 'follow', both)}\`${want.kind === 'join' ? ' (with your other join flags)' : ''}`
  return new FollowerRunningError(`a follower is already running for home ${home}: ${what}`, { home, pid, agents: info.agents, kind: info.kind }, { hint: { cli } })
}

/**
 * Holds the home's follower lock until `release`, recording who holds it (`agents`, `kind`);
 * FOLLOWER_RUNNING, with the holder's pid, what it follows and how it runs, when another follower runs.
 */
export async function holdFollowing (home: string, who: { agents: readonly string[], kind: FollowerKind }): Promise<HomeLock> {
  const dir = join(home, 'agent-follow')
  await mkdirDurable(dir, 0o700)
  let lock: HomeLock
  try {
    lock = await acquireLock(dir)
  } catch (err) {
    if (!(err instanceof HomeInUseError) || typeof err.details.pid !== 'number') throw err
    const pid = err.details.pid
    throw refusal(home, pid, await readInfo(dir, pid), who)
  }
  const info = join(dir, INFO)
  try {
    await atomicWrite(info, JSON.stringify({ pid: process.pid, agents: who.agents, kind: who.kind }) + '\n', 0o600, { makeDir: false })
  } catch (err) {
    await lock.release()
    throw err
  }
  return {
    path: lock.path,
    release: async () => {
      // Before the lock: the next holder writes its own once it holds it.
      try { if ((await readInfo(dir, process.pid)) !== undefined) await unlink(info) } catch { /* gone already */ }
      await lock.release()
    }
  }
}
