/**
 * The pure agent-format code on golden fixtures (test/fixtures/agents/, written for mesh,
 * field-faithful to Claude Code 2.1.x and Codex 0.6x): line splitting, record ids, the chain
 * check, Claude Code's project slug, path rewriting on boundaries and its exact reversal,
 * redaction, the derived view, and records in the CRDT (idempotent, parts joined).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as Y from 'yjs'
import { describe, expect, it, vi } from 'vitest'
import { RecordsDoc } from '../../crdt/index.js'
import {
  checkChain, currentBranch, claudePathFields, claudeRecords, claudeView, codexPathFields, codexRecords, codexView, fromParts, joinJsonl, keepsLinesOf, projectDirName,
  redact, REDACTED, remapLines, sanitizePath, simpleHash, splitJsonl, toParts, PART_BYTES
} from '../../src/agents/index.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const CLAUDE = readFileSync(join(FIX, 'claude', `${SID}.jsonl`))
const CODEX = readFileSync(join(FIX, 'codex/sessions/2026/11/21/rollout-2026-11-21T10-00-00-0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c.jsonl'))
const lines = splitJsonl(CLAUDE).lines

describe('splitting JSONL', () => {
  it('keeps each line\'s exact text and gives back the same bytes', () => {
    expect(lines.length).toBe(24)
    expect(Buffer.from(joinJsonl(lines)).equals(CLAUDE)).toBe(true)
  })
  it('refuses bytes that are not UTF-8 (they could not come back), but waits on a character torn at the end', () => {
    expect(() => splitJsonl(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff]), Buffer.from('"}\n')]))).toThrow(/not valid UTF-8/)
    const torn = Buffer.concat([CLAUDE, Buffer.from('{"a":"'), Buffer.from('é').subarray(0, 1)])
    expect(splitJsonl(torn).taken).toBe(CLAUDE.length)
  })
  it('keeps an unterminated last line only if it parses', () => {
    const torn = Buffer.concat([CLAUDE, Buffer.from('{"type":"user","uuid":"x"')])
    const a = splitJsonl(torn)
    expect(a.lines.length).toBe(24)
    expect(a.taken).toBe(CLAUDE.length)
    const whole = Buffer.concat([CLAUDE, Buffer.from('{"type":"summary","summary":"s"}')])
    const b = splitJsonl(whole)
    expect(b.lines.length).toBe(25)
    expect(b.unterminated).toBe(true)
    expect(b.taken).toBe(whole.length)
  })
})

describe('Claude Code records', () => {
  const recs = claudeRecords(lines, SID)
  it('are keyed by uuid, metadata lines by type, session and content hash, stable across reads', () => {
    expect(recs.find(r => r.kind === 'assistant')?.id).toBe('a-0001')
    const snap = recs.filter(r => r.kind === 'file-history-snapshot')
    expect(snap).toHaveLength(2)
    expect(snap[0]?.id).toMatch(new RegExp(`^file-history-snapshot:${SID}:[0-9a-f]{20}$`))
    expect(claudeRecords(lines, SID)).toEqual(recs)
    expect(new Set(recs.map(r => r.id)).size).toBe(recs.length)
    // Unknown types pass through as what they are.
    expect(recs.find(r => r.kind === 'future-synthetic-record')?.text).toBe(lines.find(l => l.includes('future-synthetic-record')))
  })
  it('number a repeated id by occurrence (a re-import of a grown file gives the same ids)', () => {
    const dup = [...lines, lines[1] as string]
    const ids = claudeRecords(dup, SID).map(r => r.id)
    expect(ids.at(-1)).toBe('u-0001~2')
    expect(ids.slice(0, -1)).toEqual(recs.map(r => r.id))
  })
  it('keep the split assistant response as three lines sharing message.id', () => {
    const split = recs.filter(r => r.text.includes('"id":"msg_01AbCdEfGhIjKlMnOpQrStUv"'))
    expect(split.map(r => r.id)).toEqual(['a-0001', 'a-0002', 'a-0003'])
  })
  it('derive a view: prompts, answers, tool calls and results, system lines, the unknown type by name', () => {
    const v = claudeView(recs)
    expect(v[0]).toMatchObject({ id: 'u-0001', role: 'user', content: 'The login cookie expires too early — fix it ✓' })
    expect(v.find(m => m.toolCall?.name === 'Read')?.toolCall?.input).toEqual({ file_path: '/home/alice/src/app/src/session.ts' })
    expect(v.find(m => m.toolResult?.callId === 'toolu_01Glob')?.role).toBe('tool')
    expect(v.some(m => m.content.startsWith('[system:compact_boundary]'))).toBe(true)
    expect(v.some(m => m.content.startsWith('[future-synthetic-record] '))).toBe(true)
    expect(v.some(m => m.content.includes('hook_progress'))).toBe(false)
    expect(new Set(v.map(m => m.id)).size).toBe(v.length)
  })
  it('show an assistant line whose content is a plain string as its text', () => {
    const line = JSON.stringify({ parentUuid: null, sessionId: SID, type: 'assistant', message: { role: 'assistant', content: 'hello there' }, uuid: 's-1', timestamp: '2026-11-20T09:00:00.000Z' })
    expect(claudeView(claudeRecords([line], SID))).toMatchObject([{ role: 'assistant', content: 'hello there' }])
  })
  it('read a first line behind a byte order mark as the record it is, and keep its text as written', () => {
    const line = '\ufeff' + JSON.stringify({ parentUuid: null, sessionId: SID, type: 'user', message: { role: 'user', content: 'from a Windows editor' }, uuid: 'b-1', timestamp: '2026-11-20T09:00:00.000Z' })
    const [r] = claudeRecords([line], SID)
    expect(r).toMatchObject({ id: 'b-1', kind: 'user', text: line })
    expect(claudeView([r as NonNullable<typeof r>])).toMatchObject([{ role: 'user', content: 'from a Windows editor' }])
    expect(checkChain([line])).toEqual([])
  })
})

describe('the chain check', () => {
  it('passes the fixture: a rewind (two children of one parent) and a compaction boundary', () => {
    expect(checkChain(lines)).toEqual([])
  })
  it('finds a dangling parent, a duplicate uuid and a cycle', () => {
    const dangling = lines.filter(l => !l.includes('"uuid":"a-0002"'))
    expect(checkChain(dangling).map(p => p.kind)).toEqual(['dangling-parent'])
    expect(checkChain([...lines, lines[1] as string]).map(p => p.kind)).toEqual(['duplicate-uuid'])
    const cyc = ['{"type":"user","uuid":"x","parentUuid":"y"}', '{"type":"user","uuid":"y","parentUuid":"x"}']
    expect(checkChain(cyc).map(p => p.kind)).toEqual(['cycle'])
  })
})

describe('the current branch', () => {
  it('runs from the leaf back to the root, across the compaction boundary, leaving out the rewound answer', () => {
    const b = currentBranch(lines)
    expect(b[0]).toBe('u-0001')
    expect(b.at(-1)).toBe('a-0008')
    expect(b).toContain('s-0001')
    expect(b).toContain('c-0001')
    expect(b).toContain('p-0001')
    // a-0007 answered u-0005 before the user rewound and asked again (u-0006).
    expect(b).not.toContain('a-0007')
    expect(b).toContain('u-0006')
  })
})

describe('Claude Code\'s project slug', () => {
  it('replaces every character outside [a-zA-Z0-9] with -', () => {
    expect(sanitizePath('/Users/me/.agents')).toBe('-Users-me--agents')
    expect(sanitizePath('C:\\Users\\me\\project')).toBe('C--Users-me-project')
    expect(sanitizePath('/home/alice/src/app_v2 (copy)')).toBe('-home-alice-src-app-v2--copy-')
    expect(sanitizePath('/tmp/日本')).toBe('-tmp---')
  })
  it('cuts a path over 200 characters and adds a hash; an existing directory with the same prefix wins', () => {
    const long = '/home/alice/' + 'deep/'.repeat(45) + 'proj'
    const s = sanitizePath(long)
    expect(s.slice(0, 200)).toBe(long.replace(/[^a-zA-Z0-9]/g, '-').slice(0, 200))
    expect(s).toBe(`${s.slice(0, 200)}-${simpleHash(long)}`)
    expect(projectDirName(long, [])).toBe(s)
    expect(projectDirName(long, [`${s.slice(0, 200)}-bunhash1`, 'other'])).toBe(`${s.slice(0, 200)}-bunhash1`)
    expect(projectDirName('/a', ['-a'])).toBe('-a')
  })
})

describe('path rewriting', () => {
  const map = { from: '/home/alice/src/app', to: '/Users/al/work/app' }
  it('rewrites only the documented fields, on path boundaries, and the reverse gives back the original bytes', () => {
    const r = remapLines(lines, claudePathFields, map)
    const out = r.lines.join('\n')
    expect(out).not.toContain('"cwd":"/home/alice/src/app"')
    expect(out).toContain('"file_path":"/Users/al/work/app/src/session.ts"')
    expect(out).toContain('"filenames":["/Users/al/work/app/src/session.ts","/home/alice/src/app-other/x.ts"]')
    expect(out).toContain('"trackedFileBackups":{"/Users/al/work/app/src/session.ts":')
    expect(out).toContain('"path":"/Users/al/work/app/src"')
    expect(out).toContain('"file":{"filePath":"/Users/al/work/app/src/session.ts"')
    // Free text (tool results, prompts) is the conversation: untouched.
    expect(out).toContain('"content":"The file /home/alice/src/app/src/session.ts has been updated."')
    // Lines differ only in those tokens: the same JSON apart from the mapped values.
    for (const [i, l] of r.lines.entries()) {
      const a = JSON.parse(lines[i] as string); const b = JSON.parse(l)
      if (a.cwd !== undefined) expect(b.cwd).toBe(String(a.cwd).replace(map.from, map.to))
    }
    const back = remapLines(r.lines, claudePathFields, { from: map.to, to: map.from })
    expect(Buffer.from(joinJsonl(back.lines)).equals(CLAUDE)).toBe(true)
    expect(back.rewritten).toBe(r.rewritten)
  })
  it('keeps a token\'s own escapes (\\/ and \\u) when rewriting, so the reverse is exact', () => {
    const odd = ['{"cwd":"\\/home\\/alice\\/src\\/app\\/x\\u00e9","type":"user"}']
    const there = remapLines(odd, claudePathFields, map)
    expect(JSON.parse(there.lines[0] as string).cwd).toBe('/Users/al/work/app/x\u00e9')
    expect(remapLines(there.lines, claudePathFields, { from: map.to, to: map.from }).lines).toEqual(odd)
  })
  it('refuses a target whose paths the session already names (the way back would be ambiguous)', () => {
    const clash = [...lines, JSON.stringify({ type: 'user', cwd: '/Users/al/work/app/sub' })]
    expect(() => remapLines(clash, claudePathFields, map)).toThrow(/importing it back could not tell/)
  })
  it('Codex: payload.cwd of session_meta and turn_context only', () => {
    const cl = splitJsonl(CODEX).lines
    const r = remapLines(cl, codexPathFields, map)
    expect(r.rewritten).toBe(2)
    // The workdir inside the function call's arguments is conversation text.
    expect(r.lines.join('\n')).toContain('\\"workdir\\":\\"/home/alice/src/app\\"')
    expect(Buffer.from(joinJsonl(remapLines(r.lines, codexPathFields, { from: map.to, to: map.from }).lines)).equals(CODEX)).toBe(true)
  })
})

describe('Codex records', () => {
  it('are keyed by content hash, repeats numbered; the view shows messages, calls, outputs and unknown types', () => {
    const recs = codexRecords(splitJsonl(CODEX).lines, 'cid')
    const tc = recs.filter(r => r.kind === 'event_msg' && r.text.includes('token_count'))
    expect(tc[1]?.id).toBe(`${tc[0]?.id as string}~2`)
    const v = codexView(recs)
    expect(v.find(m => m.role === 'user')?.content).toBe('run the tests')
    expect(v.find(m => m.toolCall !== undefined)?.toolCall).toMatchObject({ name: 'shell', input: { command: ['npm', 'test'] } })
    expect(v.find(m => m.role === 'assistant' && m.content === 'All 12 tests pass.')).toBeDefined()
    expect(v.some(m => m.content.startsWith('[future_synthetic_record]'))).toBe(true)
  })

  it('shows a custom tool\'s output (content parts) as its text, as a message\'s content, not as JSON', () => {
    const line = JSON.stringify({ timestamp: '2026-12-01T10:00:02.000Z', type: 'response_item', payload: { type: 'custom_tool_call_output', call_id: 'call_1', output: [{ type: 'output_text', text: 'Done!' }, { type: 'input_image' }] } })
    const [m] = codexView(codexRecords([line], 'cid'))
    expect(m).toMatchObject({ role: 'tool', content: 'Done!\n[input_image]', toolResult: { callId: 'call_1', output: 'Done!\n[input_image]' } })
  })
})

describe('redaction', () => {
  const SECRETS: Array<[string, string]> = [
    ['anthropic', 'sk-ant-api03-Zx9vQw8eRt7yUi6oPa5sDf4gHj3kLz2xCv1bNm0QwErTyUiOp-AbCdEf_GhIj-KlMnOpAA'],
    ['openai', 'sk-proj-4fGh7JkL9mN2bV5cX8zQ1wE3rT6yU0iO_pAsDfGhJkLzXcVbNm'],
    ['openai legacy', 'sk-9aB8cD7eF6gH5iJ4kL3mN2oP1qR0sT9uV8wX7yZ6aB5cD4e'],
    ['aws', 'AKIAIOSFODNN7EXAMPLE'],
    ['github', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['github fine', 'github_pat_11ABCDEFG0abcdefghijkl_mnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU'],
    ['slack', 'xoxb-2048-4096-AbCdEfGhIjKlMnOpQrStUvWx'],
    ['google', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'],
    ['stripe', 'sk_live_51HqLyjWDarjtT1zdp7dcXVzQZ'],
    ['hf', 'hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789']
  ]
  it('removes each planted secret and leaves the rest untouched, counting them', () => {
    for (const [name, secret] of SECRETS) {
      const text = `before ${secret} after`
      const r = redact(text)
      expect(r.text, name).toBe(`before ${REDACTED} after`)
      expect(r.count, name).toBe(1)
    }
  })
  it('private key blocks (also inside a JSON string), bearer tokens and .env assignments', () => {
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----'
    const line = JSON.stringify({ type: 'user', message: { content: `here is my key ${pem} and curl -H "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123def456" ok` } })
    const r = redact(line)
    expect(r.count).toBe(2)
    expect(r.text).not.toContain('b3BlbnNzaC1')
    expect(r.text).not.toContain('eyJhbGci')
    expect(r.text).toContain('Authorization: Bearer [REDACTED]')
    expect(() => JSON.parse(r.text) as unknown).not.toThrow()
    const env = 'DATABASE_PASSWORD=hunter2hunter2\nSTRIPE_SECRET_KEY="abc def"\nAPI_TOKEN=xyz123\nPORT=8080\nNODE_ENV=production\n'
    const e = redact(env)
    expect(e.text).toBe('DATABASE_PASSWORD=[REDACTED]\nSTRIPE_SECRET_KEY=[REDACTED]\nAPI_TOKEN=[REDACTED]\nPORT=8080\nNODE_ENV=production\n')
    expect(e.count).toBe(3)
  })
  it('leaves ordinary text, uuids, hashes and paths alone', () => {
    const text = lines.join('\n')
    const r = redact(text)
    expect(r.count).toBe(0)
    expect(r.text).toBe(text)
  })
})

describe('records in the session document', () => {
  it('appends new records only (idempotent by file and id), in order, and replicates as Yjs updates', () => {
    const a = new RecordsDoc(new Y.Doc())
    const recs = claudeRecords(lines, SID).map(r => ({ ...r, file: '' }))
    expect(a.append(recs.slice(0, 10))).toHaveLength(10)
    expect(a.append(recs)).toHaveLength(recs.length - 10)
    expect(a.append(recs)).toHaveLength(0)
    a.setMeta({ agent: 'claude', sessionId: SID, cwd: '/home/alice/src/app' })
    const b = new RecordsDoc(new Y.Doc())
    Y.applyUpdate(b.doc, Y.encodeStateAsUpdate(a.doc))
    expect(b.slice().map(r => r.text)).toEqual(lines)
    expect(b.getMeta()).toMatchObject({ agent: 'claude', sessionId: SID })
    // A peer's records count as held.
    expect(b.append(recs)).toHaveLength(0)
  })
  it('makes records from an index on only as they are taken (a page of agents.records stops at its byte budget)', () => {
    const d = new RecordsDoc(new Y.Doc())
    d.append(Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, file: '', kind: 'user', text: `line ${i}` })))
    const get = vi.spyOn(Y.Array.prototype, 'get')
    try {
      const taken: string[] = []
      for (const r of d.from(990)) { taken.push(r.text); if (taken.length === 3) break }
      expect(taken).toEqual(['line 990', 'line 991', 'line 992'])
      expect(get).toHaveBeenCalledTimes(3)
    } finally { get.mockRestore() }
    expect(d.slice(998).map(r => r.id)).toEqual(['r998', 'r999'])
    expect(d.slice(0, 2).map(r => r.id)).toEqual(['r0', 'r1'])
  })
  it('tells each record\'s index, stepping over an item that is none, so a page of agents.records ends after its last record', () => {
    const doc = new Y.Doc()
    const d = new RecordsDoc(doc)
    d.append(Array.from({ length: 4 }, (_, i) => ({ id: `r${i}`, file: '', kind: 'user', text: `line ${i}` })))
    // An item no record reads from (an old document's, from before records were checked).
    doc.getArray('records').insert(2, [42])
    expect([...d.at(0)].map(([i, r]) => `${i}:${r.id}`)).toEqual(['0:r0', '1:r1', '3:r2', '4:r3'])
    expect([...d.at(2)].map(([i]) => i)).toEqual([3, 4])
    expect(d.slice(2).map(r => r.id)).toEqual(['r2', 'r3'])
  })
  it('holds a record over one entry\'s size in parts and joins them back', () => {
    const big = { id: 'u-big', file: '', kind: 'user', text: 'x'.repeat(PART_BYTES * 2 + 5) }
    const parts = toParts([{ id: 'u-1', file: '', kind: 'user', text: 'a' }, big])
    expect(parts).toHaveLength(4)
    const d = new RecordsDoc(new Y.Doc())
    d.append(parts)
    expect(fromParts(d.slice())).toEqual([{ id: 'u-1', file: '', kind: 'user', text: 'a' }, big])
  })
  it('never cuts a surrogate pair between two parts', () => {
    const text = 'x'.repeat(PART_BYTES - 1) + '😀'.repeat(10)
    const parts = toParts([{ id: 'e', file: '', kind: 'user', text }])
    expect(parts).toHaveLength(2)
    for (const p of parts) expect(Buffer.from(p.text, 'utf8').toString('utf8')).toBe(p.text)
    expect(fromParts(parts)[0]?.text).toBe(text)
  })
})

describe('writing over an agent file', () => {
  const f = (...lines: string[]): Buffer => Buffer.from(lines.map(l => l + '\n').join(''))
  it('keeps every line the file there holds: as a prefix, or each among the new file\'s as many times as it is there', () => {
    expect(keepsLinesOf(f('a', 'b', 'c'), f('a', 'b'))).toBe(true)
    // Both sides added a line, the local one imported since: mesh orders them its way.
    expect(keepsLinesOf(f('a', 'd', 'l'), f('a', 'l'))).toBe(true)
    expect(keepsLinesOf(f('a', 'd'), f('a', 'l'))).toBe(false)
    // The same line twice is two records: one copy in the new file does not keep both.
    expect(keepsLinesOf(f('a', 'b', 'c'), f('a', 'b', 'a'))).toBe(false)
    expect(keepsLinesOf(f('a', 'b', 'a', 'c'), f('a', 'b', 'a'))).toBe(true)
    // A file that is not UTF-8 is kept (false), not an error.
    expect(keepsLinesOf(f('a'), Buffer.from([0x61, 0xff, 0x0a, 0x62, 0x0a]))).toBe(false)
  })
})
