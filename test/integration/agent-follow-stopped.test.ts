/**
 * `mesh agent follow` stopped by Ctrl-C (SIGINT) or SIGTERM says it stopped, as `mesh join`
 * does: a closing line in words, a `stopped` event with --json, its last line either way.
 * A real follower process on a home of its own (no daemon), Claude Code's folder empty.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn } from '../helpers/netns.js'

const h = cliHome()

describe('mesh agent follow, stopped', () => {
  it('says so on its last line, in words or as a --json event', async () => {
    const claude = join(h.dir, 'claude')
    await mkdir(join(claude, 'projects'), { recursive: true })
    const env = { ...h.env, CLAUDE_CONFIG_DIR: claude }
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
