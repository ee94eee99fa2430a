/**
 * A session whose capture is stuck at a line that is not UTF-8 (the follower stops there: records
 * hold text) resumed on another machine: the conversation written there ends before that line,
 * and the resume said nothing, so the person went on from a truncated conversation unaware. Now
 * the follower stores where capture stopped in the session (host, file, line, bytes, and how much
 * of the file from there on is not captured), and `mesh agent resume` says the session is cut
 * short, in text and in --json (captureStuck), resuming all the same; once the line is fixed and
 * captured, the note is gone. Real `mesh` processes, a real follower, Claude Code files under two
 * CLAUDE_CONFIG_DIRs (the desk's, followed, and the laptop's, resumed into).
 */
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { runCli, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const SID = '7e1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4eba'
const KEY = `agent:claude:${SID}`
const OLD_CWD = '/home/alice/src/stuck'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'desk'), CODEX_HOME: join(d, 'codex'), OPENCLAW_STATE_DIR: join(d, 'openclaw') }))
const laptop = async (...args: string[]): Promise<RunResult> => await runCli([...args, '--home', h.home], { env: { ...h.env, CLAUDE_CONFIG_DIR: join(h.dir, 'laptop') }, timeoutMs: 120_000 })

const uuid = (i: number): string => `c0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
const line = (i: number, text = `turn ${i}`): string => JSON.stringify({ parentUuid: i === 0 ? null : uuid(i - 1), isSidechain: false, type: i % 2 === 0 ? 'user' : 'assistant', message: i % 2 === 0 ? { role: 'user', content: text } : { role: 'assistant', content: [{ type: 'text', text }] }, uuid: uuid(i), timestamp: '2026-12-01T10:00:00.000Z', cwd: OLD_CWD, sessionId: SID })

describe('mesh agent resume of a session whose capture is stuck', () => {
  it('refuses without --partial, saying where capture is stuck; with it, says it is cut short, in text and --json', async () => {
    const project = join(h.dir, 'desk', 'projects', sanitizePath(OLD_CWD))
    await mkdir(project, { recursive: true })
    const f = join(project, `${SID}.jsonl`)
    await writeFile(f, [0, 1, 2, 3].map(i => line(i)).join('\n') + '\n')
    const good = (await stat(f)).size
    const follow = h.join('--follow', 'claude')
    await follow.waitFor(/^running \(pid/, 30_000)
    const listed = async (): Promise<any> => {
      const r = await h.mesh('agent', 'list', 'claude', '--json')
      return r.code === 0 ? (JSON.parse(r.stdout).local as any[]).find(s => s.key === KEY) : undefined
    }
    await poll('the 4 lines captured', async () => (await listed())?.captured === good)

    // Line 5 is not UTF-8; the agent writes two more after it.
    const bad = Buffer.concat([Buffer.from(line(4, 'bad XX').split('XX')[0] as string), Buffer.from([0xff, 0xfe]), Buffer.from(line(4, 'bad XX').split('XX')[1] as string + '\n')])
    await appendFile(f, bad)
    await appendFile(f, line(5) + '\n' + line(6) + '\n')
    const size = (await stat(f)).size
    await follow.waitFor(/is not valid UTF-8/, 30_000)

    const cwd = join(h.dir, 'src', 'stuck')
    await mkdir(cwd, { recursive: true })
    const expected = { host: hostname(), path: f, line: 5, from: good, to: good + bad.length - 1, bytesAfter: size - good, linesAfter: 3 }
    // Refused without --partial once the note is here: going on from line 4 would diverge.
    await poll('the resume refuses, saying where capture is stuck', async () => {
      const r = await laptop('agent', 'resume', KEY, '--cwd', cwd)
      if (r.code === 0) return false
      expect(r.code).toBe(2)
      expect(r.stderr).toContain(`${KEY} is not whole in mesh: ${hostname()} holds more of this session than mesh: its capture stopped after line 4 of 7 (line 5 is not valid UTF-8) — fix that line of ${f} on ${hostname()}`)
      return true
    })
    const r = await laptop('agent', 'resume', KEY, '--cwd', cwd, '--json', '--partial')
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.captureStuck).toMatchObject(expected)
    // Resumed all the same: the 4 lines before the stuck one.
    const written = (await readFile(j.path, 'utf8')).trim().split('\n')
    expect(written.length).toBe(4)

    const text = await laptop('agent', 'resume', KEY, '--cwd', cwd, '--partial')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`warning: ${KEY} is cut short: its capture on ${hostname()} stopped at ${f}: line 5 (bytes ${good}-${good + bad.length - 1}) is not valid UTF-8, so 3 lines (${size - good} bytes) from there on are not in mesh and not in what was written here.`)
    expect(text.stdout).toMatch(/continue it with:\n {2}cd .* && claude --resume /)

    // Fixed on the desk: captured, and the note is gone.
    const bytes = await readFile(f)
    await writeFile(f, Buffer.concat([bytes.subarray(0, good), Buffer.from(line(4, 'bad ok') + '\n' + line(5) + '\n' + line(6) + '\n')]))
    await poll('the note cleared once capture goes on', async () => {
      const r = await laptop('agent', 'resume', KEY, '--cwd', cwd, '--json')
      return r.code === 0 && JSON.parse(r.stdout).captureStuck === undefined
    })
    await follow.stop('SIGINT')
  }, 180_000)

  // The same file imported on a home with no follower: the import refused it whole (exit 2, "so
  // none was imported") while a follower stores lines 1-4, so `mesh agent list` said `not
  // imported` here and `stuck` where a follower ran. Now the import stores what comes before the
  // bad line, says where it stopped, and notes it in the session as the follower does.
  it('an import stores the lines before a line that is not UTF-8, says where it stopped, and notes it for resume', async () => {
    const sid = '7e1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4ebb'
    const key = `agent:claude:${sid}`
    const ln = (i: number, text = `turn ${i}`): string => line(i, text).replaceAll(SID, sid)
    const project = join(h.dir, 'desk', 'projects', sanitizePath(OLD_CWD))
    await mkdir(project, { recursive: true })
    const f = join(project, `${sid}.jsonl`)
    const [head, tail] = ln(4, 'bad XX').split('XX') as [string, string]
    const bad = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe]), Buffer.from(tail + '\n')])
    const good = Buffer.from([0, 1, 2, 3].map(i => ln(i)).join('\n') + '\n')
    await writeFile(f, Buffer.concat([good, bad, Buffer.from([5, 6, 7, 8, 9, 10, 11, 12].map(i => ln(i)).join('\n') + '\n')]))

    const r = await h.mesh('agent', 'import', 'claude', '--session', sid)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`${f}: the file is not valid UTF-8 at line 5 (bytes ${good.length}-${good.length + bad.length - 1}), so it cannot be kept byte for byte: lines 1-4 are in mesh (4 new records), and import stops at that line until it is fixed (9 lines from there on not imported)`)
    const row = (JSON.parse((await h.mesh('agent', 'list', 'claude', '--json')).stdout).local as any[]).find(s => s.key === key)
    expect(row).toMatchObject({ sync: 'stuck', captured: good.length, stuck: { line: 5 } })
    expect(row.stuck.why).toContain('(lines 1-4 are in mesh)')
    const cwd = join(h.dir, 'src', 'stuck2')
    await mkdir(cwd, { recursive: true })
    const j = JSON.parse((await laptop('agent', 'resume', key, '--cwd', cwd, '--json', '--partial')).stdout)
    expect(j.captureStuck).toMatchObject({ host: hostname(), path: f, line: 5, linesAfter: 9 })
    expect((await readFile(j.path, 'utf8')).trim().split('\n').length).toBe(4)
  }, 120_000)

  // Codex and OpenClaw imports of such a file refused it whole ("so none was imported") where
  // Claude's stored the lines before the bad one: now the same, through the same path.
  const midBad = async (f: string, lines: string[], badAt: number): Promise<{ good: Buffer, bad: Buffer }> => {
    const [head, tail] = (lines[badAt] as string).split('XX') as [string, string]
    const bad = Buffer.concat([Buffer.from(head), Buffer.from([0xff, 0xfe]), Buffer.from(tail + '\n')])
    const good = Buffer.from(lines.slice(0, badAt).join('\n') + '\n')
    await writeFile(f, Buffer.concat([good, bad, Buffer.from(lines.slice(badAt + 1).join('\n') + '\n')]))
    return { good, bad }
  }
  const stuckImport = async (agent: 'codex' | 'openclaw', f: string, key: string, good: Buffer, bad: Buffer): Promise<void> => {
    const r = await h.mesh('agent', 'import', agent, '--file', f)
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`${f}: the file is not valid UTF-8 at line 5 (bytes ${good.length}-${good.length + bad.length - 1}), so it cannot be kept byte for byte: lines 1-4 are in mesh (`)
    expect(r.stderr).toContain('import stops at that line until it is fixed (5 lines from there on not imported)')
    const row = (JSON.parse((await h.mesh('agent', 'list', agent, '--json')).stdout).local as any[]).find(s => s.key === key)
    expect(row).toMatchObject({ sync: 'stuck', captured: good.length, stuck: { line: 5 } })
    expect(row.stuck.why).toContain('(lines 1-4 are in mesh)')
  }

  it('a Codex rollout with a line that is not UTF-8: the lines before it are stored, exit 2, agent list says stuck', async () => {
    const id = '0193a7c2-5e4f-7a10-8b2c-0000000bad02'
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const f = join(day, `rollout-2026-12-01T10-00-00-${id}.jsonl`)
    const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id, timestamp: '2026-12-01T10:00:00.000Z', cwd: OLD_CWD, originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    const msg = (t: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'event_msg', payload: { type: 'user_message', message: t } })
    const { good, bad } = await midBad(f, [meta, ...[1, 2, 3].map(i => msg(`message ${i}`)), msg('bad XX'), ...[5, 6, 7, 8].map(i => msg(`message ${i}`))], 4)
    await stuckImport('codex', f, `agent:codex:${id}`, good, bad)
  }, 120_000)

  it('an OpenClaw transcript with a line that is not UTF-8: the lines before it are stored, exit 2, agent list says stuck', async () => {
    const id = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1bbad3'
    const dir = join(h.dir, 'openclaw', 'agents', 'main', 'sessions')
    await mkdir(dir, { recursive: true })
    const f = join(dir, `${id}.jsonl`)
    const head = JSON.stringify({ type: 'session', version: 3, id, timestamp: '2026-11-20T09:00:00.000Z', cwd: OLD_CWD })
    const msg = (i: number, t: string): string => JSON.stringify({ type: 'message', id: `m${i}`, parentId: i === 1 ? null : `m${i - 1}`, timestamp: '2026-11-20T09:00:05.000Z', message: { role: i % 2 === 1 ? 'user' : 'assistant', content: [{ type: 'text', text: t }], timestamp: 1795078805000 } })
    const { good, bad } = await midBad(f, [head, ...[1, 2, 3].map(i => msg(i, `turn ${i}`)), msg(4, 'bad XX'), ...[5, 6, 7, 8].map(i => msg(i, `turn ${i}`))], 4)
    await stuckImport('openclaw', f, `agent:openclaw:${id}`, good, bad)
  }, 120_000)
})
