/**
 * What of a skill folder `mesh agent skills sync` carries, between two real `mesh join` daemons
 * on loopback (desk and laptop), every command a CLI child process with its own HOME: the rule of
 * `mesh skills add FOLDER` (no hidden name, no node_modules, at any depth; said, `leftOut`), so a
 * `.env` of API keys beside a skill goes to no other machine. A `.env` a machine has of its own
 * survives the skill's edits and its removal. A skill an older mesh synced with its `.env` (mesh
 * holds it, and each machine's last-synced hash counts it) is the same skill to the new rule: not
 * captured again, not pulled, no file deleted, the `.env` kept in mesh across an edit (an older
 * mesh elsewhere neither deletes its copy nor sees a change) and said until `mesh skills add`
 * sends the skill without it; a machine that had none gets none.
 */
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { folderHash, skillFolder } from '../../crdt/skills.js'
import { BIN, runCli, type RunResult } from '../helpers/cli.js'
import type { Daemon } from '../helpers/daemon.js'
import { startDeskLaptop } from '../helpers/desk-laptop.js'
import { poll } from '../helpers/wait.js'

let dir: string
let env: NodeJS.ProcessEnv
let a: Daemon
let b: Daemon
let stop: (() => Promise<void>) | undefined
const json = (r: RunResult): any => JSON.parse(r.stdout)

beforeAll(async () => { ({ dir, env, a, b, stop } = await startDeskLaptop()) }, 90_000)
afterAll(async () => { await stop?.() })

interface User { home: string, skills: string, syncState: string, run: (args: string[], d: Daemon) => Promise<RunResult>, sync: (d: Daemon, ...flags: string[]) => Promise<RunResult> }

/** A user's home on one machine, Claude Code installed (its folder there). */
async function user (name: string): Promise<User> {
  const home = join(dir, name)
  await mkdir(join(home, '.claude', 'skills'), { recursive: true })
  const syncState = join(home, 'agent-sync.json')
  const uenv = { ...env, HOME: home, MESH_AGENT_MOUNTS: join(home, 'mounts.json'), MESH_AGENT_SYNC: syncState }
  const run = async (args: string[], d: Daemon): Promise<RunResult> => await runCli([...args, '--home', d.home], { env: uenv, timeoutMs: 60_000 })
  return { home, skills: join(home, '.claude', 'skills'), syncState, run, sync: async (d, ...flags) => await run(['agent', 'skills', 'sync', 'claude', ...flags], d) }
}

async function write (folder: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(folder, p, '..'), { recursive: true })
    await writeFile(join(folder, p), text)
  }
}

/** Every file under `folder`, relative to it, sorted. */
async function files (folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => relative(folder, join(e.parentPath, e.name))).sort()
}

const show = async (u: User, d: Daemon, name: string): Promise<any> => {
  const r = await u.run(['skills', 'show', name, '--json'], d)
  return r.code === 0 ? json(r) : undefined
}

/** Adds a skill through MCP (as an older mesh's sync did, or an older mesh elsewhere): `files` as given, hidden ones too. */
async function addAsOlder (u: User, d: Daemon, skill: string, files: Record<string, string>): Promise<void> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', d.home], env: { ...env, HOME: u.home } as Record<string, string>, stderr: 'pipe' })
  const client = new Client({ name: 'mesh-test', version: '0' })
  await client.connect(transport)
  try {
    const rest = Object.entries(files).filter(([p]) => p !== 'SKILL.md').map(([path, text]) => ({ path, text }))
    const added: any = await client.callTool({ name: 'skills_add', arguments: { content: files['SKILL.md'], source: `claude:${join(u.skills, skill)}`, files: rest } })
    expect(added.isError, JSON.stringify(added.content)).not.toBe(true)
  } finally { await client.close() }
}

/**
 * What an older mesh's sync left of `folder` (hidden files and all): the skill in mesh with every
 * file, the same folder on both machines, each one's last-synced hash over every file.
 */
async function olderSync (desk: User, laptop: User, skill: string, folder: Record<string, string>): Promise<void> {
  await write(join(desk.skills, skill), folder)
  await write(join(laptop.skills, skill), folder)
  await addAsOlder(desk, a, skill, folder)
  const all = folderHash(skillFolder({ body: '', text: folder['SKILL.md'], files: Object.entries(folder).filter(([p]) => p !== 'SKILL.md').map(([path, text]) => ({ path, text })) }))
  for (const [u, d] of [[desk, a], [laptop, b]] as const) {
    await writeFile(u.syncState, JSON.stringify({ version: 1, scopes: { [`${d.home}\0skills\0${u.skills}`]: { [skill]: all } } }))
  }
  await poll(`${skill} on the laptop's daemon`, async () => (await show(laptop, b, skill)) !== undefined)
}

describe('mesh agent skills sync: what of a skill folder travels', () => {
  it('leaves out .env, .git/ and node_modules/ as `mesh skills add` does, says so, and never deletes a machine\'s own .env', async () => {
    const desk = await user('lo-desk')
    const laptop = await user('lo-laptop')
    const SKILL = '---\nname: deploy\ndescription: Deploy the app\n---\n\nRun scripts/run.sh.\n'
    await write(join(desk.skills, 'deploy'), { 'SKILL.md': SKILL, 'scripts/run.sh': 'echo deploy\n', '.env': 'API_KEY=sk-desk-secret\n', '.git/HEAD': 'ref: refs/heads/main\n', 'node_modules/left-pad/index.js': 'module.exports = 1\n' })
    await chmod(join(desk.skills, 'deploy', 'scripts', 'run.sh'), 0o755)

    const d1 = await desk.sync(a, '--json')
    expect(d1.code, d1.stderr).toBe(0)
    expect(json(d1)).toMatchObject({ pushed: ['deploy'], leftOut: [{ name: 'deploy', path: join(desk.skills, 'deploy'), leftOut: [{ path: '.env', why: 'hidden' }, { path: '.git/', why: 'hidden' }, { path: 'node_modules/', why: 'node_modules' }] }], heldInMesh: [] })
    const inMesh = await show(desk, a, 'deploy')
    expect(inMesh.files).toEqual([{ path: 'scripts/run.sh', text: 'echo deploy\n', exec: true }])
    expect(JSON.stringify(inMesh)).not.toContain('sk-desk-secret')
    // Said in words, as `mesh skills add` says it; nothing captured again.
    const d2 = await desk.sync(a)
    expect(d2.code, d2.stderr).toBe(0)
    expect(d2.stdout).toContain(`deploy (${join(desk.skills, 'deploy')}): left out: .env, .git/ (hidden), node_modules/ (installed packages)`)
    expect(d2.stdout).toContain(`${desk.skills}: captured -; written -; unchanged 1`)

    await poll('deploy on the laptop', async () => {
      const r = await laptop.sync(b, '--json')
      return r.code === 0 && json(r).pulled.includes('deploy')
    })
    expect(await files(join(laptop.skills, 'deploy'))).toEqual(['SKILL.md', 'scripts/run.sh'])

    // The laptop's own .env beside the skill: not captured, not a change, kept through an edit that comes in.
    await writeFile(join(laptop.skills, 'deploy', '.env'), 'API_KEY=sk-laptop-secret\n')
    expect(json(await laptop.sync(b, '--json'))).toMatchObject({ pushed: [], pulled: [], same: ['deploy'] })
    const edited = SKILL.replace('run.sh.', 'run.sh, then check the logs.')
    await writeFile(join(desk.skills, 'deploy', 'SKILL.md'), edited)
    await rm(join(desk.skills, 'deploy', 'scripts'), { recursive: true })
    expect(json(await desk.sync(a, '--json')).pushed).toEqual(['deploy'])
    await poll('the edit on the laptop', async () => {
      const r = await laptop.sync(b, '--json')
      return r.code === 0 && json(r).pulled.includes('deploy')
    })
    expect(await files(join(laptop.skills, 'deploy'))).toEqual(['.env', 'SKILL.md'])
    expect(await readFile(join(laptop.skills, 'deploy', 'SKILL.md'), 'utf8')).toBe(edited)
    expect(await readFile(join(laptop.skills, 'deploy', '.env'), 'utf8')).toBe('API_KEY=sk-laptop-secret\n')

    // Removed from mesh: the skill's files go, the .env mesh never carried stays, and that is said.
    expect((await desk.run(['skills', 'rm', 'deploy'], a)).code).toBe(0)
    let r: RunResult | undefined
    await poll('the removal on the laptop', async () => {
      r = await laptop.sync(b, '--json')
      return r.code === 0 && json(r).deletedHere.includes('deploy')
    })
    expect(json(r as RunResult)).toMatchObject({ keptHere: [{ name: 'deploy', path: join(laptop.skills, 'deploy'), leftOut: [{ path: '.env', why: 'hidden' }] }] })
    expect(await files(join(laptop.skills, 'deploy'))).toEqual(['.env'])
    // On the desk too: its .env, .git/ and node_modules/ stay, the skill's SKILL.md is gone. Said
    // once, in words that hold: not also `deploy: removed from mesh, so deleted here` (the folder
    // is still there) nor a `left out:` line for a skill that no longer syncs.
    const d3 = await desk.sync(a)
    expect(d3.code, d3.stderr).toBe(0)
    expect(d3.stdout.split('\n').filter(l => l.startsWith('deploy'))).toEqual([`deploy: removed from mesh, so its files deleted here; what mesh never carried stays in ${join(desk.skills, 'deploy')} (left out: .env, .git/ (hidden), node_modules/ (installed packages))`])
    expect(await files(join(desk.skills, 'deploy'))).toEqual(['.env', '.git/HEAD', 'node_modules/left-pad/index.js'])
  }, 180_000)

  it('a skill an older mesh synced with its .env: no capture, pull or deletion; the .env kept in mesh across an edit, said, and written to no new machine', async () => {
    const desk = await user('old-desk')
    const laptop = await user('old-laptop')
    const SKILL = '---\nname: tickets\ndescription: File tickets\n---\n\nSee notes.md.\n'
    const ENV = 'TICKETS_TOKEN=tk-desk-secret\n'
    const folder = { 'SKILL.md': SKILL, 'notes.md': 'Use the API.\n', '.env': ENV }
    await olderSync(desk, laptop, 'tickets', folder)
    for (const [u, d] of [[desk, a], [laptop, b]] as const) {
      const s = await u.sync(d, '--json')
      expect(s.code, s.stderr).toBe(0)
      expect(json(s)).toMatchObject({ pushed: [], pulled: [], same: ['tickets'], conflicts: [], heldInMesh: [{ name: 'tickets', paths: ['.env'] }] })
      expect(await readFile(join(u.skills, 'tickets', '.env'), 'utf8')).toBe(ENV)
    }
    const said = await laptop.sync(b)
    expect(said.stdout).toContain('tickets: mesh holds .env of it, sent by an older mesh: not written here (`mesh skills add FOLDER` sends the skill without them)')

    // Edited on the desk: captured, and mesh's .env stays as it was (an older mesh elsewhere keeps its copy).
    await writeFile(join(desk.skills, 'tickets', 'notes.md'), 'Use the API, v2.\n')
    await writeFile(join(desk.skills, 'tickets', '.env'), 'TICKETS_TOKEN=tk-rotated\n')
    expect(json(await desk.sync(a, '--json'))).toMatchObject({ pushed: ['tickets'] })
    expect((await show(desk, a, 'tickets')).files).toEqual([{ path: 'notes.md', text: 'Use the API, v2.\n' }, { path: '.env', text: ENV }])
    await poll('the edit on the laptop', async () => {
      const r = await laptop.sync(b, '--json')
      return r.code === 0 && json(r).pulled.includes('tickets')
    })
    expect(await readFile(join(laptop.skills, 'tickets', 'notes.md'), 'utf8')).toBe('Use the API, v2.\n')
    expect(await readFile(join(laptop.skills, 'tickets', '.env'), 'utf8')).toBe(ENV)
    // Then quiet on both: no loop.
    expect(json(await laptop.sync(b, '--json'))).toMatchObject({ pushed: [], pulled: [], same: ['tickets'] })
    expect(json(await desk.sync(a, '--json'))).toMatchObject({ pushed: [], pulled: [], same: ['tickets'] })

    // A machine that never had it: the skill, without mesh's .env.
    const other = await user('old-other')
    expect(json(await other.sync(b, '--json'))).toMatchObject({ pulled: ['tickets'] })
    expect(await files(join(other.skills, 'tickets'))).toEqual(['SKILL.md', 'notes.md'])

    // `mesh skills add FOLDER` sends it without: mesh holds no .env, and no machine's is deleted.
    expect((await desk.run(['skills', 'add', join(desk.skills, 'tickets')], a)).code).toBe(0)
    expect(JSON.stringify(await show(desk, a, 'tickets'))).not.toContain('tk-')
    await poll('mesh without the .env on the laptop', async () => {
      const r = await laptop.sync(b, '--json')
      return r.code === 0 && json(r).heldInMesh.length === 0
    })
    expect(json(await laptop.sync(b, '--json'))).toMatchObject({ pushed: [], pulled: [], same: ['tickets'], heldInMesh: [] })
    expect(await readFile(join(laptop.skills, 'tickets', '.env'), 'utf8')).toBe(ENV)
    expect(await readFile(join(desk.skills, 'tickets', '.env'), 'utf8')).toBe('TICKETS_TOKEN=tk-rotated\n')
    await expect(stat(join(other.skills, 'tickets', '.env'))).rejects.toThrow()
  }, 180_000)

  it('a skill an older mesh synced, then edited by an older mesh elsewhere: pulled, not a conflict; the .env stays', async () => {
    const desk = await user('older-desk')
    const laptop = await user('older-laptop')
    const folder = { 'SKILL.md': '---\nname: audit\ndescription: Audit\n---\n\nSee notes.md.\n', 'notes.md': 'v1\n', '.env': 'AUDIT_TOKEN=au-secret\n' }
    await olderSync(desk, laptop, 'audit', folder)
    await addAsOlder(desk, a, 'audit', { ...folder, 'notes.md': 'v2\n' })
    await poll('the older edit on the laptop', async () => {
      const r = await laptop.sync(b, '--json')
      expect(json(r).conflicts).toEqual([])
      return r.code === 0 && json(r).pulled.includes('audit')
    })
    expect(await files(join(laptop.skills, 'audit'))).toEqual(['.env', 'SKILL.md', 'notes.md'])
    expect(await readFile(join(laptop.skills, 'audit', 'notes.md'), 'utf8')).toBe('v2\n')
    expect(await readFile(join(laptop.skills, 'audit', '.env'), 'utf8')).toBe(folder['.env'])
    const quiet = json(await laptop.sync(b, '--json'))
    expect(quiet).toMatchObject({ pushed: [], pulled: [], conflicts: [] })
    expect(quiet.same).toContain('audit')
  }, 120_000)
})
