/**
 * Claude Code's and OpenClaw's memory files, and skill removals, between two real `mesh join`
 * daemons on loopback; every command a CLI child process with its own HOME, the repositories
 * real git repositories at different paths on the two machines (the same remote, spelled two
 * ways). A local edit is never overwritten silently; a personal CLAUDE.local.md never becomes
 * part of a commit; written files keep their mode.
 */
import { execFileSync } from 'node:child_process'
import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, type RunResult } from '../helpers/cli.js'
import type { Daemon } from '../helpers/daemon.js'
import { startDeskLaptop } from '../helpers/desk-laptop.js'
import { poll } from '../helpers/wait.js'

const CREDENTIALS = ['.claude/.credentials.json', '.claude.json', '.openclaw/credentials/oauth.json', '.openclaw/secrets.json', '.openclaw/openclaw.json']

let dir: string
let env: NodeJS.ProcessEnv
let a: Daemon
let b: Daemon
const cleanups: Array<() => Promise<unknown> | unknown> = []
const json = (r: RunResult): any => JSON.parse(r.stdout)

beforeAll(async () => {
  const pair = await startDeskLaptop()
  cleanups.push(pair.stop)
  ;({ dir, env, a, b } = pair)
}, 90_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** A user's home on one machine; its credential files are FIFOs that hang whoever opens them. */
async function userHome (name: string, extra: NodeJS.ProcessEnv = {}): Promise<{ home: string, run: (args: string[], d: Daemon) => Promise<RunResult> }> {
  const home = join(dir, name)
  for (const f of CREDENTIALS) {
    await mkdir(join(home, f, '..'), { recursive: true })
    execFileSync('mkfifo', [join(home, f)])
  }
  const uenv = { ...env, HOME: home, MESH_AGENT_MOUNTS: join(home, 'mounts.json'), MESH_AGENT_SYNC: join(home, 'agent-sync.json'), ...extra }
  return { home, run: async (args, d) => await runCli([...args, '--home', d.home], { env: uenv, timeoutMs: 60_000 }) }
}

const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-C', cwd, '-c', 'user.email=alice@example.org', '-c', 'user.name=alice', ...args], { encoding: 'utf8' })

async function repo (path: string, remote: string, files: Record<string, string>): Promise<void> {
  await mkdir(path, { recursive: true })
  git(path, 'init', '-q')
  git(path, 'remote', 'add', 'origin', remote)
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(path, p, '..'), { recursive: true })
    await writeFile(join(path, p), text)
  }
  git(path, 'add', '-A')
  git(path, 'commit', '-q', '-m', 'init')
}

describe('mesh agent memory sync claude', () => {
  it('CLAUDE.md, .claude/CLAUDE.md, CLAUDE.local.md and the user\'s CLAUDE.md (CLAUDE_CONFIG_DIR) follow the repository to another path; the personal file stays out of git', async () => {
    const deskCfg = join(dir, 'cm-desk', 'cfg')
    const lapCfg = join(dir, 'cm-laptop', 'claude-elsewhere')
    const desk = await userHome('cm-desk', { CLAUDE_CONFIG_DIR: deskCfg })
    const laptop = await userHome('cm-laptop', { CLAUDE_CONFIG_DIR: lapCfg })
    const P = 'claude/project/github.com/alice/app'
    const dcwd = join(desk.home, 'src', 'app')
    const lcwd = join(laptop.home, 'work', 'clones', 'app')
    await repo(dcwd, 'git@github.com:alice/app.git', { 'CLAUDE.md': '# app\nUse pnpm.\n', '.claude/CLAUDE.md': 'Run tests with vitest.\n' })
    await repo(lcwd, 'https://github.com/alice/app.git', { 'CLAUDE.md': '# app\nUse pnpm.\n', '.claude/CLAUDE.md': 'Run tests with vitest.\n' })
    await chmod(join(lcwd, 'CLAUDE.md'), 0o640)
    await writeFile(join(dcwd, 'CLAUDE.local.md'), 'My sandbox is https://sandbox-alice.example.org\n')
    await mkdir(deskCfg, { recursive: true })
    // Claude Code is installed on the laptop too, its config folder elsewhere (a sync makes none for an agent that is not).
    await mkdir(lapCfg, { recursive: true })
    await writeFile(join(deskCfg, 'CLAUDE.md'), 'Answer in English.\n')

    const d1 = await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', join(dcwd, 'packages'), '--json'], a)
    expect(d1.code, d1.stderr).toBe(0)
    expect(json(d1)).toMatchObject({ project: 'github.com/alice/app/-/packages', repo: dcwd, pushed: [`${P}/.claude/CLAUDE.md`, `${P}/CLAUDE.local.md`, `${P}/CLAUDE.md`, 'claude/user/CLAUDE.md'] })

    await poll('the personal file on the laptop', async () => {
      const r = await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd, '--json'], b)
      return r.code === 0 && json(r).pulled.includes(`${P}/CLAUDE.local.md`)
    })
    expect(await readFile(join(lcwd, 'CLAUDE.local.md'), 'utf8')).toBe('My sandbox is https://sandbox-alice.example.org\n')
    expect(await readFile(join(lapCfg, 'CLAUDE.md'), 'utf8')).toBe('Answer in English.\n')
    // Written, yet git neither tracks it nor offers it for a commit: it is excluded locally, .gitignore untouched.
    expect(git(lcwd, 'status', '--porcelain')).toBe('')
    expect(git(lcwd, 'check-ignore', 'CLAUDE.local.md').trim()).toBe('CLAUDE.local.md')
    expect(await readFile(join(lcwd, '.git', 'info', 'exclude'), 'utf8')).toMatch(/^\/CLAUDE\.local\.md$/m)

    // An edit on the desk reaches the laptop's clone; the file keeps the laptop's mode.
    await writeFile(join(dcwd, 'CLAUDE.md'), '# app\nUse pnpm.\nNever touch dist/.\n')
    expect(json(await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', dcwd, '--json'], a)).pushed).toEqual([`${P}/CLAUDE.md`])
    await poll('the edit on the laptop', async () => {
      const r = await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd, '--json'], b)
      return r.code === 0 && json(r).pulled.includes(`${P}/CLAUDE.md`)
    })
    expect(await readFile(join(lcwd, 'CLAUDE.md'), 'utf8')).toBe('# app\nUse pnpm.\nNever touch dist/.\n')
    expect((await stat(join(lcwd, 'CLAUDE.md'))).mode & 0o777).toBe(0o640)

    // Both edit the personal file: the laptop's sync reports it and leaves the laptop's text.
    const mine = 'My sandbox is https://sandbox-laptop.example.org\n'
    await writeFile(join(lcwd, 'CLAUDE.local.md'), mine)
    await writeFile(join(dcwd, 'CLAUDE.local.md'), 'My sandbox is https://sandbox-desk.example.org\n')
    expect(json(await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', dcwd, '--json'], a)).pushed).toEqual([`${P}/CLAUDE.local.md`])
    let conflict: RunResult | undefined
    await poll('the conflict on the laptop', async () => {
      conflict = await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd], b)
      return conflict.code === 1
    })
    expect(conflict?.stdout).toContain(`conflict: ${P}/CLAUDE.local.md changed here`)
    expect(await readFile(join(lcwd, 'CLAUDE.local.md'), 'utf8')).toBe(mine)
    const chosen = await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd, '--prefer', 'local', '--json'], b)
    expect(json(chosen).pushed).toEqual([`${P}/CLAUDE.local.md`])
    await poll('the laptop\'s choice on the desk', async () => {
      const r = await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', dcwd], a)
      return r.code === 0 && (await readFile(join(dcwd, 'CLAUDE.local.md'), 'utf8')) === mine
    })
  }, 240_000)

  it('a CLAUDE.local.md that git tracks is the repository\'s: never captured nor written; a symlinked CLAUDE.md is not followed', async () => {
    const desk = await userHome('ct-desk')
    const laptop = await userHome('ct-laptop')
    const dcwd = join(desk.home, 'src', 'lib')
    const lcwd = join(laptop.home, 'src', 'lib')
    await repo(dcwd, 'git@github.com:alice/lib.git', { 'CLAUDE.local.md': 'committed on purpose\n', 'AGENTS.md': 'Shared agent notes.\n' })
    await symlink('AGENTS.md', join(dcwd, 'CLAUDE.md'))
    await repo(lcwd, 'git@github.com:alice/lib.git', { 'CLAUDE.local.md': 'the laptop\'s committed copy\n' })
    const d = await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', dcwd, '--json'], a)
    expect(d.code, d.stderr).toBe(0)
    const r = json(d)
    expect(r.pushed).toEqual([])
    expect(r.skipped).toEqual([
      { key: 'claude/project/github.com/alice/lib/CLAUDE.local.md', path: join(dcwd, 'CLAUDE.local.md'), why: expect.stringMatching(/git tracks it/) },
      { key: 'claude/project/github.com/alice/lib/CLAUDE.md', path: join(dcwd, 'CLAUDE.md'), why: 'a symlink, not followed' }
    ])
    // Even with a value in mesh (written by hand), the tracked file on the laptop is left alone.
    expect((await runCli(['memory', 'set', 'claude/project/github.com/alice/lib/CLAUDE.local.md', 'from mesh', '--tag', 'claude', '--home', a.home], { env })).code).toBe(0)
    await poll('the entry on B', async () => (await runCli(['memory', 'get', 'claude/project/github.com/alice/lib/CLAUDE.local.md', '--home', b.home], { env })).code === 0)
    const l = json(await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd, '--json'], b))
    expect(l.pulled).not.toContain('claude/project/github.com/alice/lib/CLAUDE.local.md')
    expect(l.skipped.map((s: any) => s.key)).toContain('claude/project/github.com/alice/lib/CLAUDE.local.md')
    expect(await readFile(join(lcwd, 'CLAUDE.local.md'), 'utf8')).toBe('the laptop\'s committed copy\n')
    expect(await readFile(join(dcwd, 'AGENTS.md'), 'utf8')).toBe('Shared agent notes.\n')
  }, 120_000)

  it('run from the home directory, the user\'s CLAUDE.md is synced once, as the user\'s, not again as a project file', async () => {
    const u = await userHome('ct-home')
    await mkdir(join(u.home, '.claude'), { recursive: true })
    await writeFile(join(u.home, '.claude', 'CLAUDE.md'), 'Always answer in English.\n')
    // --prefer local: an earlier test of this file left another user CLAUDE.md in mesh (a conflict otherwise).
    const r = await u.run(['agent', 'memory', 'sync', 'claude', '--cwd', u.home, '--prefer', 'local', '--json'], a)
    expect(r.code, r.stderr).toBe(0)
    // Every key the report names, whatever became of it (an earlier test may have put a user file in mesh).
    const keys = Object.values(json(r)).filter(Array.isArray).flat().map((x: any) => typeof x === 'string' ? x : x.key)
    expect(keys).toContain('claude/user/CLAUDE.md')
    expect(keys.filter((k: string) => k.endsWith('.claude/CLAUDE.md'))).toEqual([])
  }, 120_000)
})

describe('mesh agent memory sync openclaw', () => {
  it('the workspace MEMORY.md and daily notes go both ways, removals follow, a two-sided edit is reported; openclaw.json is never opened', async () => {
    const desk = await userHome('oc-desk')
    const laptop = await userHome('oc-laptop', { OPENCLAW_STATE_DIR: join(dir, 'oc-laptop', 'state') })
    const dws = join(desk.home, '.openclaw', 'workspace')
    const lws = join(dir, 'oc-laptop', 'state', 'workspace')
    // OpenClaw is installed on the laptop (its state folder is there), with no workspace yet.
    await mkdir(join(dir, 'oc-laptop', 'state'), { recursive: true })
    await mkdir(join(dws, 'memory'), { recursive: true })
    await writeFile(join(dws, 'MEMORY.md'), '# Memory\n- Alice deploys on Fridays\n')
    await writeFile(join(dws, 'memory', '2026-11-30.md'), '- fixed the login cookie\n')
    await writeFile(join(dws, 'USER.md'), 'not memory: not synced\n')
    const d = await desk.run(['agent', 'memory', 'sync', 'openclaw', '--json'], a)
    expect(d.code, d.stderr).toBe(0)
    expect(json(d)).toMatchObject({ workspace: dws, name: 'workspace', pushed: ['openclaw/workspace/MEMORY.md', 'openclaw/workspace/memory/2026-11-30.md'] })
    await poll('the workspace memory on the laptop', async () => {
      const r = await laptop.run(['agent', 'memory', 'sync', 'openclaw', '--json'], b)
      return r.code === 0 && json(r).pulled.length === 2
    })
    expect(await readFile(join(lws, 'MEMORY.md'), 'utf8')).toBe('# Memory\n- Alice deploys on Fridays\n')
    expect(await readFile(join(lws, 'memory', '2026-11-30.md'), 'utf8')).toBe('- fixed the login cookie\n')
    expect((await stat(join(lws, 'MEMORY.md'))).mode & 0o777).toBe(0o600)
    await expect(stat(join(lws, 'USER.md'))).rejects.toThrow()

    // A note removed on the laptop is removed on the desk; a new one travels the other way.
    await rm(join(lws, 'memory', '2026-11-30.md'))
    await writeFile(join(lws, 'memory', '2026-12-01.md'), '- moved CI to Node 22\n')
    expect(json(await laptop.run(['agent', 'memory', 'sync', 'openclaw', '--json'], b))).toMatchObject({ pushed: ['openclaw/workspace/memory/2026-12-01.md'], removedFromMesh: ['openclaw/workspace/memory/2026-11-30.md'] })
    await poll('the removal on the desk', async () => {
      const r = await desk.run(['agent', 'memory', 'sync', 'openclaw', '--json'], a)
      return r.code === 0 && json(r).removedHere.length === 1
    })
    await expect(stat(join(dws, 'memory', '2026-11-30.md'))).rejects.toThrow()
    expect(await readFile(join(dws, 'memory', '2026-12-01.md'), 'utf8')).toBe('- moved CI to Node 22\n')

    // Both edit MEMORY.md: the desk's sync reports it and keeps the desk's text.
    await writeFile(join(lws, 'MEMORY.md'), '# Memory\n- Alice deploys on Thursdays now\n')
    expect(json(await laptop.run(['agent', 'memory', 'sync', 'openclaw', '--json'], b)).pushed).toEqual(['openclaw/workspace/MEMORY.md'])
    await writeFile(join(dws, 'MEMORY.md'), '# Memory\n- Alice deploys on Fridays\n- and never on holidays\n')
    let c: RunResult | undefined
    await poll('the conflict on the desk', async () => {
      c = await desk.run(['agent', 'memory', 'sync', 'openclaw', '--json'], a)
      return c.code === 1
    })
    expect(json(c as RunResult).conflicts).toEqual([{ key: 'openclaw/workspace/MEMORY.md', path: join(dws, 'MEMORY.md') }])
    expect(await readFile(join(dws, 'MEMORY.md'), 'utf8')).toBe('# Memory\n- Alice deploys on Fridays\n- and never on holidays\n')
  }, 240_000)

  // A note whose name held a newline made its memory.set fail, and with it the whole sync (INVALID_INPUT, exit 2).
  it('a note whose name holds a newline is skipped and said, its name escaped; the rest is synced', async () => {
    const u = await userHome('oc-newline')
    // A workspace of its own: the tests above left openclaw/workspace/MEMORY.md in conflict on this daemon.
    const ws = join(u.home, '.openclaw', 'workspace-names')
    await mkdir(join(ws, 'memory'), { recursive: true })
    await writeFile(join(ws, 'MEMORY.md'), '- kept\n')
    await writeFile(join(ws, 'memory', 'a\nb.md'), '- odd name\n')
    await writeFile(join(ws, 'memory', 'z.md'), '- after it\n')
    const r = await u.run(['agent', 'memory', 'sync', 'openclaw', '--workspace', ws], a)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('captured openclaw/workspace-names/MEMORY.md, openclaw/workspace-names/memory/z.md;')
    expect(r.stdout).toContain(`${JSON.stringify(join(ws, 'memory', 'a\nb.md'))}: not synced: its name holds a control character (U+000A), which a mesh memory key cannot hold: rename the file to sync it\n`)
  }, 60_000)
})

async function writeSkill (folder: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(folder, p, '..'), { recursive: true })
    await writeFile(join(folder, p), text)
  }
}

describe('mesh agent skills sync: removals', () => {
  it('a skill deleted on one machine or by `mesh skills rm` is deleted on the others, unless edited there since (kept and reported); its tombstone stops a stale copy from coming back', async () => {
    const desk = await userHome('sr-desk')
    const laptop = await userHome('sr-laptop')
    const skill = (name: string, extra = ''): Record<string, string> => ({ 'SKILL.md': `---\nname: ${name}\ndescription: ${name} things\n---\n\nDo ${name}.${extra}\n`, 'references/notes.md': `- about ${name}\n` })
    for (const n of ['review', 'deploy', 'notes']) await writeSkill(join(desk.home, '.claude', 'skills', n), skill(n))
    expect(json(await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a)).pushed).toEqual(['deploy', 'notes', 'review'])
    const lskills = join(laptop.home, '.agents', 'skills')
    // Codex installed on the laptop (mesh syncs skills only for an agent that is).
    await mkdir(join(laptop.home, '.codex'))
    await poll('the skills on the laptop', async () => {
      const r = await laptop.run(['agent', 'skills', 'sync', 'codex', '--json'], b)
      return r.code === 0 && json(r).pulled.length + json(r).same.length === 3
    })
    expect(await readFile(join(lskills, 'review', 'references', 'notes.md'), 'utf8')).toBe('- about review\n')

    // Deleted on the desk (its folder removed) and removed with `mesh skills rm`.
    await rm(join(desk.home, '.claude', 'skills', 'review'), { recursive: true })
    const d = await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a)
    expect(json(d)).toMatchObject({ removedFromMesh: ['review'], deletedHere: [], keptEdited: [] })
    const rmd = await runCli(['skills', 'rm', 'deploy', '--home', a.home], { env })
    expect(rmd.code, rmd.stderr).toBe(0)
    expect(JSON.parse((await runCli(['skills', 'list', '--home', a.home, '--json'], { env })).stdout).map((s: any) => s.name)).toEqual(['notes'])
    // The desk's deploy folder was unedited: the next sync deletes it.
    expect(json(await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a)).deletedHere).toEqual(['deploy'])
    await expect(stat(join(desk.home, '.claude', 'skills', 'deploy'))).rejects.toThrow()

    // The laptop edited deploy meanwhile: review goes, deploy stays and is reported (exit 1), not captured back.
    const edited = skill('deploy', '\nOn the laptop: staging first.')
    await writeSkill(join(lskills, 'deploy'), edited)
    let r: RunResult | undefined
    await poll('both removals on the laptop', async () => {
      r = await laptop.run(['agent', 'skills', 'sync', 'codex', '--json'], b)
      return json(r).keptEdited.length === 1
    })
    expect(r?.code).toBe(1)
    expect(json(r as RunResult)).toMatchObject({ deletedHere: ['review'], keptEdited: [{ name: 'deploy', path: join(lskills, 'deploy') }], pushed: [] })
    await expect(stat(join(lskills, 'review'))).rejects.toThrow()
    expect(await readFile(join(lskills, 'deploy', 'SKILL.md'), 'utf8')).toBe(edited['SKILL.md'])
    const again = await laptop.run(['agent', 'skills', 'sync', 'codex'], b)
    expect(again.code).toBe(1)
    expect(again.stdout).toMatch(/deploy: removed from mesh but edited here since/)

    // A machine that never synced, holding a stale copy of the removed review: deleted, not captured back.
    const other = await userHome('sr-other')
    await writeSkill(join(other.home, '.claude', 'skills', 'review'), skill('review'))
    await writeSkill(join(other.home, '.claude', 'skills', 'deploy'), skill('deploy', '\nsomething else'))
    const o = json(await other.run(['agent', 'skills', 'sync', 'claude', '--json'], b))
    expect(o).toMatchObject({ deletedHere: ['review'], keptEdited: [{ name: 'deploy' }], pushed: [], pulled: ['notes'] })
    await expect(stat(join(other.home, '.claude', 'skills', 'review'))).rejects.toThrow()

    // The laptop keeps its deploy: it is added again everywhere, its tombstone gone.
    expect(json(await laptop.run(['agent', 'skills', 'sync', 'codex', '--prefer', 'local', '--json'], b)).pushed).toEqual(['deploy'])
    await poll('deploy back on the desk', async () => {
      const s = await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a)
      return s.code === 0 && json(s).pulled.includes('deploy')
    })
    expect(await readFile(join(desk.home, '.claude', 'skills', 'deploy', 'SKILL.md'), 'utf8')).toBe(edited['SKILL.md'])
    expect(JSON.parse((await runCli(['skills', 'list', '--home', a.home, '--json'], { env })).stdout).map((s: any) => s.name)).toEqual(['deploy', 'notes'])
  }, 240_000)
})
