/**
 * Ctrl-C during `mesh agent import hermes` of a long session: it died at once (no handler, exit
 * 130, unsaid), where the Claude, Codex and OpenClaw imports stop after the batch being stored
 * and say how far they got. It now stops the same way: the batches stored stay, the session says
 * this machine holds more (`capture`, as every device's resume, list and show tell it), and the
 * same import again adds the rest and clears that. Real `mesh` processes on a real home and a
 * real Hermes export file.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn } from '../helpers/netns.js'

const S = '20261201_100000_f00d01'
const MESSAGES = 6000
const h = cliHome()
let file: string

/** A Hermes export (`hermes sessions export FILE --format jsonl`) of one long session. */
beforeAll(async () => {
  const messages = Array.from({ length: MESSAGES }, (_, i) => ({ id: i + 1, session_id: S, role: i % 2 === 0 ? 'user' : 'assistant', content: `message ${i} ${'z'.repeat(700)}`, tool_call_id: null, tool_calls: null, tool_name: null, timestamp: 1796119200 + i, token_count: null, finish_reason: null }))
  const row = { id: S, source: 'cli', model: 'anthropic/claude-sonnet-4.5', started_at: 1796119200.5, ended_at: null, message_count: MESSAGES, cwd: '/home/alice/src/long', title: 'A long one', messages }
  file = join(h.dir, 'export.jsonl')
  await writeFile(file, JSON.stringify(row) + '\n')
})

const shown = async (): Promise<{ messageCount: number, capture?: unknown }> => {
  const r = await h.mesh('session', 'show', `agent:hermes:${S}`, '--json', '--tail', '0')
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

it('Ctrl-C mid-import stops after the batch being stored, says so, and the next import completes it', async () => {
  const first = spawnIn(undefined, process.execPath, [BIN, 'agent', 'import', 'hermes', '--file', file, '--home', h.home], h.env)
  h.procs.push(first)
  await first.waitFor(/importing hermes session 20261201_100000_f00d01: \d+% \(1\/\d+ batches/, 60_000)
  expect(await first.stop('SIGINT')).toBe(1)
  const said = first.lines.join('\n')
  expect(said).toContain('stopping after the batch being stored (Ctrl-C again to stop at once)')
  expect(said).toMatch(/stopped: \d+ of \d+ batches of hermes session 20261201_100000_f00d01 \(.*export\.jsonl\) stored \(\d+ new records\); the same import again adds the rest/)

  // What the batches stored is in mesh, and the session says this machine holds the rest: as
  // many of the row's messages as the transcript shows after its first, the session's own line.
  const partly = await shown()
  expect(partly.messageCount).toBeGreaterThan(1)
  expect(partly.messageCount).toBeLessThan(MESSAGES)
  expect(partly.capture).toMatchObject({ state: 'partial', host: hostname(), path: file, lines: partly.messageCount - 1, linesTotal: MESSAGES, reason: 'import interrupted' })

  // Said in messages: a Hermes export is one line a session, so `line 1,518 of 6,000` named none.
  const n = (partly.messageCount - 1).toLocaleString('en-US')
  expect((await h.mesh('session', 'show', `agent:hermes:${S}`, '--tail', '0')).stdout).toContain(`${hostname()} holds more of this session than mesh: its capture stopped after message ${n} of 6,000 (import interrupted)`)
  const cwd = join(h.dir, 'src-long')
  await mkdir(cwd, { recursive: true })
  const refused = await h.mesh('agent', 'resume', `agent:hermes:${S}`, '--cwd', cwd)
  expect(refused.code).toBe(2)
  expect(refused.stderr).toContain(`or resume anyway with --partial (the conversation written here then ends after message ${n}); nothing was written`)
  const partial = await h.mesh('agent', 'resume', `agent:hermes:${S}`, '--cwd', cwd, '--partial', '--out', join(h.dir, 'partial.jsonl'))
  expect(partial.code, partial.stderr).toBe(0)
  expect(partial.stdout).toContain(`; what was written here ends after message ${n}`)

  const again = await h.mesh('agent', 'import', 'hermes', '--file', file, '--json')
  expect(again.code, again.stderr).toBe(0)
  const whole = await shown()
  expect(whole.messageCount).toBe(MESSAGES + 1)
  expect(whole.capture).toBeUndefined()
}, 240_000)
