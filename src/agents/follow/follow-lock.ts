/**
 * One follower per home. `mesh agent follow` and `mesh join --follow` keep how far they read and
 * the leases they took in `<home>/agent-follow/` (cursors.ts, release.ts): two at once would race
 * over the same files (one letting go of a lease the other still counts on, each moving the
 * other's cursors). So a follower holds `<home>/agent-follow/lock` while it runs, taken as the home's
 * own lock is (store/lock.ts: the holder's pid in it; one whose holder is gone, a follower killed
 * with SIGKILL, is taken over), and a second is refused at once, naming the first.
 */
import { join } from 'node:path'
import { FollowerRunningError, HomeInUseError } from '../../errors.js'
import { acquireLock, mkdirDurable, type HomeLock } from '../../store/index.js'

/** Holds the home's follower lock until `release`; FOLLOWER_RUNNING, with the holder's pid, when another follower runs. */
export async function holdFollowing (home: string): Promise<HomeLock> {
  const dir = join(home, 'agent-follow')
  await mkdirDurable(dir, 0o700)
  try {
    return await acquireLock(dir)
  } catch (err) {
    if (!(err instanceof HomeInUseError) || typeof err.details.pid !== 'number') throw err
    const pid = err.details.pid
    throw new FollowerRunningError(`a follower is already running for home ${home} (pid ${pid})`, { home, pid }, {
      hint: { cli: `stop it first (Ctrl-C where it runs, or \`kill ${pid}\`; a \`mesh join --follow\` stops with \`mesh stop\`), then run this again` }
    })
  }
}
