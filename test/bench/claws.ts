/**
 * Hermes export rows cut into records and joined back: a row of 10,000 messages (Python's
 * json.dumps spelling) cut by splitRow + hermesRecords beside a plain JSON.parse of the same
 * line, and replayed by hermesLine beside JSON.stringify of the parsed row. Pure CPU, in process.
 */
import type { NativeRecord } from '../../crdt/index.js'
import { hermesLine, hermesRecords } from '../../src/agents/index.js'
import { fmt, now, report, text } from './util.js'

/** A Python-spelled export row (", " and ": " separators) with n messages. */
function row (n: number): string {
  const py = (v: unknown): string => Array.isArray(v)
    ? `[${v.map(py).join(', ')}]`
    : v !== null && typeof v === 'object' ? `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`).join(', ')}}` : JSON.stringify(v)
  const messages = Array.from({ length: n }, (_, i) => ({ id: i + 1, session_id: 'bench_1', role: i % 2 === 0 ? 'user' : 'assistant', content: text(400 + (i % 5) * 150), tool_calls: null, timestamp: 1795064400 + i, active: 1 }))
  return py({ id: 'bench_1', source: 'cli', cwd: '/home/bench/app', title: 'bench', started_at: 1795064400, messages })
}

export async function benchClaws (opts: { quick: boolean }): Promise<void> {
  const n = opts.quick ? 2_000 : 10_000
  const line = row(n)
  const reps = opts.quick ? 2 : 5
  let cutMs = Infinity
  let parseMs = Infinity
  let joinMs = Infinity
  let stringifyMs = Infinity
  let records: NativeRecord[] = []
  for (let r = 0; r < reps; r++) {
    let t = now()
    records = hermesRecords(line, 'bench_1').map(x => ({ ...x, file: '' }))
    cutMs = Math.min(cutMs, now() - t)
    t = now()
    const parsed = JSON.parse(line) as unknown
    parseMs = Math.min(parseMs, now() - t)
    t = now()
    const back = hermesLine(records)
    joinMs = Math.min(joinMs, now() - t)
    if (back !== line) throw new Error('hermes row did not come back byte for byte')
    t = now()
    JSON.stringify(parsed)
    stringifyMs = Math.min(stringifyMs, now() - t)
  }
  const mb = fmt(Buffer.byteLength(line) / 1e6)
  report({ name: `hermes row cut into records: ${n} messages (${mb} MB), ms`, value: fmt(cutMs), baseline: `JSON.parse ${fmt(parseMs)} ms`, ratio: `${fmt(cutMs / parseMs)}×`, target: 'none yet (recorded)', ok: undefined })
  report({ name: `hermes row replayed from records: ${n} messages, ms`, value: fmt(joinMs), baseline: `JSON.stringify ${fmt(stringifyMs)} ms`, ratio: `${fmt(joinMs / stringifyMs)}×`, target: 'none yet (recorded)', ok: undefined })
}
