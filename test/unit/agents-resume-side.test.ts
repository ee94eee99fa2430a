/**
 * A Claude Code resume never replaces a sub-agent transcript that holds lines mesh has not got
 * (a Task agent wrote on here after the main transcript): refused with the file named, the file
 * left as it is; --force replaces it; a side file that only lacks mesh's lines is brought up to date.
 * Nor does it replace a transcript the agent wrote to after the checks (while the lease was taken).
 */
import { appendFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readClaudeBundle, sanitizePath, writeClaudeBundle } from '../../src/agents/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
async function tmp (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return t.dir }

const SID = '3e9f1a2b-4c5d-4e6f-8a7b-9c0d1e2f3a4b'
const line = (o: object): string => JSON.stringify(o) + '\n'
const ago = new Date(Date.now() - 60_000)

describe('resume and the sub-agent files already here', () => {
  it('refuses to overwrite a sub-agent transcript that grew here, unless forced', async () => {
    const d = await tmp()
    const cwd = join(d, 'app')
    await mkdir(cwd)
    const src = join(d, 'src')
    await mkdir(join(src, SID, 'subagents'), { recursive: true })
    const base = { sessionId: SID, cwd, isSidechain: false }
    await writeFile(join(src, `${SID}.jsonl`), line({ ...base, type: 'user', uuid: 'u1', parentUuid: null, message: { role: 'user', content: 'go' } }) +
      line({ ...base, type: 'assistant', uuid: 'a1', parentUuid: 'u1', message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] } }))
    const sub = line({ ...base, isSidechain: true, agentId: 'x1', type: 'user', uuid: 's1', parentUuid: null, message: { role: 'user', content: 'task' } })
    await writeFile(join(src, SID, 'subagents', 'agent-x1.jsonl'), sub)
    const { records } = await readClaudeBundle(join(src, `${SID}.jsonl`))

    const env = { CLAUDE_CONFIG_DIR: join(d, 'config') }
    const first = await writeClaudeBundle(SID, records, { cwd, env })
    const side = join(d, 'config', 'projects', sanitizePath(cwd), SID, 'subagents', 'agent-x1.jsonl')
    expect(await readFile(side, 'utf8')).toBe(sub)

    // The sub-agent wrote on here; the main transcript is as mesh has it.
    const more = line({ ...base, isSidechain: true, agentId: 'x1', type: 'assistant', uuid: 's2', parentUuid: 's1', message: { role: 'assistant', content: [{ type: 'text', text: 'done here' }] } })
    await appendFile(side, more)
    await utimes(side, ago, ago)
    await utimes(first.path, ago, ago)
    await expect(writeClaudeBundle(SID, records, { cwd, env })).rejects.toThrow(/refusing to overwrite .*agent-x1\.jsonl: it holds lines this session in mesh has not got/)
    expect(await readFile(side, 'utf8')).toBe(sub + more)

    // --force replaces it.
    await writeClaudeBundle(SID, records, { cwd, env, force: true })
    expect(await readFile(side, 'utf8')).toBe(sub)

    // A side file here that mesh has more of is brought up to date.
    await writeFile(side, '')
    await utimes(side, ago, ago)
    await utimes(first.path, ago, ago)
    await writeClaudeBundle(SID, records, { cwd, env })
    expect(await readFile(side, 'utf8')).toBe(sub)
  })

  it('refuses to replace a transcript the agent wrote to after the checks, and keeps what it wrote', async () => {
    const d = await tmp()
    const cwd = join(d, 'app')
    await mkdir(cwd)
    const src = join(d, 'src')
    await mkdir(src)
    const base = { sessionId: SID, cwd, isSidechain: false }
    const u1 = line({ ...base, type: 'user', uuid: 'u1', parentUuid: null, message: { role: 'user', content: 'go' } })
    const a1 = line({ ...base, type: 'assistant', uuid: 'a1', parentUuid: 'u1', message: { role: 'assistant', content: [{ type: 'text', text: 'ok' }] } })
    await writeFile(join(src, `${SID}.jsonl`), u1 + a1)
    const { records } = await readClaudeBundle(join(src, `${SID}.jsonl`))
    const env = { CLAUDE_CONFIG_DIR: join(d, 'config') }
    const path = join(d, 'config', 'projects', sanitizePath(cwd), `${SID}.jsonl`)
    // Here the transcript holds mesh's first line only: the resume would bring it up to date.
    await mkdir(join(path, '..'), { recursive: true })
    await writeFile(path, u1)
    await utimes(path, ago, ago)
    // The agent (idle, not seen as running) answers while the resume takes its lease.
    const late = line({ ...base, type: 'user', uuid: 'u2', parentUuid: 'u1', message: { role: 'user', content: 'one more thing' } })
    await expect(writeClaudeBundle(SID, records, { cwd, env, ready: async () => { await appendFile(path, late) } })).rejects.toMatchObject({ code: 'AGENT_BUSY', message: expect.stringMatching(/changed while mesh was writing it/) })
    expect(await readFile(path, 'utf8')).toBe(u1 + late)
    // A transcript that appears meanwhile where there was none is not replaced either.
    const other = join(d, 'other')
    await mkdir(other)
    const there = join(d, 'config', 'projects', sanitizePath(other), `${SID}.jsonl`)
    await expect(writeClaudeBundle(SID, records, { cwd: other, from: cwd, env, ready: async () => { await mkdir(join(there, '..'), { recursive: true }); await writeFile(there, late) } })).rejects.toMatchObject({ code: 'AGENT_BUSY' })
    expect(await readFile(there, 'utf8')).toBe(late)
    // Without the agent writing, the same resume goes through.
    await writeClaudeBundle(SID, records, { cwd, env: { CLAUDE_CONFIG_DIR: join(d, 'config2') } })
  })
})
