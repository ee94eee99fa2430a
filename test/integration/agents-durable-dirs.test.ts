/**
 * Folders mesh makes in a user's agent homes and in its own home survive a crash: a folder made is
 * an entry of its parent, so the parent of each new folder is synced (mkdirDurable), as `--out`'s
 * folders are. Real `mesh` processes under strace, which shows what a crash would keep: the
 * follower's cursor folder (`<home>/agent-follow`, made by a Claude Code hook's flush), the folder
 * of Hermes's memory lock (a first `mesh agent memory sync hermes` where Hermes is installed but has
 * no memories yet), and a skill's folder pulled into Claude Code's skills.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { madeDurably, traced as strace } from '../helpers/strace.js'

const SID = '5e6f7a8b-0000-4000-8000-00000000d1d1'
const CWD = '/home/alice/src/durable'

const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude'), HERMES_HOME: join(d, 'agents', 'hermes') }))

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
