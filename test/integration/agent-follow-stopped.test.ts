/**
 * `mesh agent follow` stopped by Ctrl-C (SIGINT) or SIGTERM says it stopped, as `mesh join`
 * does: a closing line in words, a `stopped` event with --json, its last line either way.
 * A real follower process on a home of its own (no daemon), Claude Code's folder empty.
 *
 * One follower per home: a second, started while one runs, is refused at once (FOLLOWER_RUNNING,
 * exit 1, as a second `mesh join` is refused), naming the first's pid and how to stop it; they
 * would race over the home's cursors and leases (`agent-follow/`). One killed with SIGKILL holds
 * nothing: the next starts (the first of the three stopped below).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn } from '../helpers/netns.js'

const h = cliHome()

describe('mesh agent follow, stopped', () => {
  it('says so on its last line, in words or as a --json event; one at a time, a killed one holding nothing', async () => {
    const claude = join(h.dir, 'claude')
    await mkdir(join(claude, 'projects'), { recursive: true })
    const env = { ...h.env, CLAUDE_CONFIG_DIR: claude }
    const first = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'claude', '--home', h.home, '--json'], env)
    h.procs.push(first)
    await first.waitFor(/"event":"following"/, 30_000)
    const pid = JSON.parse(first.lines.find(l => l.includes('"following"')) as string).pid as number
    // Codex as well: the cursors and leases they would race over are the home's, whatever the agent.
    const second = await runCli(['agent', 'follow', 'codex', '--home', h.home, '--json'], { env })
    expect(second.code, second.stderr).toBe(1)
    expect(JSON.parse(second.stderr).error).toEqual({
      code: 'FOLLOWER_RUNNING',
      message: `a follower is already running for home ${h.home} (pid ${pid}): stop it first (Ctrl-C where it runs, or \`kill ${pid}\`; a \`mesh join --follow\` stops with \`mesh stop\`), then run this again`,
      details: { home: h.home, pid }
    })
    await first.stop('SIGKILL')
    for (const [signal, json] of [['SIGINT', false], ['SIGTERM', false], ['SIGINT', true]] as const) {
      const f = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'claude', '--home', h.home, ...(json ? ['--json'] : [])], env)
      h.procs.push(f)
      await f.waitFor(json ? /"event":"following"/ : /^caught up: /, 30_000)
      expect(await f.stop(signal), f.lines.join('\n')).toBe(0)
      if (json) expect(JSON.parse(f.lines.at(-1) as string)).toEqual({ event: 'stopped' })
      else expect(f.lines.at(-1)).toBe('stopped following claude')
    }
  }, 120_000)
})
