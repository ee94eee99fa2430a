/**
 * `mesh agent export` says once what of a session's side files (a Claude Code sub-agent's
 * transcript, a tool result) its file leaves out, and truthfully: exported as the session's own
 * agent, that `mesh agent resume KEY` writes them; translated (`--as hermes`), in the list of what
 * the translation dropped only (the Hermes file holds none, and resume writes Claude's files).
 * A transcript whose chain is broken (line 7 names a parent no line has) translated to Hermes
 * kept only what follows the break and called the rest "rewinds": it is now followed across the
 * break, from its first prompt, and the break said.
 * A real `mesh` on a home of its own, no daemon, the Claude Code fixture imported.
 */
import { cp, mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises'
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

  it('translates a transcript with a broken chain from its start, and says where it is broken', async () => {
    const sid = 'b0b0b0b0-0000-4000-8000-00000000000d'
    const u = (n: number): string => `c0000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`
    const lines = Array.from({ length: 12 }, (_, i) => {
      const n = i + 1
      // Line 7's parent was on a line lost.
      const parent = n === 1 ? null : n === 7 ? u(99) : u(n - 1)
      const at = `2026-12-01T10:00:${String(n).padStart(2, '0')}.000Z`
      return n % 2 === 1
        ? { parentUuid: parent, isSidechain: false, type: 'user', message: { role: 'user', content: `question ${n}` }, uuid: u(n), timestamp: at, cwd: '/home/alice/src/app', sessionId: sid }
        : { parentUuid: parent, isSidechain: false, type: 'assistant', message: { role: 'assistant', content: [{ type: 'text', text: `answer ${n}` }] }, uuid: u(n), timestamp: at, cwd: '/home/alice/src/app', sessionId: sid }
    })
    const file = join(h.dir, `${sid}.jsonl`)
    await writeFile(file, lines.map(l => JSON.stringify(l)).join('\n') + '\n')
    const imp = await h.mesh('agent', 'import', 'claude', '--file', file)
    expect(imp.code, imp.stderr).toBe(0)
    expect(imp.stderr).toContain(`line 7 (${u(7)}) names parent ${u(99)}, which no line has`)

    const out = join(h.dir, 'dh.jsonl')
    const t = await h.mesh('agent', 'export', `agent:claude:${sid}`, '--as', 'hermes', '--out', out)
    expect(t.code, t.stderr).toBe(0)
    expect(t.stdout).toContain(`  note: the chain is broken at line 7 (parent ${u(99)} is no record): the conversation before it is kept, taken on from line 6, the last before it\n`)
    expect(t.stdout).not.toContain('rewinds')
    const row = JSON.parse(await readFile(out, 'utf8'))
    expect(row.messages.map((m: { content: string }) => m.content)).toEqual(Array.from({ length: 12 }, (_, i) => `${(i + 1) % 2 === 1 ? 'question' : 'answer'} ${i + 1}`))
    const j = JSON.parse((await h.mesh('agent', 'export', `agent:claude:${sid}`, '--as', 'hermes', '--out', join(h.dir, 'dh2.jsonl'), '--json')).stdout)
    expect(j.notes).toEqual([`the chain is broken at line 7 (parent ${u(99)} is no record): the conversation before it is kept, taken on from line 6, the last before it`])
  }, 60_000)
})
