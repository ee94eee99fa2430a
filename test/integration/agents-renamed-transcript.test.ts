/**
 * A Claude Code transcript renamed or copied under projects/ (`notes.jsonl`, not `<uuid>.jsonl`):
 * an import keys it by the session its lines name (the last main-chain line's `sessionId`, what
 * `claude --resume` is given), while `mesh agent list` and the follower named it by its file name.
 * So list called it "not imported" (or, for a name no key can hold, "import refuses it") while
 * `import --all` had imported it, and listed its session again as "remote-only"; the follower
 * would have captured it under another key than the import. Now all of them name it as the import
 * does, found reading back from the end of the file past a long line and a last line not whole.
 * Real files under a CLAUDE_CONFIG_DIR, real `mesh` processes and a real daemon.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const R = 'd4d4d4d4-0000-4000-8000-000000000004'
const OTHER = 'e5e5e5e5-0000-4000-8000-000000000005'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))

const line = (sid: string, uuid: string, text: string): string =>
  JSON.stringify({ parentUuid: null, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/renamed', sessionId: sid }) + '\n'

let project: string
const renamed = (): string => join(project, 'notes (copy).jsonl')

beforeAll(async () => {
  project = join(h.dir, 'claude', 'projects', sanitizePath('/home/alice/src/renamed'))
  await mkdir(project, { recursive: true })
  // The session's line (long: the file is read back in pieces of 64 KB), then a summary line
  // longer than a piece that names no session, then a line still being written that names another.
  await writeFile(renamed(), line(R, 'c0000000-0000-4000-8000-0000000000a1', 'x'.repeat(100_000)) +
    JSON.stringify({ type: 'summary', summary: 's'.repeat(70_000), leafUuid: 'c0000000-0000-4000-8000-0000000000a1' }) + '\n' +
    `{"type":"user","sessionId":"${OTHER}","uuid":"c0000000-0000-4000-8000-0000000000a2"`)
})

interface Row { sessionId: string, path: string, imported: boolean, following: boolean, refused?: string }
const rows = async (): Promise<Row[]> => {
  const r = await h.mesh('agent', 'list', 'claude', '--json')
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout).local as Row[]
}

describe('a transcript renamed under projects/', () => {
  it('mesh agent list names it by its session, importable, as the import will', async () => {
    const all = await rows()
    expect(all.find(r => r.path === renamed())).toMatchObject({ sessionId: R, imported: false })
    expect(all.find(r => r.path === renamed())?.refused).toBeUndefined()
  }, 60_000)

  it('import --all keys it by that session, and list then says it is in mesh (not "remote-only")', async () => {
    const r = await h.mesh('agent', 'import', 'claude', '--all', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as Array<{ key: string }>).map(x => x.key)).toEqual([`agent:claude:${R}`])
    const all = await rows()
    expect(all).toHaveLength(1)
    expect(all[0]).toMatchObject({ sessionId: R, path: renamed(), imported: true })
    const text = await h.mesh('agent', 'list', 'claude')
    expect(text.stdout).toContain(`in mesh as agent:claude:${R}`)
    expect(text.stdout).not.toContain('remote-only')
  }, 120_000)

  it('import --session finds it by that session', async () => {
    const r = await h.mesh('agent', 'import', 'claude', '--session', R, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ key: `agent:claude:${R}`, added: 0 })
  }, 60_000)

  it('the follower captures its new lines into the same session', async () => {
    const follow = h.join('--follow', 'claude')
    await follow.waitFor(/running \(pid/, 30_000)
    // Once mesh agent list says the follower reads it under that session (its first pass done),
    // the line being written is finished, and one more comes: both go to the session it follows.
    await poll('the follower reading it', async () => (await rows()).find(r => r.path === renamed())?.following === true)
    await appendFile(renamed(), `,"timestamp":"2026-12-01T10:01:00.000Z","message":{"role":"user","content":"done"},"cwd":"/home/alice/src/renamed","parentUuid":null,"isSidechain":false}\n`)
    await appendFile(renamed(), line(R, 'c0000000-0000-4000-8000-0000000000a3', 'more'))
    const said = async (): Promise<string[]> => (JSON.parse((await h.mesh('session', 'show', `agent:claude:${R}`, '--json', '--all')).stdout).messages as Array<{ content: string }>).map(m => m.content)
    await poll('the new lines captured', async () => { const m = await said(); return m.includes('done') && m.includes('more') })
    expect(follow.lines.join('\n')).not.toContain(`agent:claude:notes`)
    expect(JSON.parse((await h.mesh('sessions', '--json')).stdout).map((s: { key: string }) => s.key)).toEqual([`agent:claude:${R}`])
    await follow.stop('SIGINT')
  }, 120_000)
})
