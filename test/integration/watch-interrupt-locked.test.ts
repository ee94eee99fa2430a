/**
 * Ctrl-C while `mesh watch KEY`'s first read waits for the home: another process holds it (a
 * short command, a script of the SDK's without a daemon), and the read tries again for up to
 * 10 s. The watch took Ctrl-C from its start but looked at it only after that read, so it went on
 * waiting, and ended 10 s later with HOME_IN_USE, exit 1, as if never interrupted. It now ends at
 * once, as Ctrl-C ends it at any other moment: exit 0, nothing on stderr but what it says. While
 * it waits it says so once, naming the pid that holds the home (it said nothing for seconds).
 * Driven with a real process holding the home's lock (it holds it until the watch has exited,
 * so the watch cannot have ended by getting the home), and a real SIGINT sent once the watch is
 * seen trying to take that lock.
 */
import { watch } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { soloHome } from '../helpers/solo-home.js'

const cleanups: Array<() => unknown> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/**
 * The home opened as a short command opens it (its lock taken, no socket served), held until
 * SIGTERM. A watch's look (once a second) may hold the home the moment it starts: tried again
 * until it gets it, as a command waits for the home (it failed the test now and then).
 */
const HOLDER = `
const { hostHome } = await import(process.argv[1])
let host
for (;;) {
  try { host = await hostHome({ home: process.argv[2], serve: false, node: false }); break } catch (err) {
    if (err?.code !== 'HOME_IN_USE') throw err
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
const alive = setInterval(() => {}, 1 << 30)
console.log('holding ' + process.pid)
await new Promise(resolve => process.once('SIGTERM', resolve))
clearInterval(alive)
await host.close()
`

/**
 * The watch's tries at the home's lock, counted: each puts `lock.<pid>.<hex>.tmp` in the home.
 * `seen` resolves at the first (the watch is in its wait), `stop` ends the count and gives it.
 */
function lockTries (home: string, w: ReturnType<typeof spawnIn>): { seen: () => Promise<void>, count: () => number, stop: () => number } {
  const trying = new RegExp(`^lock\\.${String(w.child.pid)}\\.[0-9a-f]+\\.tmp$`)
  const tries = new Set<string>()
  const fsw = watch(home, (_, name) => { if (name !== null && trying.test(name)) tries.add(name) })
  cleanups.push(() => { fsw.close() })
  return {
    seen: async () => await new Promise<void>((resolve, reject) => {
      const seen = setInterval(() => { if (tries.size > 0) { clearInterval(seen); resolve() } }, 10)
      w.exited.then(code => { clearInterval(seen); reject(new Error(`the watch exited (${String(code)}) before trying the lock:\n${w.lines.join('\n')}`)) }, reject)
    }),
    count: () => tries.size,
    stop: () => { fsw.close(); return tries.size }
  }
}

/** A process holding `home` as a short command does, until SIGTERM. */
async function holdHome (s: Awaited<ReturnType<typeof soloHome>>): Promise<ReturnType<typeof spawnIn>> {
  const host = join(dirname(BIN), '..', 'dist', 'src', 'api', 'host.js')
  const holder = spawnIn(undefined, process.execPath, ['--input-type=module', '-e', HOLDER, host, s.home], s.env)
  cleanups.push(async () => await holder.stop('SIGKILL'))
  await holder.waitFor(/^holding \d+$/, 30_000)
  return holder
}

describe('mesh watch and Ctrl-C while the home is held by another process', () => {
  it('a SIGINT while a later look (no daemon) waits for the home ends it with nothing said of that look', async () => {
    const s = await soloHome(cleanups)
    await s.mesh('session', 'new', 'held')
    await s.mesh('session', 'append', 'held', '--role', 'user', '--text', 'a message already there')
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'held', '--home', s.home], s.env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/a message already there/, 30_000)
    await w.waitFor(/no mesh join runs/, 30_000)
    // The home taken by another process: the watch's next look (once a second) waits for it.
    const holder = await holdHome(s)
    const tries = lockTries(s.home, w)
    await tries.seen()
    // The wait is said, once, with who holds the home.
    await w.waitFor(new RegExp(`^\\(the home is in use by pid ${String(holder.child.pid)}: waiting for it; Ctrl-C to stop\\)$`), 30_000)
    expect(await w.stop('SIGINT'), w.lines.join('\n')).toBe(0)
    tries.stop()
    expect(holder.child.exitCode).toBeNull()
    // The look ended by the watch's own stop is no failure to report.
    expect(w.lines.join('\n')).not.toMatch(/could not read|stopped|HOME_IN_USE/)
    expect(w.lines.filter(l => l.includes('in use'))).toHaveLength(1)
    expect(await holder.stop('SIGTERM')).toBe(0)
  }, 120_000)

  for (const json of [false, true]) {
    it(`a SIGINT during the first read's wait for the home's lock ends it at once, exit 0${json ? ' (--json)' : ''}`, async () => {
      const s = await soloHome(cleanups)
      await s.mesh('session', 'new', 'held')
      await s.mesh('session', 'append', 'held', '--role', 'user', '--text', 'a message already there')
      const holder = await holdHome(s)

      const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'held', '--home', s.home, ...(json ? ['--json'] : [])], s.env)
      cleanups.push(async () => await w.stop('SIGKILL'))
      const tries = lockTries(s.home, w)
      await tries.seen()
      // Said while it waits (not in --json, where stderr stays quiet).
      if (!json) await w.waitFor(/^\(the home is in use by pid \d+: waiting for it; Ctrl-C to stop\)$/, 30_000)
      const before = tries.count()
      expect(await w.stop('SIGINT'), w.lines.join('\n')).toBe(0)
      const after = tries.stop()
      // Its wait ended with it: no more tries at the lock after Ctrl-C (the one under way at most),
      // where the wait went on trying every 100 ms for the rest of its 10 s.
      expect(after - before).toBeLessThanOrEqual(2)
      // Ended while the home was still held: by Ctrl-C, not by getting the home or giving up on it.
      expect(holder.child.exitCode).toBeNull()
      expect(w.lines.join('\n')).not.toMatch(/is in use by pid \d+$|HOME_IN_USE|\n\s+at |Error/m)
      expect(w.lines.filter(l => l.includes('in use'))).toHaveLength(json ? 0 : 1)
      expect(w.lines.join('\n')).not.toMatch(/a message already there/)
      expect(await holder.stop('SIGTERM')).toBe(0)
      // The home is free again: a watch started now prints the session (and Ctrl-C ends it as before).
      const again = spawnIn(undefined, process.execPath, [BIN, 'watch', 'held', '--home', s.home], s.env)
      cleanups.push(async () => await again.stop('SIGKILL'))
      await again.waitFor(/a message already there/, 30_000)
      expect(await again.stop('SIGINT')).toBe(0)
    }, 120_000)
  }
})
