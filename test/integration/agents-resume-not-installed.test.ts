/**
 * A Claude Code or OpenClaw resume on a machine that agent never ran on, through real `mesh`
 * processes on a home of their own (no daemon). The resume writes the session where the agent
 * looks for it, and so makes `~/.claude/projects/…` or `~/.openclaw/agents/<id>/sessions/…`: that
 * folder, holding only what the resume wrote, is not an install. `mesh agent skills sync` and
 * `mesh agent memory sync` say so (exit 2, NOT_FOUND) and write nothing there, as for Codex's
 * `sessions/` (agents-codex-resume-not-installed.test.ts) and Hermes's `mesh-imports/`. Once the
 * agent has run there (a file of its own beside the resume's), the same syncs write.
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { tree } from '../helpers/tree.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const CLAUDE_SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const OPENCLAW_SID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const h = cliHome()

describe('mesh agent skills and memory sync after a resume on a machine without the agent', () => {
  it('does not read the folder a resume made as the agent installed: says so, writes nothing; after the agent ran, syncs', async () => {
    const user = join(h.dir, 'user')
    // The sessions, captured on the desk (its agents' folders elsewhere), a skill and memory in mesh.
    const desk = join(h.dir, 'desk')
    await cp(FIX, desk, { recursive: true })
    const ci = await h.mesh('agent', 'import', 'claude', '--file', join(desk, 'claude', `${CLAUDE_SID}.jsonl`))
    expect(ci.code, ci.stderr).toBe(0)
    const oi = await h.mesh('agent', 'import', 'openclaw', '--file', join(desk, 'openclaw', 'agents', 'main', 'sessions', `${OPENCLAW_SID}.jsonl`))
    expect(oi.code, oi.stderr).toBe(0)
    const src = join(h.dir, 'skill-src', 'review')
    await mkdir(src, { recursive: true })
    await writeFile(join(src, 'SKILL.md'), '---\nname: review\ndescription: Review a diff\n---\n\nLook for bugs.\n')
    expect((await h.mesh('skills', 'add', src)).code).toBe(0)
    for (const [key, tag] of [['claude/user/CLAUDE.md', 'claude'], ['openclaw/workspace/MEMORY.md', 'openclaw']]) {
      const set = await h.mesh('memory', 'set', key as string, 'from the desktop', '--tag', tag as string)
      expect(set.code, set.stderr).toBe(0)
    }

    // This machine: no ~/.claude, no ~/.openclaw. The resumes make them.
    const cwd = join(h.dir, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    for (const key of [`agent:claude:${CLAUDE_SID}`, `agent:openclaw:${OPENCLAW_SID}`]) {
      const res = await h.mesh('agent', 'resume', key, '--cwd', cwd)
      expect(res.code, res.stderr).toBe(0)
    }
    expect(await readdir(join(user, '.claude'))).toEqual(['projects'])
    expect(await readdir(join(user, '.openclaw'))).toEqual(['agents'])
    expect(await tree(join(user, '.openclaw'))).toEqual(['agents', 'agents/main', 'agents/main/sessions', `agents/main/sessions/${OPENCLAW_SID}.jsonl`, 'agents/main/sessions/sessions.json'])
    const before = await tree(user)

    const cases: Array<[string[], string, string, string]> = [
      [['skills', 'sync', 'claude'], 'Claude Code', '.claude', 'projects/, what a resume writes there: nothing Claude Code writes when it runs (history.jsonl, todos/, shell-snapshots/) (set CLAUDE_CONFIG_DIR'],
      [['memory', 'sync', 'claude', '--cwd', cwd], 'Claude Code', '.claude', 'projects/, what a resume writes there'],
      [['skills', 'sync', 'openclaw'], 'OpenClaw', '.openclaw', 'agents/<id>/sessions/, what a resume writes there: nothing OpenClaw writes when it runs (openclaw.json, workspace/, agents/<id>/agent/) (set OPENCLAW_STATE_DIR'],
      [['memory', 'sync', 'openclaw'], 'OpenClaw', '.openclaw', 'agents/<id>/sessions/, what a resume writes there']
    ]
    for (const [args, name, folder, said] of cases) {
      const r = await h.mesh('agent', ...args)
      expect(r.code, `${args.join(' ')}: ${r.stdout}`).toBe(2)
      expect(r.stderr).toContain(`mesh: ${name} is not installed here: ${join(user, folder)} holds only ${said}`)
      expect(r.stderr).toMatch(/Nothing synced, nothing created\n$/)
      const j = await h.mesh('agent', ...args, '--json')
      expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'NOT_FOUND', details: { agent: name, path: join(user, folder) } })
    }
    expect(await tree(user)).toEqual(before)

    // Each agent ran here: a file of its own beside the resume's. Now installed, both sync.
    await writeFile(join(user, '.claude', 'history.jsonl'), '{"display":"hi"}\n')
    await mkdir(join(user, '.openclaw', 'agents', 'main', 'agent'))
    await writeFile(join(user, '.openclaw', 'agents', 'main', 'agent', 'models.json'), '{}\n')
    for (const agent of ['claude', 'openclaw']) {
      const synced = await h.mesh('agent', 'skills', 'sync', agent, '--json')
      expect(synced.code, synced.stderr).toBe(0)
      expect(JSON.parse(synced.stdout)).toMatchObject({ pulled: ['review'] })
    }
    expect(await readFile(join(user, '.claude', 'skills', 'review', 'SKILL.md'), 'utf8')).toContain('Look for bugs.')
    expect(await readFile(join(user, '.openclaw', 'skills', 'review', 'SKILL.md'), 'utf8')).toContain('Look for bugs.')
    const mem = await h.mesh('agent', 'memory', 'sync', 'openclaw')
    expect(mem.code, mem.stderr).toBe(0)
    expect(await readFile(join(user, '.openclaw', 'workspace', 'MEMORY.md'), 'utf8')).toBe('from the desktop')
    const cmem = await h.mesh('agent', 'memory', 'sync', 'claude')
    expect(cmem.code, cmem.stderr).toBe(0)
    expect(await readFile(join(user, '.claude', 'CLAUDE.md'), 'utf8')).toBe('from the desktop')
  }, 120_000)

  it('takes a folder with anything else in it as an install (OpenClaw: a sessions folder of an agent with more than sessions/)', async () => {
    const user = join(h.dir, 'user2')
    const env = { ...h.env, HOME: user }
    await mkdir(join(user, '.openclaw', 'agents', 'main', 'sessions'), { recursive: true })
    await mkdir(join(user, '.openclaw', 'agents', 'work', 'sessions'), { recursive: true })
    await writeFile(join(user, '.openclaw', 'agents', 'work', 'auth-profiles.json'), '{}\n')
    const r = await runCli(['agent', 'skills', 'sync', 'openclaw', '--home', h.home, '--json'], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ pulled: ['review'] })
  }, 60_000)
})
