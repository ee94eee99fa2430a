/**
 * `mesh agent resume` of an OpenClaw session onto a machine whose OpenClaw has had no session
 * yet: its `agents/main/sessions/sessions.json` is `{}`. OpenClaw lists a file-era transcript
 * only through that index, and the resume kept the index as it was (`"index": "kept"`), so the
 * session it wrote was not listed and `openclaw resume KEY` did not find it. The resume now adds
 * the session's entry to an index that lists none, under OpenClaw's own lock
 * (`sessions.json.lock`), atomically, keeping the file's mode and its other bytes; while another
 * writer holds that lock it waits, and says so if the lock is not let go (the transcript in
 * place, the index as it was), and the next resume adds the entry.
 */
import { chmod, cp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const OSID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const KEY = `agent:openclaw:${OSID}`
const SESSION_KEY = 'agent:main:telegram:dm:4711'

const h = cliHome()
const run = async (vars: Record<string, string>, ...args: string[]): Promise<RunResult> => await runCli([...args, '--home', h.home], { env: { ...h.env, ...vars }, timeoutMs: 120_000 })

describe('OpenClaw resume onto an install with no session yet (sessions.json is {})', () => {
  it('adds the session\'s entry to the index, atomically, under OpenClaw\'s lock, the rest of the file kept', async () => {
    // The session, imported on the desk with its routing entry.
    const desk = join(h.dir, 'oc-desk')
    await cp(join(FIX, 'openclaw'), desk, { recursive: true })
    const ago = new Date(Date.now() - 60_000)
    for (const e of await readdir(desk, { withFileTypes: true, recursive: true })) if (e.isFile()) await utimes(join(e.parentPath, e.name), ago, ago)
    const imp = await run({ OPENCLAW_STATE_DIR: desk }, 'agent', 'import', 'openclaw', '--session', OSID, '--json')
    expect(imp.code, imp.stderr).toBe(0)

    // The laptop's OpenClaw: installed, no session yet; the user's index readable by their group.
    const state = join(h.dir, 'oc-laptop')
    const sessions = join(state, 'agents', 'main', 'sessions')
    await mkdir(sessions, { recursive: true })
    const index = join(sessions, 'sessions.json')
    await writeFile(index, '{}\n')
    await chmod(index, 0o640)
    const cwd = join(h.dir, 'src', 'app')
    await mkdir(cwd, { recursive: true })
    const vars = { OPENCLAW_STATE_DIR: state }

    // OpenClaw writes its index meanwhile (its lock held throughout): the transcript is written,
    // the index left as it is, and the user told to resume again.
    await writeFile(`${index}.lock`, JSON.stringify({ pid: 1, startedAt: Date.now() }))
    const locked = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(locked.code, locked.stderr).toBe(1)
    expect(JSON.parse(locked.stderr).error).toMatchObject({ code: 'AGENT_BUSY', details: { path: index } })
    expect(JSON.parse(locked.stderr).error.message).toMatch(/OpenClaw has held its lock .*The transcript is in place; run the resume again once OpenClaw is done/)
    expect(await readFile(index, 'utf8')).toBe('{}\n')
    const path = join(sessions, `${OSID}.jsonl`)
    expect((await stat(path)).isFile()).toBe(true)
    await rm(`${index}.lock`)

    // A stale lock that cannot be removed (a folder there): said at once, where the resume spun for ever.
    await mkdir(`${index}.lock`)
    await utimes(`${index}.lock`, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000))
    const stuck = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(stuck.code, stuck.stderr).toBe(1)
    expect(JSON.parse(stuck.stderr).error).toMatchObject({ code: 'AGENT_BUSY', details: { path: index, lock: `${index}.lock`, errno: 'EISDIR' } })
    expect(JSON.parse(stuck.stderr).error.message).toMatch(/was left by a writer that stopped, and cannot be removed \(EISDIR\)\. The transcript is in place; remove the lock, then run the resume again/)
    expect(await readFile(index, 'utf8')).toBe('{}\n')
    await rm(`${index}.lock`, { recursive: true })

    // Resumed again: the entry is added to the index, which OpenClaw lists the session from.
    const r = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ index: 'written', sessionKey: SESSION_KEY, path })
    const text = await readFile(index, 'utf8')
    const listed = JSON.parse(text)
    expect(Object.keys(listed)).toEqual([SESSION_KEY])
    expect(listed[SESSION_KEY]).toMatchObject({ sessionId: OSID, sessionFile: path, provider: 'telegram', chatType: 'direct' })
    expect(text.startsWith('{\n  "agent:main:telegram:dm:4711": {\n')).toBe(true)
    expect(text.endsWith('\n}\n')).toBe(true)
    expect((await stat(index)).mode & 0o777).toBe(0o640)
    // No lock, no temp file left; nothing else in the folder.
    expect((await readdir(sessions)).sort()).toEqual([`${OSID}.jsonl`, 'sessions.json'])

    // Resumed once more: the index lists sessions now, so it is the Gateway's and kept as it is.
    const again = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ index: 'kept' })
    expect(await readFile(index, 'utf8')).toBe(text)
  }, 120_000)
})
