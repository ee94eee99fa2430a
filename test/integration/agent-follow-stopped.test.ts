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
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { holdFollowing } from '../../src/agents/index.js'
import { messageFor } from '../../src/errors.js'
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
    // Said what runs and what it follows, and the one way to follow both (was: `stop it first …,
    // then run this again`, which would follow codex alone).
    expect(JSON.parse(second.stderr).error).toEqual({
      code: 'FOLLOWER_RUNNING',
      message: `a follower is already running for home ${h.home}: \`mesh agent follow claude\` (pid ${pid}): to follow claude,codex, stop it (Ctrl-C where it runs, or \`kill ${pid}\`) and run \`mesh agent follow claude,codex\``,
      details: { home: h.home, pid, agents: ['claude'], kind: 'follow' }
    })
    await first.stop('SIGKILL')
    for (const [signal, json] of [['SIGINT', false], ['SIGTERM', false], ['SIGINT', true]] as const) {
      // `claude,` (an empty name after the comma) is followed and said as claude, not "claude,".
      const f = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', signal === 'SIGTERM' ? 'claude,' : 'claude', '--home', h.home, ...(json ? ['--json'] : [])], env)
      h.procs.push(f)
      await f.waitFor(json ? /"event":"following"/ : /^caught up: /, 30_000)
      expect(await f.stop(signal), f.lines.join('\n')).toBe(0)
      if (json) expect(JSON.parse(f.lines.at(-1) as string)).toEqual({ event: 'stopped' })
      else expect(f.lines.at(-1)).toBe('stopped following claude')
      if (!json) expect(f.lines).toContain(`following claude (pid ${f.child.pid as number}); Ctrl-C stops`)
    }
  }, 120_000)

  it('refused beside a `mesh join --follow`, says it is the node (not to be killed for this) and to restart it with both', async () => {
    // In-process: the lock's holder is this process, as the node holds it (`mesh join --follow claude`).
    const home = join(h.dir, 'join-home')
    const lock = await holdFollowing(home, { agents: ['claude'], kind: 'join' })
    try {
      const refused = await holdFollowing(home, { agents: ['codex'], kind: 'follow' }).then(() => undefined, (err: unknown) => err)
      expect(refused).toMatchObject({ code: 'FOLLOWER_RUNNING', details: { home, pid: process.pid, agents: ['claude'], kind: 'join' } })
      expect(messageFor(refused as Error, 'cli')).toBe(`a follower is already running for home ${home}: \`mesh join --follow claude\` (pid ${process.pid}, the node itself): to follow claude,codex, stop the node with \`mesh stop\` (\`kill ${process.pid}\` stops the whole node too) and restart it with \`--follow claude,codex\``)
    } finally {
      await lock.release()
    }
    // Let go: the record goes with the lock, and the next follower takes it.
    expect(await readdir(join(home, 'agent-follow'))).toEqual([])
    await (await holdFollowing(home, { agents: ['codex'], kind: 'follow' })).release()
  })
})
