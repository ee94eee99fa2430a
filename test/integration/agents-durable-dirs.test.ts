/**
 * Folders mesh makes in a user's agent homes and in its own home survive a crash: a folder made is
 * an entry of its parent, so the parent of each new folder is synced (mkdirDurable), as `--out`'s
 * folders are. Real `mesh` processes under strace, which shows what a crash would keep: the
 * follower's cursor folder (`<home>/agent-follow`, made by a Claude Code hook's flush), the folder
 * of Hermes's memory lock (a first `mesh agent memory sync hermes` where Hermes is installed but has
 * no memories yet), and a skill's folder pulled into Claude Code's skills. And the follower's record
 * of a lease it took, which, lost with the power, would never be let go: written and synced.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { madeDurably, traced as strace } from '../helpers/strace.js'
import { poll } from '../helpers/wait.js'

const SID = '5e6f7a8b-0000-4000-8000-00000000d1d1'
const CWD = '/home/alice/src/durable'

const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude'), HERMES_HOME: join(d, 'agents', 'hermes'), CODEX_HOME: join(d, 'codex') }))

/** Runs `mesh ARGS --home HOME` under strace. */
const traced = async (name: string, args: string[], input = ''): Promise<string[]> => await strace(h.dir, name, [BIN, ...args, '--home', h.home], { env: h.env, input })

describe('folders mesh makes are durable: the folder above each new one is synced', () => {
  it('the follower\'s cursor folder, made by a hook\'s flush', async () => {
    const transcript = join(h.dir, `${SID}.jsonl`)
    await writeFile(transcript, JSON.stringify({ type: 'user', uuid: 'd1', parentUuid: null, sessionId: SID, cwd: CWD, timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: 'hello' } }) + '\n')
    const calls = await traced('hook', ['agent', 'hook', 'claude'], JSON.stringify({ session_id: SID, transcript_path: transcript, hook_event_name: 'Stop' }))
    expect((await stat(join(h.home, 'agent-follow'))).isDirectory()).toBe(true)
    expect(madeDurably(calls, join(h.home, 'agent-follow'))).toBe(true)
  }, 60_000)

  it('the folder of Hermes\'s memory lock, on a machine where Hermes has no memories yet', async () => {
    // Hermes installed (its home is there; mesh makes none for an agent that is not), no memories yet.
    const hermes = join(h.dir, 'agents', 'hermes')
    await mkdir(hermes, { recursive: true })
    const calls = await traced('memory', ['agent', 'memory', 'sync', 'hermes'])
    expect((await stat(join(hermes, 'memories'))).isDirectory()).toBe(true)
    expect(madeDurably(calls, join(hermes, 'memories')), 'memories made durably').toBe(true)
  }, 60_000)

  it('a skill\'s folder pulled from mesh into Claude Code\'s skills', async () => {
    const src = join(h.dir, 'skill-src', 'review')
    await mkdir(src, { recursive: true })
    await writeFile(join(src, 'SKILL.md'), '---\nname: review\ndescription: Review a diff\n---\n\nLook for bugs.\n')
    const added = spawnSync(process.execPath, [BIN, 'skills', 'add', src, '--home', h.home], { env: h.env, encoding: 'utf8', timeout: 60_000 })
    expect(added.status, added.stderr).toBe(0)
    // Claude Code installed (its folder is there; mesh makes none for an agent that is not), no skills yet.
    const claude = join(h.dir, 'claude')
    await mkdir(claude, { recursive: true })
    const calls = await traced('skills', ['agent', 'skills', 'sync', 'claude'])
    expect(await readFile(join(claude, 'skills', 'review', 'SKILL.md'), 'utf8')).toContain('Look for bugs.')
    for (const dir of [join(claude, 'skills'), join(claude, 'skills', 'review')]) expect(madeDurably(calls, dir), `${dir} made durably`).toBe(true)
  }, 60_000)
})

describe('the follower\'s record of a lease it took', () => {
  it('is synced, file and folder, before the follower goes on', async () => {
    const id = '0193a7c2-5e4f-7a10-8b2c-00000000d0d1'
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id, timestamp: '2026-12-01T10:00:00.000Z', cwd: CWD, originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    const line = JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } })
    // Written now: a live session, whose lease the follower takes and records.
    await writeFile(join(day, `rollout-2026-12-01T10-00-00-${id}.jsonl`), `${meta}\n${line}\n`)
    const log = join(h.dir, 'follow.strace')
    const leases = join(h.home, 'agent-follow', 'leases')
    const p = spawn('strace', ['-f', '-qq', '-y', '-e', 'trace=fsync,rename,renameat,renameat2', '-o', log, process.execPath, BIN, 'agent', 'follow', 'codex', '--home', h.home], { env: h.env, stdio: ['ignore', 'pipe', 'inherit'] })
    const exited = new Promise(resolve => p.once('exit', resolve))
    // strace ignores SIGINT (a terminal's goes to its command too): the follower is stopped by its own pid, as it says it.
    let out = ''
    p.stdout.on('data', (d: Buffer) => { out += d.toString() })
    try {
      await poll('the lease recorded', async () => (await readdir(leases).catch(() => [])).some(n => n.endsWith('.json')))
    } finally {
      const pid = /\(pid (\d+)\)/.exec(out)?.[1]
      if (pid !== undefined) process.kill(Number(pid), 'SIGINT'); else p.kill('SIGKILL')
      await exited
    }
    const calls = (await readFile(log, 'utf8')).split('\n')
    const renamed = calls.findIndex(l => /rename/.test(l) && l.includes(`${leases}/`) && /\.json"/.test(l) && /= 0$/.test(l))
    expect(renamed, 'the record renamed into place').toBeGreaterThan(0)
    expect(calls.slice(0, renamed).some(l => /fsync\(\d+<[^>]*leases\/[0-9a-f]+\.json\.[^>]*\.tmp>\) = 0/.test(l)), 'the record synced before its rename').toBe(true)
    expect(calls.slice(renamed + 1).some(l => l.includes(`fsync(`) && l.includes(`<${leases}>)`) && /= 0$/.test(l)), 'its folder synced after').toBe(true)
  }, 60_000)
})
