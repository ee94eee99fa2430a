/**
 * The session a `--file` import names is the one inside the file, not its file name: a copy of a
 * Claude Code transcript (`backup.jsonl`) or an OpenClaw archive (`<id>.jsonl.reset.<ts>`) keys
 * and resumes as the session its lines belong to, so `claude --resume <id>` and OpenClaw find it.
 * Files the agents named themselves keep their names.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { claudeSessionId, CodexSource, codexSessionId, findCodexSession, listCodexSessions, openclawSessionId, readClaudeBundle, readCodexRollout, readCodexSessionId, readOpenclawSession } from '../../src/agents/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
async function tmp (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return t.dir }

const OLD = '0f3a9c1e-2b4d-4e6f-8a0b-1c2d3e4f5a6b'
const SID = '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f'
const line = (o: object): string => JSON.stringify(o) + '\n'

describe('the key of a --file import', () => {
  it('Claude Code: a renamed copy is keyed by the sessionId of its lines; an agent-named file by its name', async () => {
    const d = await tmp()
    const body = line({ type: 'user', uuid: 'u1', parentUuid: null, sessionId: OLD, cwd: '/w', isSidechain: false, message: { role: 'user', content: 'hi' } }) +
      line({ type: 'assistant', uuid: 'a1', parentUuid: 'u1', sessionId: SID, cwd: '/w', isSidechain: false, message: { role: 'assistant', content: [{ type: 'text', text: 'yo' }] } }) +
      line({ type: 'user', uuid: 's1', parentUuid: null, sessionId: OLD, cwd: '/w', isSidechain: true, message: { role: 'user', content: 'side' } }) +
      line({ type: 'summary', summary: 'title', leafUuid: 'a1' })
    await writeFile(join(d, 'backup.jsonl'), body)
    await writeFile(join(d, `${SID}.jsonl`), body)
    expect((await readClaudeBundle(join(d, 'backup.jsonl'))).sessionId).toBe(SID)
    // The agent's own file: its name is the session (its first lines may be a resumed one's).
    expect((await readClaudeBundle(join(d, `${SID}.jsonl`))).sessionId).toBe(SID)
    // The metadata line's content id names the session, whichever the file is called.
    const a = (await readClaudeBundle(join(d, 'backup.jsonl'))).records.map(r => r.id)
    const b = (await readClaudeBundle(join(d, `${SID}.jsonl`))).records.map(r => r.id)
    expect(a).toEqual(b)
    // No session id in the lines at all: the name is all there is.
    expect(claudeSessionId(['{"type":"summary","summary":"x"}'], 'notes')).toBe('notes')
  })

  it('OpenClaw: a copy or an archive is keyed by its header id and goes back as <id>.jsonl; a topic file keeps its name', async () => {
    const d = await tmp()
    const header = line({ type: 'session', version: 3, id: SID, timestamp: '2026-05-05T00:00:00Z', cwd: '/w' }) +
      line({ type: 'message', id: 'u1', parentId: null, timestamp: '2026-05-05T00:00:01Z', message: { role: 'user', content: 'hi' } })
    await mkdir(join(d, 'x'))
    for (const n of ['backup.jsonl', `${SID}.jsonl.reset.2026-05-06T00-00-00Z`, `${SID}.jsonl`, `${SID}-topic-42.jsonl`]) await writeFile(join(d, 'x', n), header)
    const copy = await readOpenclawSession(join(d, 'x', 'backup.jsonl'))
    expect(copy).toMatchObject({ sessionId: SID, name: `${SID}.jsonl` })
    expect(await readOpenclawSession(join(d, 'x', `${SID}.jsonl.reset.2026-05-06T00-00-00Z`))).toMatchObject({ sessionId: SID, name: `${SID}.jsonl` })
    expect(await readOpenclawSession(join(d, 'x', `${SID}.jsonl`))).toMatchObject({ sessionId: SID, name: `${SID}.jsonl` })
    expect(await readOpenclawSession(join(d, 'x', `${SID}-topic-42.jsonl`))).toMatchObject({ sessionId: `${SID}-topic-42`, name: `${SID}-topic-42.jsonl` })
    expect(openclawSessionId(undefined, 'legacy.jsonl')).toBe('legacy')
  })

  it('Codex: a renamed rollout is keyed by its session_meta id', async () => {
    const d = await tmp()
    await writeFile(join(d, 'export.jsonl'), line({ timestamp: '2026-01-02T03:04:05Z', type: 'session_meta', payload: { id: SID, cwd: '/w', timestamp: '2026-01-02T03:04:05Z' } }))
    expect((await readCodexRollout(join(d, 'export.jsonl'))).sessionId).toBe(SID)
  })

  // The rule codex resume goes by (the thread id in session_meta), the same for every reader.
  it('Codex: a rollout whose name says another id keys by its session_meta id in the import, the listing and the follower', async () => {
    const home = await tmp()
    const day = join(home, 'sessions', '2026', '01', '02')
    await mkdir(day, { recursive: true })
    const path = join(day, `rollout-2026-01-02T03-04-05-${OLD}.jsonl`)
    // A first line longer than one read of the file's head.
    await writeFile(path, line({ timestamp: '2026-01-02T03:04:05Z', type: 'session_meta', payload: { id: SID, cwd: '/w', timestamp: '2026-01-02T03:04:05Z', instructions: 'x'.repeat(100_000) } }) +
      line({ timestamp: '2026-01-02T03:04:06Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] } }))
    const env = { CODEX_HOME: home }
    expect((await readCodexRollout(path, { env })).sessionId).toBe(SID)
    expect(await readCodexSessionId(path)).toEqual({ sessionId: SID, settled: true })
    expect((await listCodexSessions(env)).map(s => s.sessionId)).toEqual([SID])
    // Found by the id codex resume takes, and by the one its name shows.
    expect((await findCodexSession(SID, env)).path).toBe(path)
    expect((await findCodexSession(OLD, env)).path).toBe(path)
    const [stream] = (await new CodexSource(env).scan()).streams
    expect(stream?.key).toBe(`agent:codex:${SID}`)
    expect(stream?.id).toBe(`codex:${path}#${SID}`)

    // No session_meta line: the name's id, for every reader.
    const bare = join(day, `rollout-2026-01-02T03-04-07-${SID.replace('7c1d', '9c1d')}.jsonl`)
    await writeFile(bare, line({ timestamp: '2026-01-02T03:04:07Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [] } }))
    const bareId = SID.replace('7c1d', '9c1d')
    expect(codexSessionId([], `rollout-x-${bareId.toUpperCase()}.jsonl`)).toBe(bareId)
    expect((await readCodexRollout(bare, { env })).sessionId).toBe(bareId)
    expect((await readCodexSessionId(bare)).sessionId).toBe(bareId)

    // A rollout whose first line is still being written is not keyed yet: the follower waits for it.
    const fresh = join(day, `rollout-2026-01-02T03-04-08-${OLD.replace('0f3a', '1f3a')}.jsonl`)
    await writeFile(fresh, '{"timestamp":"2026-01-02T03:04:08Z","type":"session_me')
    expect((await readCodexSessionId(fresh)).settled).toBe(false)
    expect((await new CodexSource(env).scan()).streams.map(s => s.key).sort()).toEqual([`agent:codex:${SID}`, `agent:codex:${bareId}`].sort())

    // A symlink named as a rollout is none (its reads refuse one): the listing and the follower
    // pass it by and go on with the others, where its ELOOP used to end both.
    await symlink(path, join(day, `rollout-2026-01-02T03-04-09-${OLD.replace('0f3a', '2f3a')}.jsonl`))
    expect((await listCodexSessions(env)).map(s => s.sessionId).sort()).toEqual([SID, bareId, OLD.replace('0f3a', '1f3a')].sort())
    expect((await new CodexSource(env).scan()).streams.map(s => s.key).sort()).toEqual([`agent:codex:${SID}`, `agent:codex:${bareId}`].sort())
  })

  it('Codex: a session_meta id that is no UUID does not make the key: the name\'s id does', () => {
    const meta = line({ type: 'session_meta', payload: { id: 'not a session id', cwd: '/w' } })
    expect(codexSessionId([meta], `rollout-x-${OLD}.jsonl`)).toBe(OLD)
  })
})

describe('a sub-agent transcript given as --file', () => {
  it('is refused, naming the parent session to import instead', async () => {
    const d = await tmp()
    await mkdir(join(d, SID, 'subagents'), { recursive: true })
    const p = join(d, SID, 'subagents', 'agent-x1.jsonl')
    await writeFile(p, line({ type: 'user', uuid: 's1', parentUuid: null, sessionId: SID, agentId: 'x1', isSidechain: true, cwd: '/w', message: { role: 'user', content: 'task' } }) +
      line({ type: 'assistant', uuid: 's2', parentUuid: 's1', sessionId: SID, agentId: 'x1', isSidechain: true, cwd: '/w', message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] } }))
    await expect(readClaudeBundle(p)).rejects.toThrow(`is a sub-agent's transcript of Claude Code session ${SID}: import that session's main file (${SID}.jsonl, with --session ${SID})`)
  })
})
