/**
 * `mesh watch --tail N` on a device a session is still coming to: it printed every message of the
 * session as it arrived (32,000 lines for `--tail 5` on a freshly paired device). It now waits,
 * saying the session is on its way, and once it has come prints what the tail leaves out and the
 * tail, then what is written after. Two real `mesh join` daemons of one wallet; the session comes
 * through a proxy that forwards at 0.25 MB/s, so its arrival takes several seconds.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bigSnapshotHome } from '../helpers/big-snapshot.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { cutProxy } from '../helpers/cut-proxy.js'
import { startDaemon, type Daemon } from '../helpers/daemons.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh watch on a session still arriving', () => {
  it('waits for it, then prints what its tail leaves out and the tail, not every message as it came', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const N = 1500
    await bigSnapshotHome(join(t.dir, 'a'), wallet, N)
    const daemons: Daemon[] = []
    cleanups.push(async () => { for (const d of daemons) await d.proc.stop('SIGKILL') })
    const a = await startDaemon(env, { home: join(t.dir, 'a'), wallet, label: 'alpha' }); daemons.push(a)
    const port = Number(/\/tcp\/(\d+)/.exec(a.addr)?.[1])
    const proxy = await cutProxy('127.0.0.1', port, { rateFromTarget: 250_000 })
    cleanups.push(async () => { await proxy.close() })
    const b = await startDaemon(env, { home: join(t.dir, 'b'), wallet, label: 'beta', bootstrap: `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${a.deviceId}` }); daemons.push(b)

    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'big', '--tail', '5', '--json', '--home', b.home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/^\{"event":"waiting"/, 60_000)
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
