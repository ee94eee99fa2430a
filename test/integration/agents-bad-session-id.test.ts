/**
 * A Claude Code transcript whose name is no session id a mesh key can hold (`bad id!.jsonl`), as
 * a tester met it: `mesh agent import claude --all` stopped at it with INVALID_SESSION_KEY (exit 2,
 * the sessions after it never imported, no summary, `--json` stdout empty). Now it is named and
 * passed by, the rest imported, the summary printed, and the run exits 2 at the end. Real files
 * under a CLAUDE_CONFIG_DIR and real `mesh` processes.
 */
import { mkdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'

const A = 'a1a1a1a1-0000-4000-8000-000000000001'
const B = 'b2b2b2b2-0000-4000-8000-000000000002'
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
    // The error is the last line of stderr, after the progress lines.
    expect(JSON.parse(json.stderr.trim().split('\n').at(-1) as string).error).toMatchObject({ code: 'INVALID_INPUT', details: { failed: [{ path: pathOf(BAD), sessionId: BAD, code: 'INVALID_SESSION_KEY' }] } })

    // One file asked for by its path: the same words, the file named.
    const one = await h.mesh('agent', 'import', 'claude', '--file', pathOf(BAD), '--json')
    expect(one.code).toBe(2)
    expect(JSON.parse(one.stderr).error).toMatchObject({ code: 'INVALID_SESSION_KEY', details: { path: pathOf(BAD) } })
  }, 120_000)
})
