/**
 * `mesh watch` with no daemon looks at the transcript once a second. With `--tail 0` it shows no
 * earlier message, so it has no message id to continue after: what came since is counted from the
 * transcript's length. It used to ask for the last `--tail` messages each time, which with 0 was
 * nothing, so no new message was ever shown. What the tail leaves out is said. A watch of a mistyped key waits, and names the
 * session perhaps meant.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh watch without a daemon', () => {
  it('shows the messages appended after it started when --tail 0 showed none', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const home = join(t.dir, 'home')
    const wallet = join(t.dir, 'wallet.json')
    expect(spawnSync(process.execPath, [BIN, 'wallet', 'new', '--out', wallet], { env }).status).toBe(0)
    const mesh = async (...args: string[]): Promise<void> => {
      const r = await runCli([...args, '--home', home], { env })
      expect(r.code, r.stderr).toBe(0)
    }
    await mesh('init', '--wallet', wallet, '--label', 'solo')
    await mesh('session', 'new', 'quiet')
    await mesh('session', 'append', 'quiet', '--role', 'user', '--text', 'before the watch')
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'quiet', '--tail', '0', '--home', home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/no mesh join runs/)
    // What the tail leaves out is said, with how to see it.
    expect(w.lines).toContain(`(1 earlier message is not shown: --tail N shows more; the whole transcript: mesh session show agent:main:quiet --all --home ${home})`)
    await mesh('session', 'append', 'quiet', '--role', 'user', '--text', 'first after')
    await mesh('session', 'append', 'quiet', '--role', 'user', '--text', 'second after')
    await w.waitFor(/second after/, 10_000)
    const shown = w.lines.filter(l => l.includes('user (solo):')).map(l => l.replace(/^.*user \(solo\): /, ''))
    expect(shown).toEqual(['first after', 'second after'])
    // A script is told the same on the stream, before the messages.
    const json = spawnIn(undefined, process.execPath, [BIN, 'watch', 'quiet', '--tail', '1', '--json', '--home', home], env)
    cleanups.push(async () => await json.stop('SIGKILL'))
    await json.waitFor(/"content":"second after"/, 10_000)
    expect(await json.stop('SIGINT')).toBe(0)
    expect(JSON.parse(json.lines[0] as string)).toEqual({ event: 'earlier', key: 'agent:main:quiet', count: 2 })
    // A typo of a session held here: the watch waits, and says which one was perhaps meant.
    const typo = spawnIn(undefined, process.execPath, [BIN, 'watch', 'quite', '--home', home], env)
    cleanups.push(async () => await typo.stop('SIGKILL'))
    expect(await typo.waitFor(/waiting for it/)).toMatch(/^\(no session agent:main:quite on this device yet: waiting for it to arrive from a peer or be created here; did you mean `agent:main:quiet`\? Ctrl-C to stop\)$/)
    expect(await typo.stop('SIGINT')).toBe(0)
  })
})
