/**
 * `mesh agent memory sync AGENT` on a machine where that agent is not installed (no ~/.hermes,
 * ~/.claude or ~/.openclaw): it says so, exit 2 (NOT_FOUND), and creates none of the agent's
 * folders, not even when mesh holds memory of that agent from another machine (a lock file or a
 * memory file would make the agent look installed). A --workspace that is not there is the same.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('mesh agent memory sync for an agent that is not installed here', () => {
  it('says so, exit 2, and creates nothing in the user\'s home, though mesh holds that agent\'s memory', async () => {
    const user = join(h.dir, 'user')
    // Memory of each agent, as a sync on another machine put it in mesh.
    for (const [key, tag] of [['hermes/MEMORY/0123456789abcdef', 'hermes:MEMORY'], ['claude/user/CLAUDE.md', 'claude'], ['openclaw/workspace/MEMORY.md', 'openclaw']]) {
      const set = await h.mesh('memory', 'set', key as string, 'from the desktop', '--tag', tag as string)
      expect(set.code, set.stderr).toBe(0)
    }
    const before = await readdir(user)
    const cases: Array<[string[], RegExp]> = [
      [['hermes'], new RegExp(`^mesh: Hermes is not installed here: there is no ${join(user, '.hermes')} \\(set HERMES_HOME if Hermes keeps its files elsewhere\\)\\. Nothing synced, nothing created`)],
      [['claude', '--cwd', user], new RegExp(`^mesh: Claude Code is not installed here: there is no ${join(user, '.claude')} \\(set CLAUDE_CONFIG_DIR if Claude Code keeps its files elsewhere\\)\\. Nothing synced, nothing created`)],
      [['openclaw'], new RegExp(`^mesh: OpenClaw is not installed here: there is no ${join(user, '.openclaw')} \\(set OPENCLAW_STATE_DIR if OpenClaw keeps its files elsewhere\\)\\. Nothing synced, nothing created`)],
      [['openclaw', '--workspace', join(user, 'ws')], new RegExp(`^mesh: --workspace ${join(user, 'ws')}: no such folder\\. Nothing synced, nothing created`)]
    ]
    for (const [args, said] of cases) {
      const r = await h.mesh('agent', 'memory', 'sync', ...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(said)
      expect(r.stdout).toBe('')
      const j = await h.mesh('agent', 'memory', 'sync', ...args, '--json')
      expect(JSON.parse(j.stderr).error.code).toBe('NOT_FOUND')
    }
    expect(await readdir(user)).toEqual(before)
  }, 60_000)
})
