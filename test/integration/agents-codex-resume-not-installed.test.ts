/**
 * A Codex resume on a machine Codex never ran on, through real `mesh` processes on a home of
 * their own (no daemon). The resume writes the rollout where Codex looks for it, and so makes
 * `~/.codex/sessions/`: that folder, holding only what the resume wrote, is not a Codex install,
 * and `mesh agent skills sync codex` says so (exit 2, NOT_FOUND) and makes no `~/.agents/skills`
 * for it, as `~/.hermes/mesh-imports/` is not Hermes's. Once Codex has run there (its own files
 * beside sessions/), the same sync writes mesh's skills.
 */
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/codex/', import.meta.url))
const SID = '0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c'
const h = cliHome()

describe('mesh agent skills sync codex after a Codex resume on a machine without Codex', () => {
  it('does not read the ~/.codex the resume made as Codex installed: says so, writes no skills; after Codex ran, syncs', async () => {
    const user = join(h.dir, 'user')
    // The session, captured on the desk (its Codex folder elsewhere), and a skill in mesh.
    const desk = join(h.dir, 'desk-codex')
    await cp(FIX, desk, { recursive: true })
    const imp = await h.mesh('agent', 'import', 'codex', '--file', join(desk, 'sessions', '2026', '11', '21', `rollout-2026-11-21T10-00-00-${SID}.jsonl`))
    expect(imp.code, imp.stderr).toBe(0)
    const src = join(h.dir, 'skill-src', 'review')
    await mkdir(src, { recursive: true })
    await writeFile(join(src, 'SKILL.md'), '---\nname: review\ndescription: Review a diff\n---\n\nLook for bugs.\n')
    expect((await h.mesh('skills', 'add', src)).code).toBe(0)

    // This machine: no ~/.codex, no ~/.agents. The resume makes ~/.codex/sessions/….
    const cwd = join(h.dir, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    const res = await h.mesh('agent', 'resume', `agent:codex:${SID}`, '--cwd', cwd)
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain(`cd ${cwd} && codex resume ${SID}`)
    expect(await readdir(join(user, '.codex'))).toEqual(['sessions'])

    const r = await h.mesh('agent', 'skills', 'sync', 'codex')
    expect(r.code, r.stdout).toBe(2)
    expect(r.stderr).toBe(`mesh: Codex is not installed here: ${join(user, '.codex')} holds only sessions/, what a resume writes there: nothing Codex writes when it runs (config.toml, history.jsonl, log/) (set CODEX_HOME if Codex keeps its files elsewhere). Nothing synced, nothing created\n`)
    const j = await h.mesh('agent', 'skills', 'sync', 'codex', '--json')
    expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'NOT_FOUND', details: { agent: 'Codex', path: join(user, '.codex') } })
    expect(await readdir(user)).not.toContain('.agents')
    expect(await readdir(join(user, '.codex'))).toEqual(['sessions'])

    // Codex ran here: its own files beside the session. Now it is installed, and gets the skill.
    await writeFile(join(user, '.codex', 'config.toml'), 'model = "gpt-5"\n')
    const synced = await h.mesh('agent', 'skills', 'sync', 'codex', '--json')
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout)).toMatchObject({ pulled: ['review'] })
    expect(await readFile(join(user, '.agents', 'skills', 'review', 'SKILL.md'), 'utf8')).toContain('Look for bugs.')
  }, 90_000)
})
