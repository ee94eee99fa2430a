/**
 * A stray file under ~/.claude/projects that holds no Claude Code session (`{}`, one line that is
 * not JSON, `{}` named `bad id!.jsonl`): `mesh agent import claude --all` says it skipped each and
 * exits 0, as `mesh agent list` calls each "no session in this file" and the follower passes it
 * by; a damaged file (not UTF-8) still fails the run (exit 2). The import exited 2 over any such
 * file, so a scheduled `import --all` failed for good over one stray file; and the follower said
 * of the `{}` named `bad id!.jsonl` that its session id cannot be a mesh key, where the import
 * says it holds no session.
 */
import { appendFile, mkdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const A = 'a1a1a1a1-0000-4000-8000-0000000000a1'
const EMPTY_OBJECT = 'b2b2b2b2-0000-4000-8000-0000000000b2'
const NOT_JSON = 'c3c3c3c3-0000-4000-8000-0000000000c3'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))

const line = (uuid: string, text: string): string =>
  JSON.stringify({ parentUuid: null, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/stray', sessionId: A }) + '\n'

let project: string
const pathOf = (id: string): string => join(project, `${id}.jsonl`)

beforeAll(async () => {
  project = join(h.dir, 'claude', 'projects', sanitizePath('/home/alice/src/stray'))
  await mkdir(project, { recursive: true })
  await writeFile(pathOf(A), line('d0000000-0000-4000-8000-000000000001', 'first'))
  await writeFile(pathOf(EMPTY_OBJECT), '{}\n')
  await writeFile(pathOf(NOT_JSON), 'not json\n')
  await writeFile(pathOf('bad id!'), '{}\n')
  const ago = new Date(Date.now() - 60_000)
  for (const id of [A, EMPTY_OBJECT, NOT_JSON, 'bad id!']) await utimes(pathOf(id), ago, ago)
})

describe('files with no session in them among the transcripts', () => {
  it('import --all says it skipped each, imports the rest and exits 0', async () => {
    const r = await h.mesh('agent', 'import', 'claude', '--all')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^1 claude session, 1 new record/)
    expect(r.stderr).toContain(`skipped: ${pathOf(EMPTY_OBJECT)} holds no claude session: its one line is no record claude writes; nothing was imported`)
    expect(r.stderr).toContain(`skipped: ${pathOf(NOT_JSON)} holds no claude session: its one line is not a JSON object; nothing was imported`)
    // The no-session reason, not the id's: the same words the follower and mesh agent list use.
    expect(r.stderr).toContain(`skipped: ${pathOf('bad id!')} holds no claude session: its one line is no record claude writes; nothing was imported`)
    expect(r.stderr).not.toContain('cannot be a mesh session key')
    const list = await h.mesh('agent', 'list', 'claude')
    const row = list.stdout.split('\n').find(l => l.endsWith(`\t${pathOf('bad id!')}`)) ?? 'no row'
    // In the words of what the import above did, not "import refuses it".
    expect(row).toContain('no session in this file (its one line is no record claude writes): mesh agent import --all passes it by (--file refuses it)')
  }, 60_000)

  it('the follower passes the bad id\'s {} by as any file with no session, and follows the rest', async () => {
    const follow = h.join('--follow', 'claude')
    await follow.waitFor(/running \(pid/, 30_000)
    await appendFile(pathOf(A), line('d0000000-0000-4000-8000-000000000002', 'more'))
    const count = async (): Promise<number> => JSON.parse((await h.mesh('session', 'show', `agent:claude:${A}`, '--json', '--tail', '0')).stdout).messageCount as number
    await poll('the new line captured', async () => await count() === 2)
    expect(follow.lines.join('\n')).not.toMatch(/bad id!|cannot be a mesh session key/)
    await follow.stop('SIGINT')
  }, 60_000)

  it('a damaged file (not UTF-8) among them still fails the run, exit 2, the no-session files counted', async () => {
    const bad = pathOf('e5e5e5e5-0000-4000-8000-0000000000e5')
    await writeFile(bad, Buffer.from([0x7b, 0xff, 0xfe, 0x0a]))
    const r = await h.mesh('agent', 'import', 'claude', '--all')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`skipped: ${bad}: the file is not valid UTF-8`)
    expect(r.stderr).toContain(`1 of 5 claude sessions could not be imported (1 was, 3 hold no session): ${bad} (INVALID_INPUT)`)
  }, 60_000)
})
