/**
 * Following a JSONL file as an agent writes it, on real files: appended in random pieces (cut
 * inside lines, inside multi-byte characters, right before a newline), read after each piece
 * from the saved cursor, by a new reader now and then (a restarted follower), the records are
 * exactly those a whole-file import finds (same ids, repeated ids numbered alike, no line twice,
 * none missing); a file replaced or cut starts again at 0; a deleted one reads as gone.
 */
import { appendFile, readFile, rm, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  claudeCwd, claudeLineKey, claudePathFields, claudeRecords, claudeView, CursorStore, JsonlStream, joinJsonl, readTail, remapLines, splitJsonl,
  withMeshHooks, withoutMeshHooks
} from '../../src/agents/index.js'
import type { NativeRecord } from '../../crdt/records.js'
import { prng } from '../helpers/prng.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/claude/5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90.jsonl', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const { cleanups } = stopAfterEach()
async function tmp (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return t.dir }

function stream (path: string): JsonlStream {
  return new JsonlStream({ id: `claude:${path}`, agent: 'claude', sessionId: SID, key: `agent:claude:${SID}`, path, file: '', lineKey: claudeLineKey, view: claudeView, pathFields: claudePathFields, cwdOf: claudeCwd })
}

describe('tailing a JSONL file', () => {
  it('in random pieces, with restarts, gives exactly the records of a whole-file import', async () => {
    const d = await tmp()
    const fixture = await readFile(FIX, 'utf8')
    // Two identical metadata lines (same content id): numbered a, a~2 by occurrence, across reads too.
    const dup = '{"type":"custom-title","customTitle":"é ✓ 𝄞","sessionId":"' + SID + '"}'
    const text = fixture + dup + '\n' + fixture.split('\n')[0] + '\n' + dup + '\n'
    const bytes = Buffer.from(text)
    const want = claudeRecords(splitJsonl(bytes).lines, SID)
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = prng(seed)
      const path = join(d, `s${seed}.jsonl`)
      await writeFile(path, '')
      const store = new CursorStore(join(d, `cursors${seed}`))
      let s = stream(path)
      const got: NativeRecord[] = []
      let at = 0
      while (at < bytes.length) {
        // Pieces of 1..300 bytes, and now and then exactly up to (not including) the next newline.
        let n = 1 + rnd.int(300)
        const nl = bytes.indexOf(0x0a, at)
        if (rnd.int(5) === 0 && nl > at) n = nl - at
        await appendFile(path, bytes.subarray(at, Math.min(bytes.length, at + n)))
        at += n
        if (rnd.int(7) === 0) s = stream(path) // a restarted follower: numbering rebuilt from the file
        const r = await s.read(await store.get(s.id), undefined)
        if (r === undefined) throw new Error('file gone')
        got.push(...r.records)
        await store.set(s.id, r.cursor)
      }
      const last = await s.read(await store.get(s.id), undefined)
      got.push(...(last?.records ?? []))
      expect(got.map(r => r.id)).toEqual(want.map(r => r.id))
      expect(got.map(r => r.text)).toEqual(want.map(r => r.text))
      expect(new Set(got.map(r => r.id)).size).toBe(got.length)
    }
  })

  it('a whole JSON object without its newline is taken once; the newline after it adds nothing', async () => {
    const d = await tmp()
    const path = join(d, 'x.jsonl')
    await writeFile(path, '{"type":"user","uuid":"a"}\n{"type":"user","uuid":"b"}')
    const r1 = await readTail(path, undefined)
    expect(r1?.lines).toEqual(['{"type":"user","uuid":"a"}', '{"type":"user","uuid":"b"}'])
    expect(r1?.cursor.skipNl).toBe(true)
    await appendFile(path, '\n{"type":"user","uu')
    const r2 = await readTail(path, r1?.cursor)
    expect(r2?.lines).toEqual([])
    await appendFile(path, 'id":"c"}\n')
    const r3 = await readTail(path, r2?.cursor)
    expect(r3?.lines).toEqual(['{"type":"user","uuid":"c"}'])
    expect(r3?.cursor.offset).toBe((await readFile(path)).length)
  })

  it('a file replaced by another or cut short is read again from 0; a deleted one is gone', async () => {
    const d = await tmp()
    const path = join(d, 'y.jsonl')
    await writeFile(path, '{"uuid":"a"}\n{"uuid":"b"}\n')
    const r1 = await readTail(path, undefined)
    await writeFile(path, '{"uuid":"x"}\n{"uuid":"b"}\n{"uuid":"c"}\n')
    const r2 = await readTail(path, r1?.cursor)
    expect(r2).toMatchObject({ reset: true, lines: ['{"uuid":"x"}', '{"uuid":"b"}', '{"uuid":"c"}'] })
    await truncate(path, 13)
    const r3 = await readTail(path, r2?.cursor)
    expect(r3).toMatchObject({ reset: true, lines: ['{"uuid":"x"}'] })
    await rm(path)
    expect(await readTail(path, r3?.cursor)).toBeUndefined()
    const s = stream(path)
    expect(await s.read(r3?.cursor, undefined)).toBeUndefined()
  })

  it('a file resumed here names this machine\'s paths: its lines are read back to the recorded cwd', async () => {
    const d = await tmp()
    const path = join(d, 'z.jsonl')
    const fixture = await readFile(FIX, 'utf8')
    // As `mesh agent resume` writes it on the other machine.
    const there = remapLines(splitJsonl(Buffer.from(fixture)).lines, claudePathFields, { from: '/home/alice/src/app', to: '/Users/al/app' }).lines
    await writeFile(path, joinJsonl(there))
    expect(there.join('\n')).toContain('/Users/al/app')
    const r = await stream(path).read(undefined, { cwd: '/home/alice/src/app' })
    const want = claudeRecords(splitJsonl(Buffer.from(fixture)).lines, SID)
    expect(r?.records.map(x => x.text)).toEqual(want.map(x => x.text))
    expect(r?.meta.cwd).toBe('/home/alice/src/app')
  })
  it('a resumed file whose agent then names a path of the recorded machine goes on being read, that path kept as it is', async () => {
    const d = await tmp()
    const path = join(d, 'w.jsonl')
    const line = (o: object): string => JSON.stringify(o) + '\n'
    // Resumed here at /home/bob/app; the session was recorded at /home/alice/app.
    await writeFile(path, line({ type: 'user', uuid: 'u1', parentUuid: null, cwd: '/home/bob/app', message: { role: 'user', content: 'hi' } }))
    const s = stream(path)
    const held = { cwd: '/home/alice/app' }
    const r1 = await s.read(undefined, held)
    // The model copies a path it saw in old output (the other machine's) into a Read call.
    const read = { type: 'assistant', uuid: 'a1', parentUuid: 'u1', cwd: '/home/bob/app', message: { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'Read', input: { file_path: '/home/alice/app/src/x.ts' } }] } }
    await appendFile(path, line(read) + line({ type: 'user', uuid: 'u2', parentUuid: 'a1', cwd: '/home/bob/app', message: { role: 'user', content: 'more' } }))
    const r2 = await s.read(r1?.cursor, held)
    expect(r2?.records.map(x => JSON.parse(x.text).uuid)).toEqual(['a1', 'u2'])
    expect(JSON.parse(r2?.records[0]?.text as string)).toMatchObject({ cwd: '/home/alice/app', message: { content: [{ input: { file_path: '/home/alice/app/src/x.ts' } }] } })
    // A new reader (a restarted follower) primes over those lines the same way.
    const r3 = await stream(path).read(r1?.cursor, held)
    expect(r3?.records.map(x => x.id)).toEqual(r2?.records.map(x => x.id))
  })
})

describe('mesh hooks in Claude Code settings', () => {
  it('a group shared with a user hook keeps the user hook; a changed command is updated in place, not added twice', () => {
    const cmd = 'node /opt/mesh/bin/mesh.js agent hook claude --home /h'
    const user = { hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say hi' }, { type: 'command', command: 'mesh agent hook claude', timeout: 5 }] }] } }
    const a = withMeshHooks(user, cmd)
    expect(a.changed).toBe(true)
    expect(a.settings.hooks?.Stop).toEqual([{ hooks: [{ type: 'command', command: 'say hi' }, { type: 'command', command: cmd, timeout: 30 }] }])
    expect(withMeshHooks(a.settings, cmd).changed).toBe(false)
    const b = withoutMeshHooks(a.settings)
    expect(b.settings).toEqual({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say hi' }] }] } })
    expect(withoutMeshHooks({ model: 'x' })).toEqual({ settings: { model: 'x' }, changed: false })
    expect(user.hooks.Stop[0]?.hooks).toHaveLength(2) // the input is never changed in place
    expect(() => withMeshHooks({}, 'rm -rf /')).toThrow(/not a mesh hook command/)
  })
})
