/**
 * OpenClaw and Hermes sessions, skills and memory through two real `mesh join` daemons on
 * loopback, each CLI run a child process with its own HOME. Every user home holds the agents'
 * credential files (and Hermes's state.db) as FIFOs: opening one would hang the command, so
 * each command finishing proves none was opened. Sessions are imported on A, replicated to B,
 * resumed on B under another cwd through the agent's own door, and imported back to the same
 * bytes; skills and memory go A -> mesh -> B and back, a local edit is never overwritten
 * silently, and Hermes's memory file is written only under its lock.
 */
import { execFileSync, spawn } from 'node:child_process'
import { chmod, cp, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { checkChain, formatEntries, sanitizePath, splitJsonl } from '../../src/agents/index.js'
import { runCli, type RunResult } from '../helpers/cli.js'
import type { Daemon } from '../helpers/daemon.js'
import { startDeskLaptop } from '../helpers/desk-laptop.js'
import { poll } from '../helpers/wait.js'
import { growRow } from '../helpers/hermes-row.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const OSID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const H1 = '20261120_080000_a1b2c3'
const H2 = '20261120_081500_d4e5f6'
const OLD_CWD = '/home/alice/src/app'
const CREDENTIALS = ['.claude/.credentials.json', '.claude.json', '.codex/auth.json', '.hermes/.env', '.hermes/auth.json', '.hermes/state.db', '.openclaw/credentials/oauth.json', '.openclaw/secrets.json', '.openclaw/openclaw.json']

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

/** A user's home on one machine, its credential files FIFOs that hang whoever opens them. */
async function userHome (name: string): Promise<{ home: string, env: NodeJS.ProcessEnv, run: (args: string[], d: Daemon, extra?: NodeJS.ProcessEnv) => Promise<RunResult> }> {
  const home = join(dir, name)
  for (const f of CREDENTIALS) {
    await mkdir(join(home, f, '..'), { recursive: true })
    execFileSync('mkfifo', [join(home, f)])
  }
  const uenv = { ...env, HOME: home, MESH_AGENT_MOUNTS: join(home, 'mounts.json'), MESH_AGENT_SYNC: join(home, 'agent-sync.json') }
  return { home, env: uenv, run: async (args, d, extra = {}) => await runCli([...args, '--home', d.home], { env: { ...uenv, ...extra }, timeoutMs: 60_000 }) }
}

describe('mesh agent: OpenClaw', () => {
  it('imports a transcript on A, resumes it on B as the file doctor imports, and imports it back to the same bytes', async () => {
    const desk = await userHome('oc-desk')
    const sessions = join(desk.home, '.openclaw', 'agents', 'main', 'sessions')
    await cp(join(FIX, 'openclaw/agents/main/sessions'), sessions, { recursive: true })
    const original = await readFile(join(sessions, `${OSID}.jsonl`))
    const imp = await desk.run(['agent', 'import', 'openclaw', '--session', OSID, '--json'], a)
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp)).toMatchObject({ key: `agent:openclaw:${OSID}`, lines: 17, added: 18, cwd: OLD_CWD })
    expect(json(await desk.run(['agent', 'import', 'openclaw', '--all', '--json'], a))).toMatchObject([{ sessionId: OSID, added: 0 }])
    expect(json(await desk.run(['agent', 'list', 'openclaw', '--json'], a)).local).toMatchObject([{ agent: 'openclaw', sessionId: OSID, imported: true }])

    const laptop = await userHome('oc-laptop')
    const copy = join(laptop.home, 'copy.jsonl')
    await poll('the session on B', async () => {
      const r = await laptop.run(['agent', 'export', `agent:openclaw:${OSID}`, '--force', '--out', copy], b)
      return r.code === 0 && (await readFile(copy)).equals(original)
    })
    const shown = await laptop.run(['session', 'show', `agent:openclaw:${OSID}`, '--all'], b)
    expect(shown.stdout).toContain('login cookie expire')
    expect(shown.stdout).toContain('[future_synthetic_entry]')

    const state = join(laptop.home, 'oc-state')
    const cwd = join(laptop.home, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    const res = await laptop.run(['agent', 'resume', `agent:openclaw:${OSID}`, '--cwd', cwd, '--json'], b, { OPENCLAW_STATE_DIR: state })
    expect(res.code, res.stderr).toBe(0)
    const path = join(state, 'agents', 'main', 'sessions', `${OSID}.jsonl`)
    expect(json(res)).toMatchObject({ path, rewritten: 3, index: 'written', sessionKey: 'agent:main:telegram:dm:4711', command: 'openclaw doctor --fix && openclaw resume \'agent:main:telegram:dm:4711\'' })
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const written = await readFile(path)
    expect(written.equals(original)).toBe(false)
    expect(written.toString().split(cwd).join(OLD_CWD)).toBe(original.toString())
    const index = JSON.parse(await readFile(join(state, 'agents', 'main', 'sessions', 'sessions.json'), 'utf8'))
    expect(index['agent:main:telegram:dm:4711']).toMatchObject({ sessionId: OSID, sessionFile: path, provider: 'telegram' })

    // Run again at once: the file is there as it would be written, so it is left as it is.
    const twice = await laptop.run(['agent', 'resume', `agent:openclaw:${OSID}`], b, { OPENCLAW_STATE_DIR: state })
    expect(twice.code, twice.stderr).toBe(0)
    // Just written by OpenClaw (a line mesh has not got): it could be writing on; a resume is refused.
    await writeFile(path, Buffer.concat([written, Buffer.from('{"type":"custom","customType":"note"}\n')]))
    const again = await laptop.run(['agent', 'resume', `agent:openclaw:${OSID}`], b, { OPENCLAW_STATE_DIR: state })
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/OpenClaw may be running this session here/)
    await writeFile(path, written)

    // Importing the written file back stores nothing new: its paths map back to the original bytes.
    const back = await laptop.run(['agent', 'import', 'openclaw', '--file', path, '--json'], b, { OPENCLAW_STATE_DIR: state })
    expect(back.code, back.stderr).toBe(0)
    expect(json(back)).toMatchObject({ added: 0, mappedFrom: cwd })
    // OpenClaw goes on on B; the new entry reaches A, whose resume writes the original plus it.
    const next = JSON.stringify({ type: 'message', id: 'a0b1c2d3', parentId: '9fb0c1d2', timestamp: '2026-11-21T08:00:00.000Z', message: { role: 'user', content: [{ type: 'text', text: 'ship it' }], timestamp: 1795161600000 } })
    await writeFile(path, Buffer.concat([written, Buffer.from(next + '\n')]))
    expect(json(await laptop.run(['agent', 'import', 'openclaw', '--file', path, '--json'], b, { OPENCLAW_STATE_DIR: state })).added).toBe(1)
    const old = new Date(Date.now() - 60_000)
    await utimes(join(sessions, `${OSID}.jsonl`), old, old)
    await poll('the new entry on A', async () => {
      const r = await desk.run(['agent', 'resume', `agent:openclaw:${OSID}`, '--take', '--json'], a)
      return r.code === 0 && (await readFile(join(sessions, `${OSID}.jsonl`), 'utf8')).endsWith(next + '\n')
    })
    expect((await readFile(join(sessions, `${OSID}.jsonl`))).subarray(0, original.length).equals(original)).toBe(true)
    // A's sessions.json (the Gateway's) was there already: left as it was.
    expect(await readFile(join(sessions, 'sessions.json'), 'utf8')).toBe(await readFile(join(FIX, 'openclaw/agents/main/sessions/sessions.json'), 'utf8'))

    // To another agent: a labelled translation that says what it drops, and a chain Claude Code resumes.
    const tr = await laptop.run(['agent', 'export', `agent:openclaw:${OSID}`, '--as', 'claude', '--out', join(laptop.home, 'as-claude.jsonl')], b)
    expect(tr.code, tr.stderr).toBe(0)
    expect(tr.stdout).toMatch(/translated openclaw → claude \(lossy/)
    expect(tr.stdout).toMatch(/dropped: .*off the current branch/)
    expect(checkChain(splitJsonl(await readFile(join(laptop.home, 'as-claude.jsonl'))).lines)).toEqual([])
    // An --out whose folder is not there: said in words, exit 2.
    const nowhere = await laptop.run(['agent', 'export', `agent:openclaw:${OSID}`, '--out', join(laptop.home, 'no-such-folder', 'x.jsonl')], b)
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toMatch(/cannot write --out .*no-such-folder\/x\.jsonl: its folder does not exist/)
  }, 240_000)
})

describe('mesh agent: Hermes', () => {
  it('imports its export on A, resumes on B as a file for its importer, and imports it back to the same bytes', async () => {
    const desk = await userHome('h-desk')
    const file = join(desk.home, 'export.jsonl')
    await cp(join(FIX, 'hermes/export.jsonl'), file)
    const lines = splitJsonl(await readFile(file)).lines
    const imp = await desk.run(['agent', 'import', 'hermes', '--file', file, '--json'], a)
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp)).toMatchObject([{ key: `agent:hermes:${H1}`, added: 5, cwd: OLD_CWD }, { key: `agent:hermes:${H2}`, added: 4 }])
    expect(json(await desk.run(['agent', 'import', 'hermes', '--file', file, '--session', H1, '--json'], a))).toMatchObject({ added: 0 })

    const laptop = await userHome('h-laptop')
    const copy = join(laptop.home, 'copy.jsonl')
    await poll('both sessions on B', async () => {
      for (const [i, id] of [H1, H2].entries()) {
        const r = await laptop.run(['agent', 'export', `agent:hermes:${id}`, '--force', '--out', copy], b)
        if (r.code !== 0 || (await readFile(copy, 'utf8')) !== `${lines[i] as string}\n`) return false
      }
      return true
    })
    const shown = await laptop.run(['session', 'show', `agent:hermes:${H1}`, '--all'], b)
    expect(shown.stdout).toContain('Add a retry to the deploy script')
    expect(shown.stdout).toContain('[tool read_file]')

    const hhome = join(laptop.home, 'hermes-home')
    const cwd = join(laptop.home, 'work', 'app')
    // A directory that is not on this machine is refused, and not remembered for the project.
    const nowhere = await laptop.run(['agent', 'resume', `agent:hermes:${H1}`, '--cwd', cwd, '--json'], b, { HERMES_HOME: hhome })
    expect(nowhere.code).toBe(2)
    expect(JSON.parse(nowhere.stderr).error).toMatchObject({ code: 'INVALID_INPUT', details: { cwd } })
    await mkdir(cwd, { recursive: true })
    const res = await laptop.run(['agent', 'resume', `agent:hermes:${H1}`, '--cwd', cwd, '--json'], b, { HERMES_HOME: hhome })
    expect(res.code, res.stderr).toBe(0)
    const path = join(hhome, 'mesh-imports', `${H1}.jsonl`)
    expect(json(res)).toMatchObject({ path, rewritten: 2, command: `cd ${cwd} && hermes --resume ${H1}`, importFirst: expect.stringContaining(`import ${path} in Hermes's dashboard`) })
    const written = await readFile(path, 'utf8')
    expect(written.split(`"${cwd}"`).join(`"${OLD_CWD}"`)).toBe(`${lines[0] as string}\n`)
    const back = await laptop.run(['agent', 'import', 'hermes', '--file', path, '--json'], b)
    expect(json(back)).toMatchObject([{ added: 0, mappedFrom: cwd }])

    // Hermes rewrote a row in place and grew the session: the next export has both changes, in place.
    const grown = growRow(lines[1] as string)
    await writeFile(file, `${lines[0] as string}\n${grown}\n`)
    expect(json(await desk.run(['agent', 'import', 'hermes', '--file', file, '--session', H2, '--json'], a))).toMatchObject({ added: 3 })
    await poll('the grown row on B', async () => {
      const r = await laptop.run(['agent', 'export', `agent:hermes:${H2}`, '--force', '--out', copy], b)
      return r.code === 0 && (await readFile(copy, 'utf8')) === `${grown}\n`
    })
  }, 240_000)
})

async function writeSkill (root: string, files: Record<string, string>): Promise<void> {
  for (const [p, text] of Object.entries(files)) { await mkdir(join(root, p, '..'), { recursive: true }); await writeFile(join(root, p), text) }
}

describe('mesh agent skills sync', () => {
  it('projects a Claude Code skill folder into Hermes on another machine byte for byte, and reports a conflict instead of overwriting', async () => {
    const desk = await userHome('s-desk')
    const review = { 'SKILL.md': '---\nname: review\ndescription: Review a diff for bugs\n---\n\nRead references/checklist.md first.\n', 'references/checklist.md': '- null checks\n- error paths\n', 'scripts/lint.sh': '#!/bin/sh\nnpx eslint .\n' }
    await writeSkill(join(desk.home, '.claude', 'skills', 'review'), review)
    await chmod(join(desk.home, '.claude', 'skills', 'review', 'scripts', 'lint.sh'), 0o755)
    const s1 = await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a)
    expect(s1.code, s1.stderr).toBe(0)
    expect(json(s1)).toMatchObject({ pushed: ['review'], pulled: [] })

    const laptop = await userHome('s-laptop')
    const folder = join(laptop.home, '.hermes', 'skills', 'mesh', 'review')
    await poll('the skill on B', async () => {
      const r = await laptop.run(['agent', 'skills', 'sync', 'hermes', '--json'], b)
      return r.code === 0 && json(r).pulled.includes('review')
    })
    for (const [p, text] of Object.entries(review)) expect(await readFile(join(folder, p), 'utf8')).toBe(text)
    expect((await stat(join(folder, 'scripts', 'lint.sh'))).mode & 0o100).toBe(0o100)
    // A skill made in Hermes is captured back, in its category.
    await writeSkill(join(laptop.home, '.hermes', 'skills', 'devops', 'deploy'), { 'SKILL.md': '---\nname: deploy\n---\nShip with scripts/deploy.sh\n' })
    expect(json(await laptop.run(['agent', 'skills', 'sync', 'hermes', '--json'], b))).toMatchObject({ pushed: ['deploy'], same: ['review'] })

    // Both sides edit review: B's sync reports the conflict and leaves B's folder as it is.
    const mine = review['SKILL.md'] + '\nLaptop note.\n'
    await writeFile(join(folder, 'SKILL.md'), mine)
    await writeFile(join(desk.home, '.claude', 'skills', 'review', 'SKILL.md'), review['SKILL.md'] + '\nDesk note.\n')
    expect(json(await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a))).toMatchObject({ pushed: ['review'] })
    let conflict: RunResult | undefined
    await poll('the conflict on B', async () => {
      conflict = await laptop.run(['agent', 'skills', 'sync', 'hermes'], b)
      return conflict.code === 1
    })
    expect(conflict?.stdout).toMatch(/conflict: review changed here/)
    expect(await readFile(join(folder, 'SKILL.md'), 'utf8')).toBe(mine)
    // The user picks the laptop's version: it goes to mesh, then to the desk.
    expect((await laptop.run(['agent', 'skills', 'sync', 'hermes', '--prefer', 'local'], b)).code).toBe(0)
    await poll('the laptop\'s version on A', async () => {
      const r = await desk.run(['agent', 'skills', 'sync', 'claude'], a)
      return r.code === 0 && (await readFile(join(desk.home, '.claude', 'skills', 'review', 'SKILL.md'), 'utf8')) === mine
    })
  }, 240_000)

  it('never writes a skill from mesh over a folder that holds another skill, and removes neither', async () => {
    const desk = await userHome('t-desk')
    await writeSkill(join(desk.home, '.claude', 'skills', 'triage'), { 'SKILL.md': '---\nname: triage\n---\nSort the bugs.\n' })
    expect(json(await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a))).toMatchObject({ pushed: ['triage'] })
    // On the laptop, the folder triage/ holds the user's own skill, named otherwise, and a note.
    const laptop = await userHome('t-laptop')
    const folder = join(laptop.home, '.claude', 'skills', 'triage')
    const own = { 'SKILL.md': '---\nname: my-triage\n---\nMy own way.\n', 'notes.txt': 'my notes\n' }
    await writeSkill(folder, own)
    const pushed: string[] = []
    let last: RunResult | undefined
    await poll('the folder reported taken on B', async () => {
      last = await laptop.run(['agent', 'skills', 'sync', 'claude', '--json'], b)
      pushed.push(...json(last).pushed)
      return json(last).conflicts.some((c: { name: string }) => c.name === 'triage')
    })
    expect(last?.code).toBe(1)
    expect(json(last as RunResult).conflicts).toEqual([{ name: 'triage', path: folder, taken: true }])
    expect(pushed).toContain('my-triage')
    const again = await laptop.run(['agent', 'skills', 'sync', 'claude'], b)
    expect(again.stdout).toMatch(/conflict: triage from mesh would go to .*triage, which holds something else/)
    expect(again.stdout).not.toMatch(/removed from mesh/)
    for (const [p, text] of Object.entries(own)) expect(await readFile(join(folder, p), 'utf8')).toBe(text)
    // Both skills are still in mesh: the desk gets the laptop's under its own name, keeps its own.
    await poll('my-triage on A', async () => {
      const r = await desk.run(['agent', 'skills', 'sync', 'claude', '--json'], a)
      return r.code === 0 && json(r).pulled.includes('my-triage')
    })
    expect(await readFile(join(desk.home, '.claude', 'skills', 'my-triage', 'SKILL.md'), 'utf8')).toBe(own['SKILL.md'])
    expect(await readFile(join(desk.home, '.claude', 'skills', 'triage', 'SKILL.md'), 'utf8')).toBe('---\nname: triage\n---\nSort the bugs.\n')
  }, 240_000)
})

describe('mesh agent memory sync', () => {
  it('Hermes: entries both ways within the cap, removals followed, the file rewritten as Hermes writes it and only under its lock', async () => {
    const desk = await userHome('m-desk')
    const laptop = await userHome('m-laptop')
    const dm = join(desk.home, '.hermes', 'memories', 'MEMORY.md')
    const lm = join(laptop.home, '.hermes', 'memories', 'MEMORY.md')
    await mkdir(join(dm, '..'), { recursive: true })
    await mkdir(join(lm, '..'), { recursive: true })
    await writeFile(dm, formatEntries(['Project uses pnpm, never npm', 'Deploys go through scripts/deploy.sh']))
    await writeFile(join(desk.home, '.hermes', 'memories', 'USER.md'), formatEntries(['Prefers short answers']))
    await writeFile(lm, formatEntries(['CI runs on Node 20']))
    const d1 = await desk.run(['agent', 'memory', 'sync', 'hermes', '--json'], a)
    expect(d1.code, d1.stderr).toBe(0)
    expect(json(d1)).toMatchObject([{ toMesh: 2, written: false }, { toMesh: 1 }])
    await poll('A\'s entries on B', async () => {
      const r = await laptop.run(['agent', 'memory', 'sync', 'hermes', '--json'], b)
      return r.code === 0 && parseInt(String(json(r)[0].entries), 10) === 3
    })
    expect(await readFile(lm, 'utf8')).toBe(formatEntries(['CI runs on Node 20', 'Project uses pnpm, never npm', 'Deploys go through scripts/deploy.sh']))
    expect(await readFile(join(laptop.home, '.hermes', 'memories', 'USER.md'), 'utf8')).toBe('Prefers short answers')
    // Removed on B: gone from mesh, then from A.
    await writeFile(lm, formatEntries(['CI runs on Node 20', 'Project uses pnpm, never npm']))
    expect(json(await laptop.run(['agent', 'memory', 'sync', 'hermes', '--json'], b))[0]).toMatchObject({ removedFromMesh: 1 })
    await poll('the removal and the new entry on A', async () => {
      const r = await desk.run(['agent', 'memory', 'sync', 'hermes'], a)
      return r.code === 0 && (await readFile(dm, 'utf8')) === formatEntries(['Project uses pnpm, never npm', 'CI runs on Node 20'])
    })
    // Over the cap: an entry that does not fit stays in mesh and is reported.
    const big = 'x'.repeat(2150)
    expect((await runCli(['memory', 'set', 'hermes/MEMORY/big', big, '--tag', 'hermes:MEMORY', '--home', b.home], { env: laptop.env })).code).toBe(0)
    const over = json(await laptop.run(['agent', 'memory', 'sync', 'hermes', '--json'], b))[0]
    expect(over.overCap).toHaveLength(1)
    expect(over.chars).toBeLessThanOrEqual(2200)
    // A drifted file (edited outside Hermes's tool: an empty entry at its end) is left alone.
    const before = await readFile(lm, 'utf8')
    await writeFile(lm, before + '\n§\n')
    const drift = await laptop.run(['agent', 'memory', 'sync', 'hermes'], b)
    expect(drift.code).toBe(1)
    expect(drift.stdout).toMatch(/edited outside Hermes's memory tool: an empty entry after the § on line \d+, at the end of the file/)
    expect(await readFile(lm, 'utf8')).toBe(before + '\n§\n')
    await writeFile(lm, before)
    // While Hermes holds the lock, nothing is written; mesh gives up after --lock-timeout.
    const holder = spawn('python3', ['-c', 'import fcntl,sys\nf=open(sys.argv[1],"a+")\nfcntl.flock(f,fcntl.LOCK_EX)\nprint("held",flush=True)\nsys.stdin.read()', `${lm}.lock`], { stdio: ['pipe', 'pipe', 'inherit'] })
    onTestFinished(() => { holder.kill('SIGKILL') })
    await new Promise<void>(resolve => holder.stdout.once('data', () => resolve()))
    await writeFile(dm, formatEntries(['Project uses pnpm, never npm', 'CI runs on Node 20', 'Staging is at staging.example.org']))
    expect((await desk.run(['agent', 'memory', 'sync', 'hermes'], a)).code).toBe(0)
    // The entry is in B's mesh before B syncs: only the lock keeps it out of the file.
    await poll('the new entry in B\'s mesh', async () => (await runCli(['memory', 'search', 'staging.example.org', '--home', b.home, '--json'], { env: laptop.env })).stdout.includes('staging.example.org'))
    const locked = await laptop.run(['agent', 'memory', 'sync', 'hermes', '--lock-timeout', '500'], b)
    expect(locked.code).toBe(2)
    expect(locked.stderr).toMatch(/held by another process/)
    expect(await readFile(lm, 'utf8')).toBe(before)
    holder.stdin.end()
    await poll('the entry on B once the lock is free', async () => {
      const r = await laptop.run(['agent', 'memory', 'sync', 'hermes'], b)
      return r.code === 0 && (await readFile(lm, 'utf8')).includes('Staging is at staging.example.org')
    })
  }, 240_000)

  it('Claude Code: CLAUDE.md and the project memory folder follow the project (by its git remote) to another path', async () => {
    const desk = await userHome('c-desk')
    const laptop = await userHome('c-laptop')
    const repo = async (p: string): Promise<void> => { await mkdir(join(p, '.git'), { recursive: true }); await writeFile(join(p, '.git', 'config'), '[remote "origin"]\n\turl = git@github.com:alice/app.git\n') }
    const dcwd = join(desk.home, 'src', 'app')
    const lcwd = join(laptop.home, 'code', 'app')
    await repo(dcwd)
    await repo(lcwd)
    const dmem = join(desk.home, '.claude', 'projects', sanitizePath(dcwd), 'memory')
    await mkdir(dmem, { recursive: true })
    await writeFile(join(dmem, 'MEMORY.md'), '# Memory\n- tests run with vitest\n')
    await writeFile(join(desk.home, '.claude', 'CLAUDE.md'), 'Answer in English.\n')
    const d = await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', dcwd, '--json'], a)
    expect(d.code, d.stderr).toBe(0)
    expect(json(d)).toMatchObject({ project: 'github.com/alice/app', pushed: ['claude/project/github.com/alice/app/memory/MEMORY.md', 'claude/user/CLAUDE.md'] })
    const lmem = join(laptop.home, '.claude', 'projects', sanitizePath(lcwd), 'memory', 'MEMORY.md')
    await poll('the memory on B', async () => {
      const r = await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd, '--json'], b)
      return r.code === 0 && json(r).pulled.length === 2
    })
    expect(await readFile(lmem, 'utf8')).toBe('# Memory\n- tests run with vitest\n')
    expect(await readFile(join(laptop.home, '.claude', 'CLAUDE.md'), 'utf8')).toBe('Answer in English.\n')
    // Deleted on B since the last sync: deleted from mesh, then on A.
    await rm(lmem)
    expect(json(await laptop.run(['agent', 'memory', 'sync', 'claude', '--cwd', lcwd, '--json'], b)).removedFromMesh).toEqual(['claude/project/github.com/alice/app/memory/MEMORY.md'])
    await poll('the removal on A', async () => {
      const r = await desk.run(['agent', 'memory', 'sync', 'claude', '--cwd', dcwd, '--json'], a)
      return r.code === 0 && json(r).removedHere.length === 1
    })
    await expect(stat(join(dmem, 'MEMORY.md'))).rejects.toThrow()
  }, 240_000)
})
