/**
 * Agent sessions: import throughput of a large generated Claude Code transcript (lines/s) beside
 * reading and splitting the same file, and the export (resume) of a 10,000-line session beside
 * writing its bytes. In-process through the local API (the path `mesh agent` takes over the
 * daemon's socket, less the socket).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLocalApi, openVault } from '../../src/api/index.js'
import { writeNewWallet } from '../../src/identity/index.js'
import { batches, importBatches, readClaudeBundle, splitJsonl, writeClaudeBundle } from '../../src/agents/index.js'
import type { NativeRecord } from '../../crdt/index.js'
import { fmt, now, report, text } from './util.js'

const CWD = '/home/bench/src/app'

/** A transcript of about `bytes`: chained user/assistant lines of Claude Code's shape. */
function transcript (sid: string, bytes: number): { data: string, lines: number } {
  const out: string[] = []
  let size = 0
  let parent: string | null = null
  for (let i = 0; size < bytes; i++) {
    const uuid = `${sid.slice(0, 8)}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
    const body = i % 2 === 0
      ? { role: 'user', content: text(300 + (i % 7) * 200) }
      : { id: `msg_${i}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Read', input: { file_path: `${CWD}/src/f${i}.ts` } }], stop_reason: 'tool_use', stop_sequence: null, usage: { input_tokens: 100, output_tokens: 10 } }
    const line = JSON.stringify({ parentUuid: parent, isSidechain: false, userType: 'external', cwd: CWD, sessionId: sid, version: '2.1.97', gitBranch: 'main', type: i % 2 === 0 ? 'user' : 'assistant', message: body, uuid, timestamp: new Date(1_700_000_000_000 + i * 1000).toISOString() })
    out.push(line)
    size += line.length + 1
    parent = uuid
  }
  return { data: out.join('\n') + '\n', lines: out.length }
}

export async function benchAgents (dir: string, opts: { quick: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true })
  const walletPath = join(dir, 'wallet.json')
  await writeNewWallet(walletPath)
  const v = await openVault({ home: join(dir, 'home'), wallet: walletPath, label: 'bench' })
  const api = await createLocalApi({ vault: v })
  try {
    // Import: read + split + key + view + store, against read + split alone.
    const sid = '11111111-2222-4333-8444-555555555555'
    const mb = opts.quick ? 5 : 50
    const t = transcript(sid, mb * 1024 * 1024)
    const file = join(dir, `${sid}.jsonl`)
    await writeFile(file, t.data)
    const r0 = now()
    const n = splitJsonl(await readFile(file)).lines.length
    const readMs = now() - r0
    const i0 = now()
    const b = await readClaudeBundle(file)
    for (const batch of importBatches(b.records, b.view)) {
      await api.call('agents.import', { agent: 'claude', sessionId: sid, cwd: CWD, records: batch.records, messages: batch.messages })
    }
    const importMs = now() - i0
    report({ name: `agent import: ${mb} MB Claude transcript (${n} lines), lines/s`, value: fmt(n / (importMs / 1000), 0), baseline: `read+split ${fmt(n / (readMs / 1000), 0)} lines/s`, ratio: `${fmt(importMs / readMs)}× slower`, target: 'none yet (recorded)', ok: undefined })

    // The same session handed back page by page (what resume and export fetch): each page makes
    // only the records it holds (it made every record after its start: quadratic in the length).
    const p0 = now()
    let fetched = 0
    for (let start: number | undefined = 0; start !== undefined;) {
      const page: { records: NativeRecord[], next?: number } = await api.call('agents.records', { key: `agent:claude:${sid}`, start })
      fetched += page.records.length
      start = page.next
    }
    const pagesMs = now() - p0
    report({ name: `agent records: the ${mb} MB session fetched page by page (${fetched} records), ms`, value: fmt(pagesMs), baseline: `read+split the file ${fmt(readMs)} ms`, ratio: `${fmt(pagesMs / readMs)}×`, target: 'none yet (recorded)', ok: undefined })

    // Export of a 10,000-line session with a cwd rewrite.
    const sid2 = '66666666-7777-4888-8999-aaaaaaaaaaaa'
    const lines = 10_000
    const gen: string[] = []
    let parent: string | null = null
    for (let i = 0; i < lines; i++) {
      const uuid = `66666666-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
      gen.push(JSON.stringify({ parentUuid: parent, cwd: CWD, sessionId: sid2, type: i % 2 === 0 ? 'user' : 'assistant', message: { role: 'user', content: text(500) }, uuid, timestamp: new Date().toISOString() }))
      parent = uuid
    }
    const f2 = join(dir, `${sid2}.jsonl`)
    await writeFile(f2, gen.join('\n') + '\n')
    const b2 = await readClaudeBundle(f2)
    for (const batch of batches(b2.records)) await api.call('agents.import', { agent: 'claude', sessionId: sid2, cwd: CWD, records: batch })
    const w0 = now()
    await writeFile(join(dir, 'plain.jsonl'), gen.join('\n') + '\n')
    const writeMs = now() - w0
    const e0 = now()
    const records: NativeRecord[] = []
    let start: number | undefined = 0
    while (start !== undefined) {
      const page: { records: NativeRecord[], next?: number } = await api.call('agents.records', { key: `agent:claude:${sid2}`, start })
      records.push(...page.records)
      start = page.next
    }
    await writeClaudeBundle(sid2, records, { cwd: '/Users/bench/app', from: CWD, env: { ...process.env, CLAUDE_CONFIG_DIR: join(dir, 'claude') } })
    const exportMs = now() - e0
    report({ name: 'agent resume: 10,000-line Claude session (fetch, chain check, cwd rewrite, write), ms', value: fmt(exportMs), baseline: `write the bytes ${fmt(writeMs)} ms`, ratio: `${fmt(exportMs / writeMs)}×`, target: 'none yet (recorded)', ok: undefined })
  } finally {
    await api.close()
    await v.close()
  }
}
