/**
 * Claude Code and Codex sessions through two real `mesh join` daemons on loopback: imported on
 * A from a user's agent home (whose credential files are FIFOs: opening one would hang the
 * import, so finishing proves they were never read), replicated to B, resumed on B into another
 * CLAUDE_CONFIG_DIR and cwd: the file sits at the exact slug path with mode 0600, passes the
 * chain check, differs from the original only in the rewritten paths, and importing it back
 * restores the original bytes (nothing new is stored). A second resume while the file was just
 * written is refused.
 */
import { execFileSync } from 'node:child_process'
import { cp, mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkChain, claudePathFields, remapLines, sanitizePath, splitJsonl, joinJsonl } from '../../src/agents/index.js'
import { runCli, type RunResult } from '../helpers/cli.js'
import type { Daemon } from '../helpers/daemon.js'
import { startDeskLaptop } from '../helpers/desk-laptop.js'
import { poll } from '../helpers/wait.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const CID = '0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c'
const ROLLOUT = `rollout-2026-11-21T10-00-00-${CID}.jsonl`
const OLD_CWD = '/home/alice/src/app'

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

/** A user's home on one machine: its agent files, and credential files that hang whoever opens them. */
async function userHome (name: string): Promise<{ home: string, env: NodeJS.ProcessEnv }> {
  const home = join(dir, name)
  await mkdir(join(home, '.claude'), { recursive: true })
  await mkdir(join(home, '.codex'), { recursive: true })
  for (const f of ['.claude/.credentials.json', '.claude.json', '.codex/auth.json']) execFileSync('mkfifo', [join(home, f)])
  return { home, env: { ...env, HOME: home, MESH_AGENT_MOUNTS: join(home, 'mounts.json') } }
}

describe('mesh agent: Claude Code from one machine to another', () => {
  it('imports on A, replicates to B, resumes on B under another cwd, and imports back to the same bytes', async () => {
    const desk = await userHome('desk-user')
    const project = join(desk.home, '.claude', 'projects', sanitizePath(OLD_CWD))
    await mkdir(project, { recursive: true })
    await cp(join(FIX, 'claude', `${SID}.jsonl`), join(project, `${SID}.jsonl`))
    await cp(join(FIX, 'claude', SID), join(project, SID), { recursive: true })
    const original = await readFile(join(project, `${SID}.jsonl`))
    const subOriginal = await readFile(join(project, SID, 'subagents', 'agent-a1b2c3.jsonl'))

    const imp = await runCli(['agent', 'import', 'claude', '--session', SID, '--home', a.home, '--json'], { env: desk.env })
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp)).toMatchObject({ key: `agent:claude:${SID}`, lines: 24, added: 29, cwd: OLD_CWD })
    // Idempotent: the same file again adds nothing.
    const again = await runCli(['agent', 'import', 'claude', '--session', SID, '--home', a.home, '--json'], { env: desk.env })
    expect(json(again).added).toBe(0)
    const all = await runCli(['agent', 'import', 'claude', '--all', '--home', a.home, '--json'], { env: desk.env })
    expect(all.code, all.stderr).toBe(0)
    expect(json(all)).toMatchObject([{ sessionId: SID, added: 0 }])
    const listed = await runCli(['agent', 'list', 'claude', '--home', a.home, '--json'], { env: desk.env })
    expect(json(listed).local).toMatchObject([{ sessionId: SID, imported: true }])

    // B gets every record: its export without a mapping is the original file.
    const laptop = await userHome('laptop-user')
    const copy = join(laptop.home, 'copy.jsonl')
    await poll('the session on B', async () => {
      const r = await runCli(['agent', 'export', `agent:claude:${SID}`, '--force', '--out', copy, '--home', b.home], { env: laptop.env })
      return r.code === 0 && (await readFile(copy)).equals(original)
    })
    const shown = await runCli(['session', 'show', `agent:claude:${SID}`, '--home', b.home, '--all'], { env: laptop.env })
    expect(shown.stdout).toContain('The login cookie expires too early')
    expect(shown.stdout).toContain('[future-synthetic-record]')

    // Resume on B, another config dir and cwd; a stale picker index is removed.
    const config = join(laptop.home, 'claude-config')
    const cwd = join(laptop.home, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    const slugDir = join(config, 'projects', sanitizePath(cwd))
    await mkdir(slugDir, { recursive: true })
    await writeFile(join(slugDir, 'sessions-index.json'), '{"version":1,"entries":[]}')
    const benv = { ...laptop.env, CLAUDE_CONFIG_DIR: config }
    // The recorded cwd is not a directory here: asked for, not printed in a command that fails.
    const where = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--home', b.home], { env: benv })
    expect(where.code).toBe(2)
    expect(where.stderr).toContain(`where does this project live here? It was at ${OLD_CWD}, which is not a directory on this machine. `)
    expect(where.stderr).toContain('Pass cwd (--cwd DIR)')
    // --out is Hermes's: a Claude Code session goes where Claude Code looks for it (export writes a file).
    const out = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--cwd', cwd, '--out', join(laptop.home, 'x.jsonl'), '--home', b.home], { env: benv })
    expect(out.code).toBe(2)
    expect(out.stderr).toContain(`mesh agent export agent:claude:${SID} --out FILE`)
    await expect(stat(join(laptop.home, 'x.jsonl'))).rejects.toThrow()
    const res = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--cwd', cwd, '--home', b.home, '--json'], { env: benv })
    expect(res.code, res.stderr).toBe(0)
    const r = json(res)
    const path = join(slugDir, `${SID}.jsonl`)
    expect(r).toMatchObject({ path, indexDropped: true, command: `cd ${cwd} && claude --resume ${SID}` })
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    await expect(stat(join(slugDir, 'sessions-index.json'))).rejects.toThrow()
    const written = await readFile(path)
    const lines = splitJsonl(written).lines
    expect(checkChain(lines)).toEqual([])
    // Only the paths changed: the new cwd put back gives the original bytes.
    expect(written.equals(original)).toBe(false)
    expect(written.toString().split(cwd).join(OLD_CWD)).toBe(original.toString())
    expect(Buffer.from(joinJsonl(remapLines(lines, claudePathFields, { from: cwd, to: OLD_CWD }).lines)).equals(original)).toBe(true)
    // Side files beside it: the sub-agent transcript (paths rewritten too), its meta, a tool result.
    const sub = await readFile(join(slugDir, SID, 'subagents', 'agent-a1b2c3.jsonl'), 'utf8')
    expect(sub.split(cwd).join(OLD_CWD)).toBe(subOriginal.toString())
    expect(await readFile(join(slugDir, SID, 'subagents', 'agent-a1b2c3.meta.json'), 'utf8')).toBe(await readFile(join(FIX, 'claude', SID, 'subagents', 'agent-a1b2c3.meta.json'), 'utf8'))
    expect(await readFile(join(slugDir, SID, 'tool-results', 'toolu_01Big.txt'), 'utf8')).toBe(await readFile(join(FIX, 'claude', SID, 'tool-results', 'toolu_01Big.txt'), 'utf8'))

    // Run again at once: every file is there as it would be written, so nothing is written (or refused).
    const mtime = (await stat(path)).mtimeMs
    const twice = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--home', b.home, '--json'], { env: benv })
    expect(twice.code, twice.stderr).toBe(0)
    expect((await stat(path)).mtimeMs).toBe(mtime)
    expect(json(twice)).toMatchObject({ path, unchanged: true })
    const said = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--home', b.home], { env: benv })
    expect(said.stdout).toContain(`${path} is already as mesh would write it: left as it is`)
    // Just written by Claude Code (a line mesh has not got): it could be writing on; a resume now is refused.
    await writeFile(path, Buffer.concat([written, Buffer.from('{"type":"summary","summary":"just now"}\n')]))
    const busy = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--home', b.home], { env: benv })
    // Not bad input: the same command works once Claude Code is done (exit 1, AGENT_BUSY).
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(/may be running this session here .*Stop it, wait a few seconds, and run the resume again/)
    await writeFile(path, written)
    // A resume refused in another cwd (a file there holds a line mesh has not got) leaves the
    // remembered cwd as it was.
    const other = join(laptop.home, 'work', 'other')
    const otherSlug = join(config, 'projects', sanitizePath(other))
    await mkdir(otherSlug, { recursive: true })
    await writeFile(join(otherSlug, `${SID}.jsonl`), '{"type":"summary","summary":"only here"}\n')
    await utimes(join(otherSlug, `${SID}.jsonl`), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    const refused = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--cwd', other, '--home', b.home], { env: benv })
    expect(refused.code, refused.stderr).toBe(2)
    // The cwd was remembered for the project: a later resume needs no --cwd.
    const old = new Date(Date.now() - 60_000)
    await utimes(path, old, old)
    const again2 = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--home', b.home, '--json'], { env: benv })
    expect(again2.code, again2.stderr).toBe(0)
    expect(json(again2).path).toBe(path)

    // Importing the resumed file back on B stores nothing new: it maps back to the original bytes.
    const back = await runCli(['agent', 'import', 'claude', '--file', path, '--home', b.home, '--json'], { env: benv })
    expect(back.code, back.stderr).toBe(0)
    expect(json(back)).toMatchObject({ added: 0, mappedFrom: cwd })

    // Claude Code goes on on B: its new line comes back to A, where a resume in the original cwd has it.
    const next = JSON.stringify({ parentUuid: 'a-0008', isSidechain: false, userType: 'external', cwd, sessionId: SID, version: '2.1.97', gitBranch: 'main', type: 'user', message: { role: 'user', content: 'ship it' }, uuid: 'u-0100', timestamp: '2026-11-21T08:00:00.000Z' })
    await writeFile(path, Buffer.concat([await readFile(path), Buffer.from(next + '\n')]))
    const grown = await runCli(['agent', 'import', 'claude', '--file', path, '--home', b.home, '--json'], { env: benv })
    expect(json(grown).added).toBe(1)
    // On A the project stands at deskCwd (the recorded /home/alice/src/app is not on this machine,
    // and a resume there is asked where it lives, above).
    const deskCwd = join(desk.home, 'src', 'app')
    await mkdir(deskCwd, { recursive: true })
    const deskFile = join(desk.home, '.claude', 'projects', sanitizePath(deskCwd), `${SID}.jsonl`)
    await poll('the new line on A', async () => {
      const r = await runCli(['agent', 'resume', `agent:claude:${SID}`, '--take', '--cwd', deskCwd, '--home', a.home, '--json'], { env: desk.env })
      return r.code === 0 && (await readFile(deskFile, 'utf8')).endsWith(next.split(cwd).join(deskCwd) + '\n')
    })
    // Only the paths differ: the recorded cwd put back gives the original bytes, the new line after.
    expect((await readFile(deskFile, 'utf8')).split(deskCwd).join(OLD_CWD).startsWith(original.toString())).toBe(true)
  }, 180_000)

  it('refuses to write a transcript whose chain would break Claude Code\'s resume', async () => {
    const u = await userHome('broken-user')
    const f = join(u.home, 'broken.jsonl')
    const good = await readFile(join(FIX, 'claude', `${SID}.jsonl`), 'utf8')
    // One line lost (a-0002): a-0003 now names a parent no line has.
    await writeFile(f, good.split('\n').filter(l => !l.includes('"uuid":"a-0002"')).join('\n'))
    const imp = await runCli(['agent', 'import', 'claude', '--file', f, '--key', 'agent:claude:broken', '--home', a.home], { env: u.env })
    expect(imp.code, imp.stderr).toBe(0)
    // Kept as it is, and said at once (not first at the resume).
    expect(imp.stderr).toMatch(/note: .*broken\.jsonl is kept as it is, but Claude Code's resume would break on it .*names parent a-0002, which no line has.*mesh agent export writes it/)
    await mkdir(join(u.home, 'w'))
    const res = await runCli(['agent', 'resume', 'agent:claude:broken', '--cwd', join(u.home, 'w'), '--home', a.home], { env: { ...u.env, CLAUDE_CONFIG_DIR: join(u.home, 'cc') } })
    expect(res.code).toBe(2)
    expect(res.stderr).toMatch(/Claude Code's resume would break on it .*names parent a-0002, which no line has/)
    await expect(stat(join(u.home, 'cc', 'projects'))).rejects.toThrow()
    // Export writes it out as stored (the user's file to read or mend), and says what is wrong with it.
    const out = join(u.home, 'broken-out.jsonl')
    const exp = await runCli(['agent', 'export', 'agent:claude:broken', '--out', out, '--home', a.home, '--json'], { env: u.env })
    expect(exp.code, exp.stderr).toBe(0)
    expect(json(exp).chainProblems).toMatchObject([{ kind: 'dangling-parent', uuid: 'a-0003' }])
    expect((await readFile(out)).equals(await readFile(f))).toBe(true)
  }, 60_000)

  it('imports every session of --all but a damaged one, names it and exits 2; refuses a file that is not a session at all', async () => {
    const u = await userHome('damaged-user')
    const project = join(u.home, '.claude', 'projects', sanitizePath('/home/alice/src/many'))
    await mkdir(project, { recursive: true })
    const session = (id: string): string => [
      JSON.stringify({ parentUuid: null, cwd: '/home/alice/src/many', sessionId: id, type: 'user', message: { role: 'user', content: `hello ${id}` }, uuid: `${id}-1`, timestamp: '2026-11-20T09:00:00.000Z' }),
      JSON.stringify({ parentUuid: `${id}-1`, cwd: '/home/alice/src/many', sessionId: id, type: 'user', message: { role: 'user', content: `again ${id}` }, uuid: `${id}-2`, timestamp: '2026-11-20T09:00:01.000Z' })
    ].join('\n') + '\n'
    const ids = ['11111111-aaaa-4aaa-8aaa-000000000001', '22222222-aaaa-4aaa-8aaa-000000000002', '33333333-aaaa-4aaa-8aaa-000000000003']
    for (const id of ids) await writeFile(join(project, `${id}.jsonl`), session(id))
    // Between the others by mtime (the import goes newest first): random bytes, not UTF-8.
    const bad = join(project, '44444444-aaaa-4aaa-8aaa-000000000004.jsonl')
    await writeFile(bad, Buffer.from([0x7b, 0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a]))
    const t = Date.now() / 1000
    // And one with no records yet (a conversation not started): neither imported nor a failure.
    const empty = join(project, '55555555-aaaa-4aaa-8aaa-000000000005.jsonl')
    await writeFile(empty, '')
    for (const [i, p] of [join(project, `${ids[0] as string}.jsonl`), bad, join(project, `${ids[1] as string}.jsonl`), join(project, `${ids[2] as string}.jsonl`), empty].entries()) await utimes(p, t - 600 - i * 60, t - 600 - i * 60)

    const all = await runCli(['agent', 'import', 'claude', '--all', '--home', a.home, '--json'], { env: u.env })
    expect(all.code).toBe(2)
    expect(json(all).map((r: any) => r.sessionId).sort()).toEqual([...ids].sort())
    const err = JSON.parse(all.stderr.trim().split('\n').at(-1) as string).error
    expect(err).toMatchObject({ code: 'INVALID_INPUT', details: { failed: [{ path: bad, code: 'INVALID_INPUT' }] } })
    // Every file of the count accounted for: the empty one too.
    expect(err.message).toMatch(/^1 of 5 claude sessions could not be imported \(3 were, 1 holds no records yet\): /)
    const text = await runCli(['agent', 'import', 'claude', '--all', '--home', a.home], { env: u.env })
    expect(text.code).toBe(2)
    expect(text.stderr).toContain(`skipped: ${bad}: the file is not valid UTF-8`)
    expect(text.stdout).toMatch(/^3 claude sessions, 0 new records/)
    // The progress line counts what the result line does.
    expect(text.stderr).toContain(`skipped: ${empty} holds no records yet`)
    expect(text.stderr).toMatch(/imported 3 of 5 claude sessions/)

    // Its only session damaged: no "0 claude sessions" first, and no others said to be imported.
    const lone = await userHome('lone-damaged-user')
    const loneProject = join(lone.home, '.claude', 'projects', sanitizePath('/home/alice/src/one'))
    await mkdir(loneProject, { recursive: true })
    const loneBad = join(loneProject, '66666666-aaaa-4aaa-8aaa-000000000006.jsonl')
    await writeFile(loneBad, Buffer.from([0x7b, 0xff, 0xfe, 0x0a]))
    const only = await runCli(['agent', 'import', 'claude', '--all', '--home', a.home], { env: lone.env })
    expect(only.code).toBe(2)
    expect(only.stdout).toBe('')
    expect(only.stderr).toContain(`1 of 1 claude session could not be imported: ${loneBad} (INVALID_INPUT)`)

    // A file with no JSON line at all (a wrong path) is not stored as a session.
    const notes = join(u.home, 'notes.txt')
    await writeFile(notes, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n')
    const wrong = await runCli(['agent', 'import', 'claude', '--file', notes, '--home', a.home], { env: u.env })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain(`${notes} holds no claude session: none of its 2 lines is a JSON object; nothing was imported`)
    const sessions = await runCli(['sessions', '--home', a.home, '--json'], { env: u.env })
    expect(sessions.stdout).not.toContain('agent:claude:notes')
    // A directory given as --file is bad input (exit 2), said as such.
    const folder = await runCli(['agent', 'import', 'claude', '--file', project, '--home', a.home], { env: u.env })
    expect(folder.code).toBe(2)
    expect(folder.stderr).toContain(`--file ${project} is a directory: give the session's file`)
    // A hook input whose session_id is not an id is said so (not "names no session_id").
    const hook = await runCli(['agent', 'hook', 'claude', '--home', a.home], { env: u.env, input: JSON.stringify({ session_id: '../../etc', hook_event_name: 'Stop' }) })
    expect(hook.code).not.toBe(0)
    expect(hook.stderr).toContain('the hook input\'s session_id "../../etc" is not a session id')
  }, 60_000)

  it('a refused resume leaves the lease where it was; once the local lines are imported, a resume keeps both sides\' lines without --force', async () => {
    const SID2 = '5e55e55e-0000-4000-8000-00000000b0f4'
    const key = `agent:claude:${SID2}`
    const desk = await userHome('lease-desk')
    const laptop = await userHome('lease-laptop')
    const deskCwd = join(desk.home, 'src', 'app')
    const lapCwd = join(laptop.home, 'src', 'app')
    await mkdir(deskCwd, { recursive: true })
    await mkdir(lapCwd, { recursive: true })
    const line = (uuid: string, parent: string | null, cwd: string, content: string): string => JSON.stringify({ parentUuid: parent, cwd, sessionId: SID2, type: 'user', message: { role: 'user', content }, uuid, timestamp: '2026-11-20T09:00:00.000Z' }) + '\n'
    const deskFile = join(desk.home, '.claude', 'projects', sanitizePath(deskCwd), `${SID2}.jsonl`)
    await mkdir(join(deskFile, '..'), { recursive: true })
    await writeFile(deskFile, line('x1', null, deskCwd, 'start') + line('x2', 'x1', deskCwd, 'go on'))
    const old = async (p: string): Promise<void> => { const t = new Date(Date.now() - 60_000); await utimes(p, t, t) }
    await old(deskFile)
    expect((await runCli(['agent', 'import', 'claude', '--file', deskFile, '--home', a.home], { env: desk.env })).code).toBe(0)
    const leaseOn = async (d: Daemon, e: NodeJS.ProcessEnv): Promise<string | undefined> => {
      const r = json(await runCli(['agent', 'list', 'claude', '--home', d.home, '--json'], { env: e }))
      return [...r.local, ...r.sessions].find((x: any) => x.key === key)?.lease?.holder
    }
    const resume = async (d: Daemon, e: NodeJS.ProcessEnv, extra: string[] = []): Promise<RunResult> => await runCli(['agent', 'resume', key, '--take', '--home', d.home, '--json', ...extra], { env: e })

    // The laptop picks it up (its own cwd), then the desk takes it back and adds a line.
    const lapFile = join(laptop.home, '.claude', 'projects', sanitizePath(lapCwd), `${SID2}.jsonl`)
    await poll('the session resumed on the laptop', async () => (await resume(b, laptop.env, ['--cwd', lapCwd])).code === 0)
    const back = await resume(a, desk.env)
    expect(back.code, back.stderr).toBe(0)
    await writeFile(deskFile, line('d5', 'x2', deskCwd, 'from the desk'), { flag: 'a' })
    await old(deskFile)
    const added = await runCli(['agent', 'import', 'claude', '--file', deskFile, '--home', a.home], { env: desk.env })
    expect(added.code, added.stderr).toBe(0)
    await poll('the desk holding the lease, seen on the laptop', async () => await leaseOn(b, laptop.env) === 'desk')
    // Meanwhile the laptop's Claude Code wrote a line of its own.
    await writeFile(lapFile, line('l1', 'x2', lapCwd, 'from the laptop'), { flag: 'a' })
    await old(lapFile)
    await poll('the desk\'s line on the laptop', async () => {
      const out = join(laptop.home, 'peek.jsonl')
      return (await runCli(['agent', 'export', key, '--force', '--out', out, '--home', b.home], { env: laptop.env })).code === 0 && (await readFile(out, 'utf8')).includes('"uuid":"d5"')
    })

    // Refused (the laptop's line is not in mesh): nothing written, and the lease stays with the desk.
    const refused = await resume(b, laptop.env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/refusing to overwrite .*holds lines this session in mesh has not got/)
    expect(await readFile(lapFile, 'utf8')).toContain('"uuid":"l1"')
    expect(await leaseOn(b, laptop.env)).toBe('desk')
    // The way out the messages name: import the file (the desk drives the session: its LEASE_HELD
    // says to write anyway with --force), then resume; both sides' lines are kept, the resume
    // needs no --force.
    const held = await runCli(['agent', 'import', 'claude', '--file', lapFile, '--home', b.home], { env: laptop.env })
    expect(held.code).toBe(1)
    expect(held.stderr).toMatch(/is driven by desk .*write anyway with --force/)
    // The lease is taken with mesh lease take (an agent's session is not continued by mesh resume).
    expect(held.stderr).not.toMatch(/`mesh resume /)
    // Refused whole: the record was not stored without its message (a later import would add neither).
    const imp = await runCli(['agent', 'import', 'claude', '--file', lapFile, '--force', '--home', b.home, '--json'], { env: laptop.env })
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp)).toMatchObject({ added: 1 })
    const ok = await resume(b, laptop.env)
    expect(ok.code, ok.stderr).toBe(0)
    expect(json(ok)).toMatchObject({ tookOverFrom: 'desk' })
    const written = await readFile(lapFile, 'utf8')
    for (const u of ['x1', 'x2', 'd5', 'l1']) expect(written).toContain(`"uuid":"${u}"`)
    // d5 (the desk's) and l1 (the laptop's) both follow x2: Claude Code continues from the last
    // in the file, and the other turn is on a side branch. Said, naming both; the chain is as written.
    const order = written.split('\n').filter(Boolean).map(l => JSON.parse(l).uuid)
    const [on, off] = order.indexOf('d5') > order.indexOf('l1') ? ['d5', 'l1'] : ['l1', 'd5']
    const turn = (u: string): object => ({ uuid: u, line: order.indexOf(u) + 1, text: u === 'd5' ? 'from the desk' : 'from the laptop', at: '2026-11-20T09:00:00.000Z', device: u === 'd5' ? 'desk' : 'laptop' })
    expect(json(ok).branches).toEqual([{ after: 'x2', continues: turn(on), side: [turn(off)] }])
    const said = await runCli(['agent', 'resume', key, '--home', b.home], { env: laptop.env })
    expect(said.code, said.stderr).toBe(0)
    const words = (u: string): string => `"${u === 'd5' ? 'from the desk' : 'from the laptop'}" (${u === 'd5' ? 'desk' : 'laptop'}, 2026-11-20 09:00 UTC, line ${order.indexOf(u) + 1})`
    expect(said.stdout).toContain(`note: the transcript splits after one point into turns written on different devices. Claude Code continues from the last in the file: ${words(on)}; this one is on a side branch it does not continue (kept in the file as written, not in the conversation it resumes): ${words(off)}\n`)
    const exported = await runCli(['agent', 'export', key, '--force', '--out', join(laptop.home, 'both.jsonl'), '--home', b.home, '--json'], { env: laptop.env })
    expect(json(exported).branches).toEqual(json(ok).branches)
    expect(await leaseOn(b, laptop.env)).toBe('laptop')
    // The desk imports its file again, unchanged, while the laptop drives: nothing new, no refusal.
    const again = await runCli(['agent', 'import', 'claude', '--file', deskFile, '--home', a.home, '--json'], { env: desk.env })
    expect(again.code, again.stderr).toBe(0)
    expect(json(again)).toMatchObject({ added: 0 })
    // The session's messages hold both sides' lines too.
    const shown = await runCli(['session', 'show', key, '--home', b.home, '--all'], { env: laptop.env })
    for (const text of ['from the desk', 'from the laptop']) expect(shown.stdout).toContain(text)
  }, 120_000)
})

describe('a line bigger than one entry', () => {
  it('travels in parts and comes back whole (a 1.5 MB tool result)', async () => {
    const u = await userHome('big-user')
    const f = join(u.home, 'big.jsonl')
    const big = 'é"\\'.repeat(500_000)
    const lines = [
      JSON.stringify({ parentUuid: null, cwd: OLD_CWD, sessionId: 'big', type: 'user', message: { role: 'user', content: 'cat the log' }, uuid: 'b1', timestamp: '2026-11-20T09:00:00.000Z' }),
      JSON.stringify({ parentUuid: 'b1', cwd: OLD_CWD, sessionId: 'big', type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: big }] }, uuid: 'b2', timestamp: '2026-11-20T09:00:01.000Z' })
    ]
    await writeFile(f, lines.join('\n') + '\n')
    const imp = await runCli(['agent', 'import', 'claude', '--file', f, '--key', 'agent:claude:big', '--home', a.home, '--json'], { env: u.env })
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp).records).toBe(2)
    // Two records, whatever parts the big one travels in.
    expect(json(imp).added).toBe(2)
    const out = join(u.home, 'big-out.jsonl')
    const want = await readFile(f)
    // Until every part has arrived, B's export leaves the incomplete line out (never half of it).
    await poll('the big session on B', async () => (await runCli(['agent', 'export', 'agent:claude:big', '--force', '--out', out, '--home', b.home], { env: u.env })).code === 0 && (await readFile(out)).equals(want))
  }, 90_000)
})

describe('mesh agent export --redact', () => {
  it('replaces planted secrets in the exported file, says how many, and leaves the rest and the stored session untouched', async () => {
    const u = await userHome('redact-user')
    const f = join(u.home, 'secret.jsonl')
    const secrets = ['sk-ant-api03-Zx9vQw8eRt7yUi6oPa5sDf4gHj3kLz2xCv1bNm0QwErTyUiOp-AbCdEf_GhIjAA', 'AKIAIOSFODNN7EXAMPLE', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a']
    const lines = [
      { parentUuid: null, cwd: OLD_CWD, sessionId: 'redact', type: 'user', message: { role: 'user', content: `use ${secrets[0] as string} and ${secrets[1] as string}` }, uuid: 'r1', timestamp: '2026-11-20T09:00:00.000Z' },
      { parentUuid: 'r1', cwd: OLD_CWD, sessionId: 'redact', type: 'user', message: { role: 'user', content: `GITHUB_TOKEN=${secrets[2] as string} PORT=8080` }, uuid: 'r2', timestamp: '2026-11-20T09:00:01.000Z' }
    ].map(l => JSON.stringify(l))
    await writeFile(f, lines.join('\n') + '\n')
    expect((await runCli(['agent', 'import', 'claude', '--file', f, '--key', 'agent:claude:redact', '--home', a.home], { env: u.env })).code).toBe(0)
    const out = join(u.home, 'shared.jsonl')
    const r = await runCli(['agent', 'export', 'agent:claude:redact', '--redact', '--out', out, '--home', a.home, '--json'], { env: u.env })
    expect(r.code, r.stderr).toBe(0)
    expect(json(r).redacted).toBe(3)
    const text = await readFile(out, 'utf8')
    for (const s of secrets) expect(text).not.toContain(s)
    expect(text).toContain('PORT=8080')
    expect(text.split('\n').filter(Boolean).map(l => JSON.parse(l).uuid)).toEqual(['r1', 'r2'])
    const plain = join(u.home, 'plain.jsonl')
    expect((await runCli(['agent', 'export', 'agent:claude:redact', '--out', plain, '--home', a.home], { env: u.env })).code).toBe(0)
    expect(await readFile(plain, 'utf8')).toBe(lines.join('\n') + '\n')
  }, 60_000)
})

describe('mesh agent: Codex', () => {
  it('imports a rollout on A and resumes it on B under CODEX_HOME at its dated path, the cwd rewritten', async () => {
    const desk = await userHome('codex-desk')
    const codexA = join(desk.home, 'codex-home')
    await cp(join(FIX, 'codex'), codexA, { recursive: true })
    const original = await readFile(join(codexA, 'sessions/2026/11/21', ROLLOUT))
    const aenv = { ...desk.env, CODEX_HOME: codexA }
    const imp = await runCli(['agent', 'import', 'codex', '--session', CID, '--home', a.home, '--json'], { env: aenv })
    expect(imp.code, imp.stderr).toBe(0)
    expect(json(imp)).toMatchObject({ key: `agent:codex:${CID}`, lines: 11, added: 11 })

    const laptop = await userHome('codex-laptop')
    const codexB = join(laptop.home, 'codex-home')
    const cwd = join(laptop.home, 'src', 'app')
    await mkdir(cwd, { recursive: true })
    const benv = { ...laptop.env, CODEX_HOME: codexB }
    let res: RunResult | undefined
    await poll('the rollout on B', async () => {
      res = await runCli(['agent', 'resume', `agent:codex:${CID}`, '--cwd', cwd, '--home', b.home, '--json'], { env: benv })
      return res.code === 0
    })
    const r = json(res as RunResult)
    const path = join(codexB, 'sessions/2026/11/21', ROLLOUT)
    expect(r).toMatchObject({ path, rewritten: 2, command: `cd ${cwd} && codex resume ${CID}` })
    const written = await readFile(path, 'utf8')
    expect(written.split(`"cwd":"${cwd}"`).join(`"cwd":"${OLD_CWD}"`)).toBe(original.toString())
    const back = await runCli(['agent', 'import', 'codex', '--file', path, '--home', b.home, '--json'], { env: benv })
    expect(json(back)).toMatchObject({ added: 0 })

    // On A, where it came from, into another directory: the rollout there (Codex names it by
    // date and id, not by directory) holds only lines mesh has, with the old cwd: rewritten.
    const pathA = join(codexA, 'sessions/2026/11/21', ROLLOUT)
    const old = new Date(Date.now() - 60_000)
    await utimes(pathA, old, old) // written a minute ago, as by a Codex that has stopped
    const moved = join(desk.home, 'src', 'moved')
    await mkdir(moved, { recursive: true })
    // (B resumed it, so B drives it: A takes it over.)
    const there = await runCli(['agent', 'resume', `agent:codex:${CID}`, '--cwd', moved, '--take', '--home', a.home, '--json'], { env: aenv })
    expect(there.code, there.stderr).toBe(0)
    expect(await readFile(pathA, 'utf8')).toBe(original.toString().split(`"cwd":"${OLD_CWD}"`).join(`"cwd":"${moved}"`))
    // A line mesh has not got is still never overwritten, whatever the directory.
    await writeFile(pathA, '{"timestamp":"2026-11-21T10:00:00.000Z","type":"event_msg","payload":{"type":"agent_message","message":"not imported"}}\n', { flag: 'a' })
    await utimes(pathA, old, old)
    await mkdir(join(desk.home, 'src', 'third'))
    const lost = await runCli(['agent', 'resume', `agent:codex:${CID}`, '--cwd', join(desk.home, 'src', 'third'), '--home', a.home, '--json'], { env: aenv })
    expect(lost.code).toBe(2)
    expect(lost.stderr).toMatch(/holds lines this session in mesh has not got/)
  }, 120_000)
})
