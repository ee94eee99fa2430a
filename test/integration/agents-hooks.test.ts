/**
 * `mesh agent hooks install|uninstall claude` on a real settings file under CLAUDE_CONFIG_DIR
 * that holds the user's own settings and hooks: install adds SessionStart, Stop and SessionEnd
 * command hooks beside the user's, keeps the file's mode, backs the file up first, and a second
 * install changes nothing (no second backup); the installed command, run as Claude Code runs it
 * (`sh -c`, the hook's JSON on stdin) against a real daemon, registers the session and takes its
 * lease at SessionStart, stores the transcript at Stop, releases the lease at SessionEnd, prints
 * nothing on stdout and never exits 2; uninstall gives back the user's settings as they were.
 * And `mesh agent import claude --since`: only the sessions written since, with progress on stderr.
 */
import { appendFile, chmod, cp, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli, runProcess, type RunResult } from '../helpers/cli.js'
import { api, startDaemon, type Daemon } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/claude/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'

let dir: string
let env: NodeJS.ProcessEnv
let d: Daemon
const cleanups: Array<() => Promise<unknown> | unknown> = []
const json = (r: RunResult): any => JSON.parse(r.stdout)

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  env = { ...cliEnv(dir), CLAUDE_CONFIG_DIR: join(dir, 'cc') }
  const wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  d = await startDaemon(env, { home: join(dir, 'home'), wallet, label: 'desk' })
  cleanups.push(async () => { await d.proc.stop('SIGKILL') })
}, 60_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** Runs a hook command as Claude Code does: through the shell, its input as JSON on stdin. */
async function runHook (command: string, input: unknown): Promise<RunResult> {
  return await runProcess('sh', ['-c', command], { env, input: typeof input === 'string' ? input : JSON.stringify(input) })
}

describe('Claude Code hooks', () => {
  it('install (idempotent, backed up, beside the user\'s hooks), run for real, uninstall to the user\'s settings', async () => {
    const cc = join(dir, 'cc')
    await mkdir(cc, { recursive: true })
    const settingsPath = join(cc, 'settings.json')
    const user = {
      model: 'opus',
      permissions: { allow: ['Bash(ls:*)'] },
      hooks: {
        Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
        PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '~/bin/audit.sh' }] }]
      }
    }
    const original = JSON.stringify(user, null, 4) + '\n'
    await writeFile(settingsPath, original)
    await chmod(settingsPath, 0o644)

    const ins = await runCli(['agent', 'hooks', 'install', 'claude', '--home', d.home, '--json'], { env })
    expect(ins.code, ins.stderr).toBe(0)
    const r = json(ins)
    expect(r).toMatchObject({ path: settingsPath, changed: true })
    expect(await readFile(r.backup, 'utf8')).toBe(original)
    expect((await stat(settingsPath)).mode & 0o777).toBe(0o644)
    const after = JSON.parse(await readFile(settingsPath, 'utf8'))
    expect(after.model).toBe('opus')
    expect(after.permissions).toEqual(user.permissions)
    expect(after.hooks.PreToolUse).toEqual(user.hooks.PreToolUse)
    expect(after.hooks.Stop[0]).toEqual(user.hooks.Stop[0])
    const command: string = r.command
    for (const ev of ['SessionStart', 'Stop', 'SessionEnd']) {
      const ours = after.hooks[ev].flatMap((g: any) => g.hooks).filter((h: any) => h.command === command)
      expect(ours, ev).toEqual([{ type: 'command', command, timeout: 30 }])
    }
    // Again: nothing changes, no second backup.
    const text = await readFile(settingsPath, 'utf8')
    const again = await runCli(['agent', 'hooks', 'install', 'claude', '--home', d.home, '--json'], { env })
    expect(json(again).changed).toBe(false)
    expect(await readFile(settingsPath, 'utf8')).toBe(text)
    expect((await readdir(cc)).filter(n => n.includes('mesh-backup'))).toHaveLength(1)

    // The hook, as Claude Code runs it. SessionStart: the transcript does not exist yet.
    const cwd = '/home/alice/src/app'
    const project = join(cc, 'projects', '-home-alice-src-app')
    const transcript = join(project, `${SID}.jsonl`)
    const key = `agent:claude:${SID}`
    const base = { session_id: SID, transcript_path: transcript, cwd, permission_mode: 'default' }
    const start = await runHook(command, { ...base, hook_event_name: 'SessionStart', source: 'startup' })
    expect(start, start.stderr).toMatchObject({ code: 0, stdout: '' })
    const shown = await api(d, 'GET', `/api/sessions/${encodeURIComponent(key)}`)
    expect(shown.status).toBe(200)
    expect(shown.body.lease).toMatchObject({ mine: true, expired: false })

    // Stop: the turn's lines are stored.
    await mkdir(project, { recursive: true })
    await cp(join(FIX, `${SID}.jsonl`), transcript)
    await cp(join(FIX, SID), join(project, SID), { recursive: true })
    const stop = await runHook(command, { ...base, hook_event_name: 'Stop', stop_hook_active: false })
    expect(stop, stop.stderr).toMatchObject({ code: 0, stdout: '' })
    const out = join(dir, 'out.jsonl')
    expect((await runCli(['agent', 'export', key, '--out', out, '--home', d.home], { env })).code).toBe(0)
    expect((await readFile(out)).equals(await readFile(transcript))).toBe(true)
    const recs = await api(d, 'GET', `/api/agents/records/${encodeURIComponent(key)}`)
    // The side folder travelled too: the sub-agent transcript, its meta, the externalised tool result.
    expect([...new Set(recs.body.records.map((x: any) => x.file))].sort()).toEqual(['', 'subagents/agent-a1b2c3.jsonl', 'subagents/agent-a1b2c3.meta.json', 'tool-results/toolu_01Big.txt'])

    // SessionEnd: flushed, the lease released for another machine to resume without --take.
    const end = await runHook(command, { ...base, hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' })
    expect(end, end.stderr).toMatchObject({ code: 0, stdout: '' })
    expect((await api(d, 'GET', `/api/sessions/${encodeURIComponent(key)}`)).body.lease).toBeUndefined()

    // A failing hook says why on stderr and exits 1: never 2, which would keep Claude Code from stopping.
    const bad = await runHook(command, 'not json')
    expect(bad.code).toBe(1)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toMatch(/^mesh hook:/)

    // Uninstall: the user's settings as they were; again: nothing to do.
    const un = await runCli(['agent', 'hooks', 'uninstall', 'claude', '--home', d.home, '--json'], { env })
    expect(un.code, un.stderr).toBe(0)
    expect(json(un).changed).toBe(true)
    expect(JSON.parse(await readFile(settingsPath, 'utf8'))).toEqual(user)
    expect((await stat(settingsPath)).mode & 0o777).toBe(0o644)
    const un2 = await runCli(['agent', 'hooks', 'uninstall', 'claude', '--home', d.home, '--json'], { env })
    expect(json(un2).changed).toBe(false)
  }, 120_000)

  it('installs and uninstalls over and over keep the first backup and the newest three, not one each', async () => {
    const cc = join(dir, 'cc-cycles')
    await mkdir(cc, { recursive: true })
    const original = JSON.stringify({ model: 'sonnet' }, null, 2) + '\n'
    await writeFile(join(cc, 'settings.json'), original)
    const e = { ...env, CLAUDE_CONFIG_DIR: cc }
    const made: string[] = []
    for (let i = 0; i < 4; i++) {
      for (const sub of ['install', 'uninstall']) {
        const r = await runCli(['agent', 'hooks', sub, 'claude', '--home', d.home, '--json'], { env: e })
        expect(r.code, r.stderr).toBe(0)
        made.push(json(r).backup)
      }
    }
    const backups = (await readdir(cc)).filter(n => n.includes('mesh-backup')).map(n => join(cc, n)).sort()
    expect(backups).toEqual([made[0], ...made.slice(-3)])
    // The first is the user's file from before mesh ever changed it.
    expect(await readFile(backups[0] as string, 'utf8')).toBe(original)
    expect(await readFile(join(cc, 'settings.json'), 'utf8')).toBe(original)
  }, 120_000)

  it('on a machine where Claude Code has not run, says that the hooks make its folder (and so count it as installed)', async () => {
    const cc = join(dir, 'cc-none')
    const r = await runCli(['agent', 'hooks', 'install', 'claude', '--home', d.home], { env: { ...env, CLAUDE_CONFIG_DIR: cc } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Claude Code has not run on this machine yet (nothing of its own in ${cc})`)
    expect(await readdir(cc)).toEqual(['settings.json'])
    // Where it has run (its own settings there), and with --json, nothing of the kind is said.
    const again = await runCli(['agent', 'hooks', 'install', 'claude', '--home', d.home, '--json'], { env: { ...env, CLAUDE_CONFIG_DIR: cc } })
    expect(json(again)).toMatchObject({ changed: false, claudeHere: true, folder: cc })
    const here = join(dir, 'cc-here')
    await mkdir(join(here, 'todos'), { recursive: true })
    const ran = await runCli(['agent', 'hooks', 'install', 'claude', '--home', d.home], { env: { ...env, CLAUDE_CONFIG_DIR: here } })
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stdout).not.toMatch(/has not run/)
  }, 60_000)

  it('a settings file that is not JSON is refused, untouched', async () => {
    const cc = join(dir, 'cc-bad')
    await mkdir(cc, { recursive: true })
    await writeFile(join(cc, 'settings.json'), '{ "model": "opus", // a comment\n}')
    const r = await runCli(['agent', 'hooks', 'install', 'claude', '--home', d.home], { env: { ...env, CLAUDE_CONFIG_DIR: cc } })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/not valid JSON/)
    expect(await readFile(join(cc, 'settings.json'), 'utf8')).toBe('{ "model": "opus", // a comment\n}')
    expect(await readdir(cc)).toEqual(['settings.json'])
  }, 60_000)

  it('mesh agent import --since takes only the sessions written since, saying how far it is on stderr', async () => {
    const cc = join(dir, 'cc-since')
    const project = join(cc, 'projects', '-home-alice-src-app')
    await mkdir(project, { recursive: true })
    const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333']
    for (const [i, id] of ids.entries()) {
      const p = join(project, `${id}.jsonl`)
      await writeFile(p, JSON.stringify({ parentUuid: null, cwd: '/home/alice/src/app', sessionId: id, type: 'user', message: { role: 'user', content: `session ${i}` }, uuid: `u-${i}`, timestamp: '2026-11-20T09:00:00.000Z' }) + '\n')
      // The last one is over 10 MB: progress counts whole MB from there, as every progress line does.
      if (i === 2) for (let k = 0; k < 10; k++) await appendFile(p, JSON.stringify({ parentUuid: `u-${i}`, cwd: '/home/alice/src/app', sessionId: id, type: 'user', message: { role: 'user', content: 'x'.repeat(1_050_000) }, uuid: `u-${i}-${k}`, timestamp: '2026-11-20T09:00:01.000Z' }) + '\n')
      // The first was last written ten days ago.
      if (i === 0) { const old = new Date(Date.now() - 10 * 86_400_000); await utimes(p, old, old) }
    }
    const r = await runCli(['agent', 'import', 'claude', '--since', '7d', '--home', d.home], { env: { ...env, CLAUDE_CONFIG_DIR: cc } })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^2 claude sessions, /)
    expect(r.stderr).toMatch(/importing claude session 1\/2 \(0 bytes of \d\d MB\)/)
    expect(r.stderr).toMatch(/imported 2 claude sessions \(\d\d MB\)/)
    // With --json the sessions are the JSON, and stderr has no progress (prose).
    const j = await runCli(['agent', 'import', 'claude', '--since', '7d', '--home', d.home, '--json'], { env: { ...env, CLAUDE_CONFIG_DIR: cc } })
    expect(j.code, j.stderr).toBe(0)
    expect(json(j).map((x: any) => x.sessionId).sort()).toEqual(ids.slice(1))
    expect(j.stderr).toBe('')
    const bad = await runCli(['agent', 'import', 'claude', '--since', 'last tuesday', '--home', d.home], { env: { ...env, CLAUDE_CONFIG_DIR: cc } })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/not a date/)
  }, 60_000)
})
