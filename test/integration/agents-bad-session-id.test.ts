/**
 * Claude Code files mesh can never take, as a tester met them: a transcript whose name is no
 * session id a mesh key can hold (`bad id!.jsonl`), and a transcript that is a symbolic link (one
 * to a real file, one that loops). `mesh agent import claude --all` stopped at the first with
 * INVALID_SESSION_KEY (exit 2, the sessions after it never imported, no summary, `--json` stdout
 * empty); the follower said `Invalid session key … (retrying)` and `ELOOP … (retrying)` and asked
 * again on every pass (a looping one failed its whole scan); `mesh agent list` said `not imported`
 * with no reason, and `--session` of the link said there was no such session. Now each is named,
 * said once, passed by, and the rest is imported and followed. Real files under a
 * CLAUDE_CONFIG_DIR, real `mesh` processes and a real daemon.
 */
import { appendFile, mkdir, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const A = 'a1a1a1a1-0000-4000-8000-000000000001'
const B = 'b2b2b2b2-0000-4000-8000-000000000002'
const LINKED = 'c3c3c3c3-0000-4000-8000-000000000003'
const BAD = 'bad id!'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))

const line = (sid: string, uuid: string, text: string): string =>
  JSON.stringify({ parentUuid: null, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/odd', sessionId: sid }) + '\n'

let project: string
const pathOf = (id: string): string => join(project, `${id}.jsonl`)

beforeAll(async () => {
  project = join(h.dir, 'claude', 'projects', sanitizePath('/home/alice/src/odd'))
  await mkdir(project, { recursive: true })
  await writeFile(pathOf(A), line(A, 'c0000000-0000-4000-8000-00000000000a', 'first'))
  await writeFile(pathOf(BAD), line(BAD, 'c0000000-0000-4000-8000-00000000000b', 'odd'))
  await writeFile(pathOf(B), line(B, 'c0000000-0000-4000-8000-00000000000c', 'last'))
  // Listed newest first: A, then the bad one, then B, so the bad one comes before a valid session.
  const at = (min: number): Date => new Date(Date.now() - min * 60_000)
  await utimes(pathOf(A), at(3), at(3))
  await utimes(pathOf(BAD), at(4), at(4))
  await utimes(pathOf(B), at(5), at(5))
  const elsewhere = join(h.dir, 'elsewhere.jsonl')
  await writeFile(elsewhere, line(LINKED, 'c0000000-0000-4000-8000-00000000000d', 'linked'))
  await symlink(elsewhere, pathOf(LINKED))
  await symlink('loop.jsonl', join(project, 'loop.jsonl'))
})

describe('a transcript mesh cannot take among others', () => {
  it('import --all and --since name the one whose id makes no key, import the rest, print the summary and exit 2', async () => {
    const text = await h.mesh('agent', 'import', 'claude', '--all')
    expect(text.code).toBe(2)
    expect(text.stderr).toContain(`skipped: ${pathOf(BAD)}: its session id "bad id!" cannot be a mesh session key ("bad id!" has characters outside A-Z a-z 0-9 . _ -)`)
    expect(text.stdout).toMatch(/^2 claude sessions, 2 new records/)
    expect(text.stderr).toContain(`1 of 3 claude sessions could not be imported (2 were): ${pathOf(BAD)} (INVALID_SESSION_KEY)`)

    const json = await h.mesh('agent', 'import', 'claude', '--since', '30d', '--json')
    expect(json.code).toBe(2)
    expect((JSON.parse(json.stdout) as Array<{ key: string }>).map(r => r.key).sort()).toEqual([`agent:claude:${A}`, `agent:claude:${B}`])
    // With --json no prose on stderr (was: `importing claude session 1/3…`, `skipped: …`): each
    // file passed by is a JSON line, and the error is the last line.
    const lines = json.stderr.trim().split('\n').map(l => JSON.parse(l))
    expect(lines.at(-1).error).toMatchObject({ code: 'INVALID_INPUT', details: { failed: [{ path: pathOf(BAD), sessionId: BAD, code: 'INVALID_SESSION_KEY' }] } })
    expect(lines.filter(l => l.event === 'skipped')).toEqual([{ event: 'skipped', path: pathOf(BAD), code: 'INVALID_SESSION_KEY', message: expect.stringContaining('cannot be a mesh session key') }])
    expect(lines.slice(0, -1).every(l => l.event === 'skipped' || l.event === 'warning')).toBe(true)

    // One file asked for by its path: the same words, the file named.
    const one = await h.mesh('agent', 'import', 'claude', '--file', pathOf(BAD), '--json')
    expect(one.code).toBe(2)
    expect(JSON.parse(one.stderr).error).toMatchObject({ code: 'INVALID_SESSION_KEY', details: { path: pathOf(BAD) } })
  }, 120_000)

  it('mesh agent list says why the file is not imported', async () => {
    const text = await h.mesh('agent', 'list', 'claude')
    expect(text.code, text.stderr).toBe(0)
    const row = text.stdout.split('\n').find(l => l.endsWith(`\t${pathOf(BAD)}`)) ?? 'no row'
    expect(row).toContain('not imported: its session id "bad id!" cannot be a mesh session key ("bad id!" has characters outside A-Z a-z 0-9 . _ -), so mesh agent import refuses it')
    const json = await h.mesh('agent', 'list', 'claude', '--json')
    const rows = JSON.parse(json.stdout).local as Array<{ path: string, imported: boolean, refused?: string }>
    expect(rows.find(r => r.path === pathOf(BAD))).toMatchObject({ imported: false, refused: expect.stringContaining('cannot be a mesh session key') })
    expect(rows.find(r => r.path === pathOf(A))?.refused).toBeUndefined()
  }, 60_000)

  it('import --session of a symlinked transcript says it is a link, as --file does', async () => {
    const r = await h.mesh('agent', 'import', 'claude', '--session', LINKED)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`${pathOf(LINKED)} is a symbolic link: mesh does not read or write through links`)
    expect(r.stderr).not.toContain('no Claude Code session')

    // A path given to --session: said to be one, and --file offered.
    const path = await h.mesh('agent', 'import', 'claude', '--session', pathOf(A))
    expect(path.code).toBe(2)
    expect(path.stderr).toContain(`--session ${pathOf(A)} is a path: give it with --file PATH`)
    expect((await h.mesh('agent', 'import', 'claude', '--session', `${A}.jsonl`)).stderr).toContain('is a path: give it with --file PATH')
    // A short id (its first 8 characters) that starts one session: that session offered; several: named.
    const short = await h.mesh('agent', 'import', 'claude', '--session', A.slice(0, 8))
    expect(short.code).toBe(2)
    expect(short.stderr).toContain(`no Claude Code session ${A.slice(0, 8)} under `)
    expect(short.stderr).toContain(`(did you mean ${A}?)`)
    expect((await h.mesh('agent', 'import', 'claude', '--session', 'b')).stderr).toContain(`(2 sessions start with it: ${B}, ${BAD})`)
  }, 60_000)

  it('the follower says each once, never "retrying", and follows the others', async () => {
    const follow = h.join('--follow', 'claude')
    await follow.waitFor(/running \(pid/, 30_000)
    await follow.waitFor(/bad id!\.jsonl: its session id/, 30_000)
    await follow.waitFor(new RegExp(`${LINKED}\\.jsonl is a symbolic link`), 30_000)
    // Passes go on: a line appended to a valid session is captured after them.
    await appendFile(pathOf(A), line(A, 'c0000000-0000-4000-8000-00000000000e', 'more'))
    const count = async (): Promise<number> => JSON.parse((await h.mesh('session', 'show', `agent:claude:${A}`, '--json', '--tail', '0')).stdout).messageCount as number
    await poll('the new line captured', async () => await count() === 2)
    // The bad file changed: looked at again, and still not said twice.
    await appendFile(pathOf(BAD), line(BAD, 'c0000000-0000-4000-8000-00000000000f', 'again'))
    await appendFile(pathOf(A), line(A, 'c0000000-0000-4000-8000-000000000010', 'again'))
    await poll('the next line captured', async () => await count() === 3)
    const said = (re: RegExp): string[] => follow.lines.filter(l => re.test(l))
    expect(said(/bad id!\.jsonl/)).toEqual([expect.stringContaining('(looked at again once it changes)')])
    expect(said(new RegExp(`${LINKED}\\.jsonl`))).toHaveLength(1)
    expect(said(/loop\.jsonl is a symbolic link/)).toHaveLength(1)
    expect(follow.lines.join('\n')).not.toMatch(/retrying|ELOOP|cannot list claude sessions/)
    await follow.stop('SIGINT')
  }, 120_000)
})
