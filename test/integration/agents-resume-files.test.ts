/**
 * What `mesh agent resume` does to the files already beside the ones it writes, as a user meets
 * it through real `mesh` processes on a home of their own (no daemon):
 * - OpenClaw: a `sessions.json` that is there is never replaced: one mesh cannot read (a comment,
 *   a trailing comma) refuses the resume before anything is written (INVALID_INPUT, exit 2, the
 *   file as it was, no lease taken); one it can read is kept; one that appears while the resume
 *   writes is kept too (placed by link, never by rename).
 * - A resume killed mid-write (SIGKILL) leaves a torn `<name>.mesh-<pid>-<hex>.tmp` beside a side
 *   file: the next import does not take it for a side file of the session, and the next resume
 *   removes it (only temp names of dead processes, nothing else).
 * - Claude Code: a side file changed here (a tool result, a sub-agent's meta.json) is not replaced
 *   without --force, and with it the replaced files are listed; a file already as mesh would write
 *   it is left alone and not reported as written; a side file that cannot be written (a file where
 *   its folder would be) refuses the resume before the lease is taken or anything is written, in
 *   words, not as an INTERNAL errno.
 */
import { spawn } from 'node:child_process'
import { cp, mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { readOpenclawSession, sanitizePath, writeOpenclawSession } from '../../src/agents/index.js'
import { BIN, runCli, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const OSID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const OLD_CWD = '/home/alice/src/app'
const TEMP = /\.mesh-\d+-[0-9a-f]{8}\.tmp$/

const h = cliHome()
const json = (r: RunResult): any => JSON.parse(r.stdout)
/** The --json error of a refused command, after its exit code. */
const errorOf = (r: RunResult, code: number): any => { expect(r.code, r.stderr).toBe(code); return JSON.parse(r.stderr).error }
/** `mesh ARGS` with the agents' homes given. */
const run = async (vars: Record<string, string>, ...args: string[]): Promise<RunResult> => await runCli([...args, '--home', h.home], { env: { ...h.env, ...vars }, timeoutMs: 120_000 })
const ago = new Date(Date.now() - 60_000)
/** Every file under dir, made as if written a minute ago (the agent is not writing them). */
async function settle (dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) await utimes(join(e.parentPath, e.name), ago, ago)
}
/** Who holds the session's lease now, seen from this home. */
async function leaseOf (key: string, vars: Record<string, string>): Promise<unknown> {
  const r = json(await run(vars, 'agent', 'list', 'claude', '--json'))
  const l = [...r.local, ...r.sessions].find((x: any) => x.key === key)?.lease
  return l === undefined || l.expired === true ? undefined : l.holder
}

/**
 * A Claude Code session (the fixture's, under session id `sid`) in a user's config dir at the
 * recorded cwd, imported; `extra` side files added first. Returns its key.
 */
async function claudeSession (name: string, sid: string, extra: Record<string, string | Buffer> = {}): Promise<{ key: string, config: string }> {
  const config = join(h.dir, name)
  const project = join(config, 'projects', sanitizePath(OLD_CWD))
  await mkdir(project, { recursive: true })
  await writeFile(join(project, `${sid}.jsonl`), (await readFile(join(FIX, 'claude', `${SID}.jsonl`), 'utf8')).split(SID).join(sid))
  await cp(join(FIX, 'claude', SID), join(project, sid), { recursive: true })
  const sub = join(project, sid, 'subagents', 'agent-a1b2c3.jsonl')
  await writeFile(sub, (await readFile(sub, 'utf8')).split(SID).join(sid))
  for (const [rel, data] of Object.entries(extra)) await writeFile(join(project, sid, rel), data)
  await settle(config)
  const imp = await run({ CLAUDE_CONFIG_DIR: config }, 'agent', 'import', 'claude', '--session', sid, '--json')
  expect(imp.code, imp.stderr).toBe(0)
  return { key: `agent:claude:${sid}`, config }
}

let cwd: string
beforeAll(async () => {
  cwd = join(h.dir, 'src', 'app')
  await mkdir(cwd, { recursive: true })
}, 60_000)

describe('OpenClaw: sessions.json is never replaced', () => {
  const KEY = `agent:openclaw:${OSID}`
  beforeAll(async () => {
    const state = join(h.dir, 'oc-desk')
    await cp(join(FIX, 'openclaw'), state, { recursive: true })
    await settle(state)
    const imp = await run({ OPENCLAW_STATE_DIR: state }, 'agent', 'import', 'openclaw', '--session', OSID, '--json')
    expect(imp.code, imp.stderr).toBe(0)
  }, 60_000)

  it('refuses to resume over one it cannot read (nothing written, no lease), keeps one it can read', async () => {
    const state = join(h.dir, 'oc-laptop')
    const sessions = join(state, 'agents', 'main', 'sessions')
    await mkdir(sessions, { recursive: true })
    // The user's index, with a comment and a trailing comma: not JSON mesh reads.
    const theirs = '{ // my other sessions\n  "agent:main:other": { "sessionId": "0000-other", "updatedAt": 1 },\n}\n'
    await writeFile(join(sessions, 'sessions.json'), theirs)
    const vars = { OPENCLAW_STATE_DIR: state }
    const refused = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    const err = errorOf(refused, 2)
    expect(err).toMatchObject({ code: 'INVALID_INPUT', details: { path: join(sessions, 'sessions.json') } })
    expect(err.message).toMatch(/is one mesh cannot read \(it is not valid JSON.*\), and mesh never replaces it: the other sessions it lists would be lost/)
    expect(err.message).toMatch(/Make it a JSON object again .*, or move it aside to have mesh write one holding only this session, then resume again$/)
    expect(await readFile(join(sessions, 'sessions.json'), 'utf8')).toBe(theirs)
    expect((await readdir(sessions)).sort()).toEqual(['sessions.json'])
    expect(json(await run(vars, 'agent', 'list', 'openclaw', '--json')).sessions.find((x: any) => x.key === KEY)?.lease).toBeUndefined()
    // Said in words without --json too.
    const said = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd)
    expect(said.code).toBe(2)
    expect(said.stderr).toContain(`${join(sessions, 'sessions.json')}, OpenClaw's index of the sessions in that folder, is one mesh cannot read`)

    // Mended by the user (JSON now, the other session still in it): kept as it is, the transcript written.
    const mended = '{ "agent:main:other": { "sessionId": "0000-other", "updatedAt": 1 } }\n'
    await writeFile(join(sessions, 'sessions.json'), mended)
    const ok = await run(vars, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(json(ok)).toMatchObject({ index: 'kept', path: join(sessions, `${OSID}.jsonl`) })
    expect(await readFile(join(sessions, 'sessions.json'), 'utf8')).toBe(mended)
    expect((await readdir(sessions)).filter(n => TEMP.test(n))).toEqual([])
  }, 120_000)

  it('writes one where none is, and keeps one that appears while the resume writes (no clobbering rename)', async () => {
    const src = join(h.dir, 'oc-desk', 'agents', 'main', 'sessions', `${OSID}.jsonl`)
    const { records } = await readOpenclawSession(src, { env: { OPENCLAW_STATE_DIR: join(h.dir, 'oc-desk') } })
    const env = { OPENCLAW_STATE_DIR: join(h.dir, 'oc-race') }
    const sessions = join(h.dir, 'oc-race', 'agents', 'main', 'sessions')
    const gateway = '{ "agent:main:made-by-gateway": { "sessionId": "g-1" } }\n'
    // The Gateway makes its index while mesh takes the lease: after mesh saw none there.
    const r = await writeOpenclawSession(OSID, records, { cwd, from: OLD_CWD, env, ready: async () => { await mkdir(sessions, { recursive: true }); await writeFile(join(sessions, 'sessions.json'), gateway) } })
    expect(r.index).toBe('kept')
    expect(await readFile(join(sessions, 'sessions.json'), 'utf8')).toBe(gateway)
    expect((await readdir(sessions)).filter(n => TEMP.test(n))).toEqual([])
    // None there: written, holding this session's entry.
    const fresh = join(h.dir, 'oc-fresh')
    const w = await run({ OPENCLAW_STATE_DIR: fresh }, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(w.code, w.stderr).toBe(0)
    expect(json(w)).toMatchObject({ index: 'written', sessionKey: 'agent:main:telegram:dm:4711' })
    expect(Object.keys(JSON.parse(await readFile(join(fresh, 'agents', 'main', 'sessions', 'sessions.json'), 'utf8')))).toEqual(['agent:main:telegram:dm:4711'])
  }, 120_000)
})

describe('a resume killed mid-write', () => {
  const SID5 = '5b0c3a1e-7d2f-4c61-9e0a-00000000f005'
  it('leaves a torn temp file that the next import does not store and the next resume removes', async () => {
    // A tool result big enough that its write is still going when the resume is killed.
    const huge = Buffer.alloc(48 * 1024 * 1024, 'tool output line\n')
    const { key } = await claudeSession('f5-desk', SID5, { 'tool-results/toolu_huge.txt': huge })
    const vars = (n: number): Record<string, string> => ({ CLAUDE_CONFIG_DIR: join(h.dir, `f5-laptop-${n}`) })
    let killed: { config: Record<string, string>, temp: string } | undefined
    for (let attempt = 0; attempt < 5 && killed === undefined; attempt++) {
      const v = vars(attempt)
      const side = join(v.CLAUDE_CONFIG_DIR as string, 'projects', sanitizePath(cwd), SID5)
      // A first resume puts the session here; its big file is then removed, so the next resume writes it again.
      const first = await run(v, 'agent', 'resume', key, '--cwd', cwd)
      expect(first.code, first.stderr).toBe(0)
      await rm(join(side, 'tool-results', 'toolu_huge.txt'))
      await settle(v.CLAUDE_CONFIG_DIR as string)
      const child = spawn(process.execPath, [BIN, 'agent', 'resume', key, '--cwd', cwd, '--home', h.home], { env: { ...h.env, ...v }, stdio: 'ignore' })
      let exited = false
      child.on('exit', () => { exited = true })
      let temp: string | undefined
      while (!exited && temp === undefined) {
        const names = await readdir(join(side, 'tool-results')).catch(() => [] as string[])
        const t = names.find(n => n.startsWith('toolu_huge.txt.mesh-') && TEMP.test(n))
        if (t !== undefined) { child.kill('SIGKILL'); temp = t } else await new Promise(resolve => setImmediate(resolve))
      }
      await new Promise<void>(resolve => { if (exited) resolve(); else child.on('exit', () => resolve()) })
      // The kill came after the rename: no temp left, try again.
      if (temp !== undefined && await stat(join(side, 'tool-results', temp)).then(() => true, () => false)) killed = { config: v, temp: join(side, 'tool-results', temp) }
    }
    if (killed === undefined) throw new Error('no resume was killed mid-write in 5 attempts')
    expect((await stat(killed.temp)).size).toBeLessThanOrEqual(huge.length)

    // The next import here reads the side folder: the temp file is no side file of the session.
    await settle(killed.config.CLAUDE_CONFIG_DIR as string)
    const imp = await run(killed.config, 'agent', 'import', 'claude', '--session', SID5, '--json')
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp)).toMatchObject({ added: 0 })
    const out = join(h.dir, 'f5-export.jsonl')
    const exp = await run(killed.config, 'agent', 'export', key, '--force', '--out', out, '--json')
    expect(exp.code, exp.stderr).toBe(0)
    expect(JSON.stringify(json(exp))).not.toMatch(/\.mesh-\d+-[0-9a-f]{8}\.tmp/)

    // The next resume removes it (its process is dead) and writes the file whole.
    const again = await run(killed.config, 'agent', 'resume', key, '--cwd', cwd, '--json')
    expect(again.code, again.stderr).toBe(0)
    await expect(stat(killed.temp)).rejects.toMatchObject({ code: 'ENOENT' })
    expect((await readFile(join(killed.temp, '..', 'toolu_huge.txt'))).equals(huge)).toBe(true)
  }, 300_000)

  it('removes only temp names of dead processes: a live one\'s, and names merely like them, stay', async () => {
    const SID6 = '5b0c3a1e-7d2f-4c61-9e0a-00000000f006'
    const { key } = await claudeSession('f5b-desk', SID6)
    const v = { CLAUDE_CONFIG_DIR: join(h.dir, 'f5b-laptop') }
    expect((await run(v, 'agent', 'resume', key, '--cwd', cwd)).code).toBe(0)
    const project = join(v.CLAUDE_CONFIG_DIR, 'projects', sanitizePath(cwd))
    // A process that has ended: its pid names a dead writer.
    const dead = await new Promise<number>(resolve => { const c = spawn(process.execPath, ['-e', '0']); c.on('exit', () => resolve(c.pid as number)) })
    const stale = join(project, SID6, 'tool-results', `toolu_01Big.txt.mesh-${dead}-0badc0de.tmp`)
    const live = join(project, SID6, 'tool-results', `toolu_01Big.txt.mesh-${process.pid}-0badc0de.tmp`)
    const like = join(project, `notes.mesh-${dead}-xyz.tmp`)
    for (const f of [stale, live, like]) await writeFile(f, 'half a tool res')
    await settle(v.CLAUDE_CONFIG_DIR)
    const imp = await run(v, 'agent', 'import', 'claude', '--session', SID6, '--json')
    expect(json(imp)).toMatchObject({ added: 0 })
    const again = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--json')
    expect(again.code, again.stderr).toBe(0)
    await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' })
    for (const f of [live, like]) expect(await readFile(f, 'utf8')).toBe('half a tool res')
  }, 120_000)
})

describe('Claude Code: the side files already here', () => {
  it('refuses to replace a side file changed here unless --force, then lists what it replaced; an unchanged transcript is not reported written', async () => {
    const SID7 = '5b0c3a1e-7d2f-4c61-9e0a-00000000f007'
    const { key } = await claudeSession('f6-desk', SID7)
    const v = { CLAUDE_CONFIG_DIR: join(h.dir, 'f6-laptop') }
    const first = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--json')
    expect(first.code, first.stderr).toBe(0)
    const main = join(v.CLAUDE_CONFIG_DIR, 'projects', sanitizePath(cwd), `${SID7}.jsonl`)
    const tool = join(main, '..', SID7, 'tool-results', 'toolu_01Big.txt')
    const meta = join(main, '..', SID7, 'subagents', 'agent-a1b2c3.meta.json')
    expect(json(first).files).toContain(main)
    const mainBytes = await readFile(main)
    await writeFile(tool, 'edited here\n')
    await writeFile(meta, '{"agentType":"edited-here"}\n')
    await settle(v.CLAUDE_CONFIG_DIR)

    // Without --force: refused, both edits kept.
    const refused = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--json')
    const err = errorOf(refused, 2)
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toMatch(/^refusing to overwrite .*(agent-a1b2c3\.meta\.json|toolu_01Big\.txt): it was changed here: it is none of the versions this session in mesh holds \(import it first with `mesh agent import claude --file .*`, adding --force if another device drives the session; or pass --force to replace it, and what it holds that mesh has not is lost\)$/)
    expect(await readFile(tool, 'utf8')).toBe('edited here\n')
    expect(await readFile(meta, 'utf8')).toBe('{"agentType":"edited-here"}\n')

    // Imported, the edit is a version mesh holds: the resume leaves it as it is.
    const imp = await run(v, 'agent', 'import', 'claude', '--session', SID7, '--json')
    expect(imp.code, imp.stderr).toBe(0)
    const kept = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--json')
    expect(kept.code, kept.stderr).toBe(0)
    expect(json(kept)).toMatchObject({ unchanged: true, files: [] })
    expect(await readFile(tool, 'utf8')).toBe('edited here\n')

    // Edited again, then --force: replaced with mesh's version, and said; the transcript, as mesh would write it, is not written.
    await writeFile(tool, 'edited again\n')
    await settle(v.CLAUDE_CONFIG_DIR)
    const forced = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--force', '--json')
    expect(forced.code, forced.stderr).toBe(0)
    const r = json(forced)
    expect(r.replaced).toEqual([tool])
    expect(r.files).toEqual([tool])
    expect(r.kept).toContain(main)
    expect(r.unchanged).toBeUndefined()
    expect(await readFile(tool, 'utf8')).toBe('edited here\n')
    expect((await readFile(main)).equals(mainBytes)).toBe(true)
  }, 120_000)

  it('refuses, before taking the lease or writing anything, a side file it could not write, said in words', async () => {
    const SID8 = '5b0c3a1e-7d2f-4c61-9e0a-00000000f008'
    const { key } = await claudeSession('f6b-desk', SID8)
    const v = { CLAUDE_CONFIG_DIR: join(h.dir, 'f6b-laptop') }
    const side = join(v.CLAUDE_CONFIG_DIR, 'projects', sanitizePath(cwd), SID8)
    await mkdir(side, { recursive: true })
    // A file where the tool results' folder would be.
    await writeFile(join(side, 'tool-results'), 'not a folder\n')
    const rel = await run(v, 'lease', 'release', key)
    expect(rel.code, rel.stderr).toBe(0)
    expect(await leaseOf(key, v)).toBeUndefined()
    const refused = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--json')
    const err = errorOf(refused, 2)
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: `cannot write ${join(side, 'tool-results', 'toolu_01Big.txt')}: ${join(side, 'tool-results')} is a file, where its folder would be` })
    // Nothing written, no lease taken.
    expect((await readdir(side)).sort()).toEqual(['tool-results'])
    await expect(stat(`${side}.jsonl`)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await leaseOf(key, v)).toBeUndefined()
    // Without --json: in words, no INTERNAL.
    const said = await run(v, 'agent', 'resume', key, '--cwd', cwd)
    expect(said.code).toBe(2)
    expect(said.stderr).not.toMatch(/INTERNAL|EEXIST|ENOTDIR/)
    // Once the file is moved away, the resume goes through and takes the lease.
    await rm(join(side, 'tool-results'))
    const ok = await run(v, 'agent', 'resume', key, '--cwd', cwd, '--json')
    expect(ok.code, ok.stderr).toBe(0)
    expect(await leaseOf(key, v)).toBeDefined()
  }, 120_000)
})
