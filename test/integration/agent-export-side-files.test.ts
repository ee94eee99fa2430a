/**
 * `mesh agent export` says once what of a session's side files (a Claude Code sub-agent's
 * transcript, a tool result) its file leaves out, and truthfully: exported as the session's own
 * agent, that `mesh agent resume KEY` writes them; translated (`--as hermes`), in the list of what
 * the translation dropped only (the Hermes file holds none, and resume writes Claude's files).
 * A real `mesh` on a home of its own, no daemon, the Claude Code fixture imported.
 */
import { cp, mkdir, readdir, readFile, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/claude/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const KEY = `agent:claude:${SID}`
const h = cliHome()

describe('mesh agent export of a session with side files', () => {
  it('says the side files left out once, and what brings them only where it does', async () => {
    const config = join(h.dir, 'claude')
    const project = join(config, 'projects', sanitizePath('/home/alice/src/app'))
    await mkdir(project, { recursive: true })
    await cp(join(FIX, `${SID}.jsonl`), join(project, `${SID}.jsonl`))
    await cp(join(FIX, SID), join(project, SID), { recursive: true })
    // Written a minute ago: not a session the agent is writing now.
    const ago = new Date(Date.now() - 60_000)
    for (const e of await readdir(config, { withFileTypes: true, recursive: true })) if (e.isFile()) await utimes(join(e.parentPath, e.name), ago, ago)
    const env = { ...h.env, CLAUDE_CONFIG_DIR: config }
    const imp = await runCli(['agent', 'import', 'claude', '--session', SID, '--home', h.home], { env })
    expect(imp.code, imp.stderr).toBe(0)

    const hermes = join(h.dir, 'as-hermes.jsonl')
    const t = await h.mesh('agent', 'export', KEY, '--as', 'hermes', '--out', hermes)
    expect(t.code, t.stderr).toBe(0)
    const said = t.stdout.split('\n').filter(l => /side file/.test(l))
    expect(said).toEqual([expect.stringMatching(/^ {2}dropped: \d+ side files \(sub-agents, tool results, index\)$/)])
    expect(t.stdout).not.toContain('mesh agent resume')
    expect(t.stdout).toMatch(new RegExp(`^wrote ${hermes.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ bytes\\)$`, 'm'))

    const own = await h.mesh('agent', 'export', KEY, '--out', join(h.dir, 'as-claude.jsonl'))
    expect(own.code, own.stderr).toBe(0)
    expect(own.stdout.split('\n').filter(l => /side file/.test(l))).toEqual([expect.stringMatching(new RegExp(`^wrote .*; \\d+ side files not included \\(\`mesh agent resume ${KEY}\` writes them\\)$`))])
    expect(JSON.parse((await h.mesh('agent', 'export', KEY, '--as', 'hermes', '--out', join(h.dir, 'j.jsonl'), '--json')).stdout).sideFilesLeftOut).toBeGreaterThan(0)
    expect((await readFile(hermes, 'utf8')).length).toBeGreaterThan(0)
  }, 120_000)
})
