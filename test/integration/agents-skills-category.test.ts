/**
 * A Hermes skill's category travels with it: Hermes keeps skills at
 * `skills/<category>/<name>/SKILL.md` (AGENT-FORMATS.md §3.1), and `mesh agent skills sync
 * hermes` on another machine puts the skill into that same category folder, not into `mesh/`.
 * Driven through real `mesh` processes on one home (no daemon: each command opens it), each
 * machine's Hermes its own HERMES_HOME. A skill with no category (added before categories were
 * carried, or from another agent) still lands in `mesh/`; an edit made in Claude Code keeps the
 * category; a category that is no folder name (`..`, a path) is refused where it comes in, said,
 * and nothing is written anywhere. A skill removed in mesh goes from Hermes, and the `mesh/` folder
 * with its last skill. A skill folder whose SKILL.md mesh cannot read (not UTF-8: it was captured
 * with U+FFFD in place of its bytes) is not synced and is named, and the skill mesh captured from
 * that folder before stays in mesh (not removed, not written over); front matter that is not YAML
 * (an unquoted colon) is read line by line and synced.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN, runCli, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()
const DEPLOY = '---\nname: deploy-check\ndescription: Check a deploy\n---\n\nRun scripts/check.sh first.\n'

/** `mesh ARGS` on the shared home, for the Hermes at `hermes` (and Claude Code at `claude`). */
async function on (hermes: string, ...args: string[]): Promise<RunResult> {
  return await runCli([...args, '--home', h.home], { env: { ...h.env, HERMES_HOME: hermes, CLAUDE_CONFIG_DIR: join(h.dir, 'claude') } })
}

/** A Hermes home as Hermes leaves one (its config there): installed. */
async function hermesHome (name: string): Promise<string> {
  const home = join(h.dir, name)
  await mkdir(join(home, 'skills'), { recursive: true })
  await writeFile(join(home, 'config.yaml'), 'model: x\n')
  return home
}

/** Every file under `dir`, relative to it. */
async function files (dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => relative(dir, join(e.parentPath, e.name))).sort()
}

describe('mesh agent skills sync hermes: a skill\'s category', () => {
  it('lands in the same category folder on another machine; one with none in mesh/; an edit elsewhere keeps it', async () => {
    const desk = await hermesHome('desk-hermes')
    await mkdir(join(desk, 'skills', 'devops', 'deploy-check', 'scripts'), { recursive: true })
    await writeFile(join(desk, 'skills', 'devops', 'deploy-check', 'SKILL.md'), DEPLOY)
    await writeFile(join(desk, 'skills', 'devops', 'deploy-check', 'scripts', 'check.sh'), 'echo ok\n')
    const pushed = await on(desk, 'agent', 'skills', 'sync', 'hermes', '--json')
    expect(pushed.code, pushed.stderr).toBe(0)
    expect(JSON.parse(pushed.stdout)).toMatchObject({ pushed: ['deploy-check'] })

    // A skill as an older mesh recorded it: no category.
    const src = join(h.dir, 'src', 'review')
    await mkdir(src, { recursive: true })
    await writeFile(join(src, 'SKILL.md'), '---\nname: review\ndescription: Review a diff\n---\n\nLook for bugs.\n')
    expect((await on(desk, 'skills', 'add', src)).code).toBe(0)

    const laptop = await hermesHome('laptop-hermes')
    const pulled = await on(laptop, 'agent', 'skills', 'sync', 'hermes', '--json')
    expect(pulled.code, pulled.stderr).toBe(0)
    expect(JSON.parse(pulled.stdout)).toMatchObject({ pulled: ['deploy-check', 'review'] })
    expect(await files(join(laptop, 'skills'))).toEqual(['devops/deploy-check/SKILL.md', 'devops/deploy-check/scripts/check.sh', 'mesh/review/SKILL.md'])
    expect(await readFile(join(laptop, 'skills', 'devops', 'deploy-check', 'SKILL.md'), 'utf8')).toBe(DEPLOY)

    // Edited in Claude Code (no categories there), then a third machine's Hermes: still devops.
    await mkdir(join(h.dir, 'claude'), { recursive: true })
    expect((await on(laptop, 'agent', 'skills', 'sync', 'claude')).code).toBe(0)
    const edited = DEPLOY.replace('first.', 'first, then scripts/smoke.sh.')
    await writeFile(join(h.dir, 'claude', 'skills', 'deploy-check', 'SKILL.md'), edited)
    const back = await on(laptop, 'agent', 'skills', 'sync', 'claude', '--json')
    expect(JSON.parse(back.stdout)).toMatchObject({ pushed: ['deploy-check'] })
    const third = await hermesHome('third-hermes')
    expect((await on(third, 'agent', 'skills', 'sync', 'hermes')).code).toBe(0)
    expect(await readFile(join(third, 'skills', 'devops', 'deploy-check', 'SKILL.md'), 'utf8')).toBe(edited)
    expect((await readdir(join(third, 'skills'))).sort()).toEqual(['devops', 'mesh'])

    // Removed in mesh: the laptop's next sync removes it, and the mesh/ folder made for it with it.
    expect((await on(laptop, 'skills', 'remove', 'review')).code).toBe(0)
    const removed = await on(laptop, 'agent', 'skills', 'sync', 'hermes', '--json')
    expect(JSON.parse(removed.stdout)).toMatchObject({ deletedHere: ['review'] })
    expect((await readdir(join(laptop, 'skills'))).sort()).toEqual(['devops'])
  }, 120_000)

  it('refuses a category that is no folder name where it comes in (skills_add), says why, and writes nothing', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    try {
      for (const category of ['../../escape', '..', '/tmp/abs', 'a/b', '.hidden']) {
        const r: any = await client.callTool({ name: 'skills_add', arguments: { content: '---\nname: sneaky\n---\n\nx\n', category } })
        expect(r.isError, `${category}: ${JSON.stringify(r.content)}`).toBe(true)
        expect(JSON.stringify(r.content)).toContain(`invalid skill category ${JSON.stringify(JSON.stringify(category)).slice(1, -1)}: one folder name`)
      }
    } finally { await client.close() }
    expect((await h.mesh('skills', 'list', '--json')).stdout).not.toContain('sneaky')
    const fresh = await hermesHome('fresh-hermes')
    expect((await on(fresh, 'agent', 'skills', 'sync', 'hermes')).code).toBe(0)
    expect((await files(fresh)).filter(f => f.includes('sneaky'))).toEqual([])
    expect(await readdir(h.dir)).not.toContain('escape')
  }, 60_000)
})

describe('mesh agent skills sync: a SKILL.md mesh cannot read', () => {
  it('is not synced and is named; the skill captured from its folder before stays in mesh, the folder as it is', async () => {
    const claude = join(h.dir, 'claude-unread')
    const skills = join(claude, 'skills')
    const sync = async (...flags: string[]): Promise<RunResult> => await runCli(['agent', 'skills', 'sync', 'claude', ...flags, '--home', h.home], { env: { ...h.env, CLAUDE_CONFIG_DIR: claude } })
    // Its folder's name is not its name: the skill is known by where it was captured from.
    await mkdir(join(skills, 'renamed'), { recursive: true })
    await writeFile(join(skills, 'renamed', 'SKILL.md'), '---\nname: kept\ndescription: Keep it\n---\nx\n')
    const first = await sync('--json')
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toMatchObject({ pushed: ['kept'] })

    // Its SKILL.md edited in Latin-1; a new Latin-1 skill beside it; one whose description holds an unquoted colon.
    const broken = Buffer.concat([Buffer.from('---\nname: kept\ndescription: Keep it, caf'), Buffer.from([0xe9]), Buffer.from('\n---\nx\n')])
    await writeFile(join(skills, 'renamed', 'SKILL.md'), broken)
    const latin1 = Buffer.concat([Buffer.from('---\nname: binary\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n---\nx\n')])
    await mkdir(join(skills, 'binary'), { recursive: true })
    await writeFile(join(skills, 'binary', 'SKILL.md'), latin1)
    await mkdir(join(skills, 'colon'), { recursive: true })
    await writeFile(join(skills, 'colon', 'SKILL.md'), '---\nname: colon\ndescription: Use it when: asked\n---\nx\n')
    const r = await sync('--json')
    expect(r.code, r.stderr).toBe(0)
    const report = JSON.parse(r.stdout)
    // Neither Latin-1 one captured (its bytes as U+FFFD) nor taken as removed; the colon's synced.
    expect([report.pushed, report.removedFromMesh, report.conflicts]).toEqual([['colon'], [], []])
    expect(report.skipped).toEqual([
      { path: join(skills, 'binary', 'SKILL.md'), why: 'it is not UTF-8 text (line 3)' },
      { path: join(skills, 'renamed', 'SKILL.md'), why: 'it is not UTF-8 text (line 3)' }
    ])
    expect(JSON.parse((await h.mesh('skills', 'show', 'kept', '--json')).stdout).description).toBe('Keep it')
    expect(JSON.parse((await h.mesh('skills', 'show', 'colon', '--json')).stdout).description).toBe('Use it when: asked')
    expect((await h.mesh('skills', 'list', '--json')).stdout).not.toContain('binary')
    expect((await readFile(join(skills, 'renamed', 'SKILL.md'))).equals(broken)).toBe(true)
    expect((await readFile(join(skills, 'binary', 'SKILL.md'))).equals(latin1)).toBe(true)
    expect(await readdir(skills)).not.toContain('kept')
    // Said as memory sync says a file it skips.
    const said = await sync()
    expect(said.code, said.stderr).toBe(0)
    expect(said.stdout).toContain(`\n${join(skills, 'binary', 'SKILL.md')}: not synced: it is not UTF-8 text (line 3)\n${join(skills, 'renamed', 'SKILL.md')}: not synced: it is not UTF-8 text (line 3)`)
  }, 60_000)
})
