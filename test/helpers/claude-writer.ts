/**
 * Child process for the live-capture test: appends lines to a JSONL transcript the way Claude
 * Code does (O_APPEND, one chained user/assistant line after another, mode 0600, created at the
 * first line), except that each line goes out in 1 to 3 pieces with pauses between them, so a
 * reader sees torn lines, and multi-byte characters cut in half. Driven by lines on stdin:
 *   lines N   write N whole lines        -> "wrote <total>"
 *   half      write the first part of the next line only -> "half"
 *   rest      write the rest of it       -> "wrote <total>"
 * argv: path, sessionId, cwd, seed.
 */
import { closeSync, openSync, writeSync, constants } from 'node:fs'
import { createInterface } from 'node:readline'
import { prng } from './prng.js'

const [path, sid, cwd, seedArg] = process.argv.slice(2) as [string, string, string, string]
const rnd = prng(Number(seedArg))
let n = 0
let parent: string | null = null
let pending: Buffer | undefined

function line (): Buffer {
  const uuid = `${sid.slice(0, 8)}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
  const user = n % 2 === 0
  const text = `turn ${n}: ${'é✓𝄞 '.repeat(1 + rnd.int(5))}${'x'.repeat(rnd.int(400))}`
  const o = {
    parentUuid: parent, isSidechain: false, userType: 'external', cwd, sessionId: sid, version: '2.1.97', gitBranch: 'main',
    type: user ? 'user' : 'assistant',
    message: user ? { role: 'user', content: text } : { id: `msg_${n}`, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } },
    uuid, timestamp: new Date(1_764_000_000_000 + n * 1000).toISOString()
  }
  parent = uuid
  n++
  return Buffer.from(JSON.stringify(o) + '\n')
}

function append (b: Buffer): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600)
  try { writeSync(fd, b) } finally { closeSync(fd) }
}

const pause = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, rnd.int(15))) }

async function pieces (b: Buffer): Promise<void> {
  const cuts = [...new Set([rnd.int(b.length), rnd.int(b.length)])].filter(c => c > 0).sort((x, y) => x - y)
  let at = 0
  for (const c of [...cuts, b.length]) { append(b.subarray(at, c)); at = c; await pause() }
}

const rl = createInterface({ input: process.stdin })
for await (const cmd of rl) {
  const [what, arg] = cmd.trim().split(/\s+/)
  if (what === 'lines') {
    for (let i = 0; i < Number(arg); i++) await pieces(line())
    process.stdout.write(`wrote ${n}\n`)
  } else if (what === 'half') {
    const b = line()
    // Cut inside the line's multi-byte text: neither a whole line nor whole characters.
    const cut = b.indexOf('✓') + 1
    append(b.subarray(0, cut))
    pending = b.subarray(cut)
    process.stdout.write('half\n')
  } else if (what === 'rest' && pending !== undefined) {
    append(pending)
    pending = undefined
    process.stdout.write(`wrote ${n}\n`)
  }
}
