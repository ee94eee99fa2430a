/**
 * `mesh agent skills sync AGENT` on a machine where that agent is not installed (no ~/.claude,
 * ~/.codex, ~/.hermes or ~/.openclaw): it says so, exit 2 (NOT_FOUND), and creates nothing, not
 * even when mesh holds skills to write there (a skills folder would make the agent look
 * installed), as `mesh agent memory sync` does. Codex's skills folder, ~/.agents/skills, is read
 * by other agents too: when it is already there, it is synced without ~/.codex.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

/** Every path under `dir`, relative to it. */
async function tree (dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      out.push(relative(dir, join(d, e.name)))
      if (e.isDirectory()) await walk(join(d, e.name))
    }
  }
  await walk(dir)
  return out.sort()
}

describe('mesh agent skills sync for an agent that is not installed here', () => {
  it('says so, exit 2, and creates nothing in the user\'s home, though mesh holds a skill', async () => {
    const user = join(h.dir, 'user')
    // A skill in mesh, as a sync on another machine put it there.
    const src = join(h.dir, 'skill-src', 'review')
    await mkdir(src, { recursive: true })
    await writeFile(join(src, 'SKILL.md'), '---\nname: review\ndescription: Review a diff\n---\n\nLook for bugs.\n')
    const added = await h.mesh('skills', 'add', src)
    expect(added.code, added.stderr).toBe(0)
    const before = await tree(user)
    const cases: Array<[string, string, string, string]> = [
      ['claude', 'Claude Code', '.claude', 'CLAUDE_CONFIG_DIR'],
      ['codex', 'Codex', '.codex', 'CODEX_HOME'],
      ['hermes', 'Hermes', '.hermes', 'HERMES_HOME'],
      ['openclaw', 'OpenClaw', '.openclaw', 'OPENCLAW_STATE_DIR']
    ]
    for (const [agent, name, folder, variable] of cases) {
      const r = await h.mesh('agent', 'skills', 'sync', agent)
      expect(r.code, `${agent}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toBe(`mesh: ${name} is not installed here: there is no ${join(user, folder)} (set ${variable} if ${name} keeps its files elsewhere). Nothing synced, nothing created\n`)
      // Set, to a folder that is not there: said as where it was looked for.
      const moved = join(h.dir, `no-${agent}`)
      const set = await runCli(['agent', 'skills', 'sync', agent, '--home', h.home], { env: { ...h.env, [variable]: moved } })
      expect(set.stderr).toBe(`mesh: ${name} is not installed here: there is no ${moved} (${variable} names it). Nothing synced, nothing created\n`)
      expect(r.stdout).toBe('')
      const j = await h.mesh('agent', 'skills', 'sync', agent, '--json')
      expect(j.code).toBe(2)
      expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'NOT_FOUND', details: { agent: name, path: join(user, folder) } })
      expect(j.stdout).toBe('')
    }
    expect(await tree(user)).toEqual(before)

    // Installed, the same command writes mesh's skill there.
    await mkdir(join(user, '.claude'))
    const synced = await h.mesh('agent', 'skills', 'sync', 'claude', '--json')
    expect(synced.code, synced.stderr).toBe(0)
    expect(JSON.parse(synced.stdout)).toMatchObject({ pulled: ['review'] })
    expect(await readFile(join(user, '.claude', 'skills', 'review', 'SKILL.md'), 'utf8')).toContain('Look for bugs.')
    // ~/.agents/skills already there (another agent's): synced, though Codex is not installed.
    await mkdir(join(user, '.agents', 'skills'), { recursive: true })
    const shared = await h.mesh('agent', 'skills', 'sync', 'codex', '--json')
    expect(shared.code, shared.stderr).toBe(0)
    expect(JSON.parse(shared.stdout)).toMatchObject({ pulled: ['review'] })

    // Claude Code set up again (its folder moved aside, a fresh one without skills): not a folder
    // whose every skill was removed. Nothing leaves mesh, and mesh's skill comes back.
    await rename(join(user, '.claude'), join(user, '.claude.aside'))
    await mkdir(join(user, '.claude'))
    const fresh = await h.mesh('agent', 'skills', 'sync', 'claude', '--json')
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(JSON.parse(fresh.stdout)).toMatchObject({ pulled: ['review'], removedFromMesh: [] })
    expect((await h.mesh('skills', 'list', '--json')).stdout).toContain('"review"')
    // A Hermes folder holding only what a resume made there (mesh-imports/) is not Hermes's.
    await mkdir(join(user, '.hermes', 'mesh-imports'), { recursive: true })
    const imports = await h.mesh('agent', 'skills', 'sync', 'hermes')
    expect(imports.code).toBe(2)
    expect(imports.stderr).toContain(`${join(user, '.hermes')} holds only mesh's own mesh-imports/, from a resume`)
    expect(await readdir(join(user, '.hermes'))).toEqual(['mesh-imports'])
  }, 60_000)
})
