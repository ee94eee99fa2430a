/**
 * `mesh watch --tail N` on a device a session is still coming to: it printed every message of the
 * session as it arrived (32,000 lines for `--tail 5` on a freshly paired device). It now waits,
 * saying the session is on its way, and once it has come prints what the tail leaves out and the
 * tail, then what is written after. Two real `mesh join` daemons of one wallet; the session comes
 * through a proxy that forwards at 0.25 MB/s, so its arrival takes several seconds.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { bigHome, slowArrival } from '../helpers/slow-arrival.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh watch on a session still arriving', () => {
  it('waits for it, then prints what its tail leaves out and the tail, not every message as it came', async () => {
    const N = 1500
    const home = await bigHome(cleanups, N)
    const env = home.env
    const { a, b, proxy } = await slowArrival(cleanups, home)

    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'big', '--tail', '5', '--json', '--home', b.home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/^\{"event":"waiting"/, 60_000)
    // Said to be on its way: the rest may come at once (at 0.25 MB/s throughout it took ~5 s more).
    proxy.setRate(undefined)
    await w.waitFor(/^\{"event":"arrived"/, 120_000)
    await w.waitFor(new RegExp(`"content":"big ${N - 1} `), 30_000)
    // Written after it came: printed after the tail.
    expect((await runCli(['session', 'append', 'big', '--role', 'user', '--text', 'after it came', '--force', '--home', a.home], { env })).code).toBe(0)
    await w.waitFor(/"content":"after it came"/, 30_000)
    expect(await w.stop('SIGINT')).toBe(0)
    const lines = w.lines.filter(l => l.startsWith('{')).map(l => JSON.parse(l) as { event?: string, content?: string, count?: number })
    const events = lines.filter(l => l.event !== undefined)
    expect(events.map(e => e.event)).toEqual(['waiting', 'arrived', 'earlier'])
    expect(events[2]).toEqual({ event: 'earlier', key: 'agent:main:big', count: N - 5 })
    const contents = lines.filter(l => l.event === undefined).map(l => /^big (\d+) /.exec(l.content ?? '')?.[1] ?? l.content)
    expect(contents).toEqual([...Array.from({ length: 5 }, (_, i) => String(N - 5 + i)), 'after it came'])
  }, 240_000)
})
