/**
 * OpenClaw and Hermes formats, skills and memory sync, on golden fixtures written for mesh
 * (test/fixtures/agents/openclaw: a pi v3 transcript with a rewind, a compaction, custom and
 * unknown entries, and its sessions.json; hermes/export.jsonl: two rows as `hermes sessions
 * export --format jsonl` writes them): record ids, the exact cut and rejoin of an export row,
 * path rewrites and their reversal, the views, the labelled translations, Hermes's memory file
 * format and its lock (held by a real second process), and the three-way sync decision.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import {
  charCount, checkChain, entryFor, formatEntries, hermesBundle, hermesExport, hermesExportFile, hermesExportLines, hermesLine, hermesRecords, joinJsonl, joinRow,
  openclawPathFields, openclawRecords, openclawView, parseEntries, hermesDrift, plan3, readLocalSkills, remapLines, roundTrips, skillHash, splitJsonl,
  splitRow, translateSession, withFlock
} from '../../src/agents/index.js'
import type { NativeRecord } from '../../crdt/records.js'
import { growRow } from '../helpers/hermes-row.js'
import { tempDir } from '../helpers/tmp.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const OSID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const OPENCLAW = readFileSync(join(FIX, 'openclaw/agents/main/sessions', `${OSID}.jsonl`))
const HERMES = readFileSync(join(FIX, 'hermes/export.jsonl'))
const OLD = '/home/alice/src/app'
const main = (rs: Array<{ id: string, kind: string, text: string }>): NativeRecord[] => rs.map(r => ({ ...r, file: '' }))

describe('OpenClaw transcripts', () => {
  const lines = splitJsonl(OPENCLAW).lines
  it('are keyed by their own ids (the header by the session uuid), in order, unknown types kept', () => {
    const rs = openclawRecords(lines, OSID)
    expect(rs.length).toBe(lines.length)
    expect(rs[0]).toMatchObject({ id: OSID, kind: 'session' })
    expect(rs.map(r => r.id)).toContain('06273849')
    expect(rs.find(r => r.kind === 'future_synthetic_entry')?.text).toBe(lines[15])
    expect(Buffer.from(joinJsonl(rs.map(r => r.text))).equals(OPENCLAW)).toBe(true)
  })
  it('derive a view: prompts, thinking, tool calls and results, compaction, the unknown type by name', () => {
    const v = openclawView(openclawRecords(lines, OSID))
    expect(v.find(m => m.role === 'user')?.content).toContain('login cookie expire')
    expect(v.find(m => m.toolCall?.name === 'read')?.toolCall?.input).toMatchObject({ path: `${OLD}/src/auth/session.ts` })
    expect(v.find(m => m.role === 'tool')?.toolResult?.callId).toBe('toolu_01Read')
    expect(v.some(m => m.content.startsWith('[thinking]'))).toBe(true)
    expect(v.some(m => m.content.startsWith('[compaction]'))).toBe(true)
    expect(v.some(m => m.content.startsWith('[future_synthetic_entry]'))).toBe(true)
    expect(v.some(m => m.content === '[error] fetch failed')).toBe(true)
    expect(new Set(v.map(m => m.id)).size).toBe(v.length)
  })
  it('find their routing entry in sessions.json, a Telegram topic\'s by its thread', () => {
    const index = { 'agent:main:main': { sessionId: 's1' }, 'agent:main:telegram:group:9': { sessionId: 's2' }, 'agent:main:telegram:group:9:topic:42': { sessionId: 's2' } }
    expect(entryFor(index, 's1')?.sessionKey).toBe('agent:main:main')
    expect(entryFor(index, 's2-topic-42')?.sessionKey).toBe('agent:main:telegram:group:9:topic:42')
    expect(entryFor(index, 's2-topic-7')).toBeUndefined()
  })
  it('rewrite the header cwd and tool-call paths only, and the reverse gives back the bytes', () => {
    const to = '/Users/bob/work/app'
    const r = remapLines(lines, openclawPathFields, { from: OLD, to })
    // header cwd, read path, edit path; not the toolResult text nor details.path
    expect(r.rewritten).toBe(3)
    expect(r.lines[6]).toBe(lines[6])
    expect(JSON.parse(r.lines[0] as string).cwd).toBe(to)
    const back = remapLines(r.lines, openclawPathFields, { from: to, to: OLD })
    expect(Buffer.from(joinJsonl(back.lines)).equals(OPENCLAW)).toBe(true)
  })
})

describe('Hermes export rows', () => {
  const rows = hermesExportLines(HERMES)
  it('cut into the row and its messages and joined back byte for byte (json.dumps and compact spellings)', () => {
    expect(rows.map(r => r.sessionId)).toEqual(['20261120_080000_a1b2c3', '20261120_081500_d4e5f6'])
    for (const { line } of rows) {
      const cut = splitRow(line)
      expect(cut).toBeDefined()
      expect(cut?.head).toContain('"messages": []')
      expect(joinRow(cut?.head as string, cut?.messages as string[])).toBe(line)
    }
    const compact = JSON.stringify(JSON.parse(rows[0]?.line as string))
    expect(joinRow(splitRow(compact)?.head as string, splitRow(compact)?.messages as string[])).toBe(compact)
    expect(splitRow(compact)?.messages.length).toBe(4)
  })
  it('are records keyed by messages.id and content, and replay to the exported line', () => {
    const rs = hermesRecords(rows[0]?.line as string, rows[0]?.sessionId as string)
    expect(rs.map(r => r.kind)).toEqual(['session', 'message', 'message', 'message', 'message'])
    expect(rs[1]?.id).toMatch(/^message:101:[0-9a-f]{12}$/)
    expect(hermesLine(main(rs))).toBe(rows[0]?.line)
  })
  it('a row rewritten in place (compaction flips active) keeps its place with its latest text; new rows follow', () => {
    const line = rows[1]?.line as string
    const grown = growRow(line)
    const first = hermesRecords(line, rows[1]?.sessionId as string)
    const second = hermesRecords(grown, rows[1]?.sessionId as string)
    expect(second.map(r => r.kind)).toEqual(['session', 'message', 'message', 'message', 'message'])
    const held = new Map<string, NativeRecord>()
    for (const r of [...main(first), ...main(second)]) if (!held.has(r.id)) held.set(r.id, r)
    // The head, message 201 (changed) and 204 (new) are new records; 202 and 203 are held already.
    expect(held.size).toBe(first.length + 3)
    expect(hermesLine([...held.values()])).toBe(grown)
  })
  it('a row that does not come back from its pieces is kept whole', () => {
    const odd = '{"id": "x_1", "messages": [{"id": 1},{"id": 2}], "cwd": "/a"}'
    expect(splitRow(odd)).toBeUndefined()
    const rs = hermesRecords(odd, 'x_1')
    expect(rs).toMatchObject([{ kind: 'session_row', text: odd }])
    expect(hermesLine(main(rs))).toBe(odd)
  })
  it('a head from a document that ends inside a value, or is not JSON, is refused, not read past its end', () => {
    // Any device may write a `session` record; these once looped forever in the row reader.
    for (const head of ['{"id":"x","messages":[],"title":"abc', '{"id":"x","messages":[],"t":{"a":1', '{"id":"x","messages":[', '{"id":"x","messages":[],"t":"\\', 'not json']) {
      expect(() => joinRow(head, [])).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
      const rs = [{ id: 's', kind: 'session', text: head, file: '' }, ...main(hermesRecords(rows[0]?.line as string, 'x_1')).filter(r => r.kind === 'message')]
      expect(() => hermesLine(rs)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    }
    expect(splitRow('{"id": "x_1", "messages": [{"id": 1}], "cwd": "/a')).toBeUndefined()
    expect(hermesRecords('{"id": "x_1", "messages": [{"id": 1}], "cwd": "/a', 'x_1')).toMatchObject([{ kind: 'session_row' }])
  })
  it('rewrites cwd and git_repo_root of the row only; the export of the mapped records maps back exactly', () => {
    const b = hermesBundle(rows[0]?.line as string)
    const out = hermesExportFile(b.records, { from: OLD, to: '/srv/me/app' })
    expect(out.rewritten).toBe(2)
    expect(out.bytes.toString()).toContain('"/home/alice/src/app/scripts/deploy.sh') // message text untouched
    const back = hermesBundle(out.bytes.toString().trimEnd(), { from: '/srv/me/app', to: OLD })
    expect(hermesExportFile(back.records).bytes.toString()).toBe(`${rows[0]?.line as string}\n`)
  })
})

describe('Hermes\'s own exporter', () => {
  it('is run as `hermes sessions export - --format jsonl --session-id ID` and only its stdout is read', async () => {
    const { dir, cleanup } = await tempDir()
    onTestFinished(cleanup)
    // A program in Hermes's place that records how it was called and prints an export.
    const bin = join(dir, 'hermes')
    await writeFile(bin, `#!/bin/sh\nprintf '%s\\n' "$@" > '${dir}/argv'\ncat '${join(FIX, 'hermes/export.jsonl')}'\n`)
    await chmod(bin, 0o755)
    const out = await hermesExport({ bin, sessionId: '20261120_080000_a1b2c3' })
    expect(out.equals(HERMES)).toBe(true)
    expect((await readFile(join(dir, 'argv'), 'utf8')).split('\n').filter(Boolean)).toEqual(['sessions', 'export', '-', '--format', 'jsonl', '--session-id', '20261120_080000_a1b2c3'])
    await expect(hermesExport({ bin: join(dir, 'no-such-hermes') })).rejects.toThrow(/hermes sessions export FILE --format jsonl/)
  })
})

describe('translations to another agent', () => {
  it('OpenClaw to Claude Code: the current branch only, a chain Claude Code resumes, what was dropped said', () => {
    const rs = main(openclawRecords(splitJsonl(OPENCLAW).lines, OSID))
    const t = translateSession({ agent: 'openclaw', sessionId: OSID, cwd: OLD }, rs, 'claude')
    const lines = splitJsonl(t.bytes).lines
    expect(checkChain(lines)).toEqual([])
    expect(t.bytes.toString()).not.toContain('first-answer')
    expect(t.bytes.toString()).not.toContain('Café-style fix') // the rewound answer
    expect(t.dropped.join('\n')).toMatch(/off the current branch/)
    expect(t.dropped.join('\n')).toMatch(/thinking/)
    expect(t.label).toMatch(/openclaw → claude \(lossy/)
  })
  it('Hermes to Claude Code and OpenClaw to Hermes: tool calls and results carried', () => {
    const h = hermesBundle(hermesExportLines(HERMES)[0]?.line as string)
    const t = translateSession({ agent: 'hermes', sessionId: h.sessionId, cwd: OLD }, h.records, 'claude')
    expect(checkChain(splitJsonl(t.bytes).lines)).toEqual([])
    expect(t.bytes.toString()).toContain('"tool_use_id":"call_7f3a"')
    const rs = main(openclawRecords(splitJsonl(OPENCLAW).lines, OSID))
    const row = JSON.parse(translateSession({ agent: 'openclaw', sessionId: OSID, cwd: OLD }, rs, 'hermes', { from: OLD, to: '/w/app' }).bytes.toString())
    expect(row.cwd).toBe('/w/app')
    expect(row.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'assistant', 'tool', 'assistant', 'tool', 'assistant'])
  })
})

describe('Hermes memory files', () => {
  it('parse as Hermes does (trimmed, deduped, § between), and only clean files round-trip', () => {
    const text = 'uses pnpm\n§\nprefers short answers\n§\nuses pnpm'
    expect(parseEntries(text)).toEqual(['uses pnpm', 'prefers short answers'])
    expect(roundTrips(formatEntries(['a', 'b']))).toBe(true)
    expect(roundTrips('')).toBe(true)
  })
  it('drift as Hermes\'s own guard judges it (the file stripped against its entries stripped, empty ones dropped), the first cause said', () => {
    // tools/memory_tool.py _detect_external_drift, signal 1.
    const hermes = (raw: string): boolean => raw.trim() !== '' && raw.trim() !== raw.split('\n§\n').map(e => e.trim()).filter(e => e !== '').join('\n§\n')
    const table: Array<[string, string | undefined]> = [
      ['a\n§\nb', undefined],
      ['a\n§\nb\n', undefined],
      ['\n  a\n§\nb\n\n', undefined],
      ['a\n§\na', undefined],
      ['a\n§ \nb', undefined],
      ['  \n', undefined],
      ['a\n\n§\nb', 'the entry before the § on line 3 ends with a blank line'],
      ['a \n§\nb', 'the entry before the § on line 2 ends with a space'],
      ['a\n§\n\tb', 'the entry after the § on line 2 starts with a tab'],
      ['a\n§\n\n§\nb', 'an empty entry between the § on line 2 and the one on line 4'],
      ['a\n§\n', 'an empty entry after the § on line 2, at the end of the file'],
      ['\n§\na', 'an empty entry before the § on line 2, at the start of the file'],
      ['x\ny\n§\nz\n§\n  \n§\nw', 'an empty entry between the § on line 5 and the one on line 7']
    ]
    for (const [raw, why] of table) {
      expect(hermesDrift(raw), JSON.stringify(raw)).toBe(why)
      expect(hermes(raw), JSON.stringify(raw)).toBe(why !== undefined)
    }
    expect(charCount(['é', 'x'])).toBe(5)
  })
  it('are written only under their lock: while another process holds it, mesh waits and then gives up', async () => {
    const { dir, cleanup } = await tempDir()
    onTestFinished(cleanup)
    const lock = join(dir, 'MEMORY.md.lock')
    const holder = spawn('python3', ['-c', 'import fcntl,sys\nf=open(sys.argv[1],"a+")\nfcntl.flock(f,fcntl.LOCK_EX)\nprint("held",flush=True)\nsys.stdin.read()', lock], { stdio: ['pipe', 'pipe', 'inherit'] })
    onTestFinished(() => { holder.kill('SIGKILL') })
    await new Promise<void>(resolve => holder.stdout.once('data', () => resolve()))
    let ran = false
    await expect(withFlock(lock, async () => { ran = true }, { timeoutMs: 300 })).rejects.toThrow(/held by another process/)
    expect(ran).toBe(false)
    holder.stdin.end()
    await new Promise<void>(resolve => holder.once('close', () => resolve()))
    expect(await withFlock(lock, async () => 'done', { timeoutMs: 5000 })).toBe('done')
    // A first sync on a machine where Hermes never wrote memory: the folder is made, as Hermes does.
    expect(await withFlock(join(dir, 'new', 'memories', 'USER.md.lock'), async () => 'made', { timeoutMs: 5000 })).toBe('made')
  })
})

describe('three-way sync decisions', () => {
  it.each([
    [undefined, 'a', 'a', 'same'], [undefined, undefined, undefined, 'gone'],
    [undefined, 'a', undefined, 'push'], [undefined, undefined, 'a', 'pull'],
    ['a', 'b', 'a', 'push'], ['a', 'a', 'b', 'pull'], ['a', 'b', 'c', 'conflict'], [undefined, 'b', 'c', 'conflict'],
    ['a', undefined, 'a', 'delete-mesh'], ['a', 'a', undefined, 'delete-local'],
    ['a', undefined, 'b', 'pull'], ['a', 'b', undefined, 'push']
  ])('base %s, local %s, mesh %s: %s', (base, local, mesh, want) => {
    expect(plan3(base, local, mesh)).toBe(want)
  })
})

describe('skill folders', () => {
  it('are found flat or one category down, hashed over all their files, symlinks listed apart', async () => {
    const { dir, cleanup } = await tempDir()
    onTestFinished(cleanup)
    await mkdir(join(dir, 'devops', 'deploy', 'scripts'), { recursive: true })
    await writeFile(join(dir, 'devops', 'deploy', 'SKILL.md'), '---\nname: deploy\ndescription: ship it\n---\nRun scripts/go.sh\n')
    await writeFile(join(dir, 'devops', 'deploy', 'scripts', 'go.sh'), '#!/bin/sh\necho go\n')
    await mkdir(join(dir, '.hub'), { recursive: true })
    const nested = await readLocalSkills(dir, true)
    expect(nested.skills.map(s => [s.name, s.rel])).toEqual([['deploy', 'devops/deploy']])
    expect((await readLocalSkills(dir, false)).skills).toEqual([])
    const h = nested.skills[0]?.hash
    await writeFile(join(dir, 'devops', 'deploy', 'scripts', 'go.sh'), '#!/bin/sh\necho went\n')
    expect((await readLocalSkills(dir, true)).skills[0]?.hash).not.toBe(h)
    const h2 = (await readLocalSkills(dir, true)).skills[0]?.hash
    await chmod(join(dir, 'devops', 'deploy', 'scripts', 'go.sh'), 0o755)
    const found = (await readLocalSkills(dir, true)).skills[0]
    expect(found?.files.exec).toEqual(new Set(['scripts/go.sh']))
    expect(found?.hash).not.toBe(h2)
    expect(skillHash({ data: new Map([['SKILL.md', await readFile(join(dir, 'devops', 'deploy', 'SKILL.md'))]]), exec: new Set() })).not.toBe(h)
  })
})
