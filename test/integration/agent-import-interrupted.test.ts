/**
 * An import stopped part-way with no daemon running, as a newcomer met it: Ctrl-C during
 * `mesh agent import claude` of a long transcript (it died at once, exit 130, unsaid; it now
 * stops after the batch being stored and says how far it got), then the same import again. The
 * second import added the records the first had not stored, but the transcript view (`session
 * show`, watch, MCP, the dashboard) stayed short of the batch the first had stored the records of
 * and not yet their messages (1,640 of 30,000 missing for good; a re-import, `--force` or `mesh
 * join` never mended it), while `mesh agent list` said the file was `stored`. Now the list says
 * `behind` until an import ends, and an import stores the view of every record it sends that
 * the transcript lacks, so the second import mends what the first left. The list said the whole
 * file behind (`captured` 0) however much was stored: now behind by the lines not stored. Real `mesh` processes on
 * a real home and a real Claude Code transcript.
 */
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { BIN, runCli, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn } from '../helpers/netns.js'

const S = 'f6f6f6f6-0000-4000-8000-000000000006'
const LINES = 6000
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))
let path: string

/** A long Claude Code transcript of session `id` under `claude` (a CLAUDE_CONFIG_DIR); its path. */
async function longTranscript (claude: string, id: string): Promise<string> {
  const project = join(claude, 'projects', sanitizePath('/home/alice/src/long'))
  await mkdir(project, { recursive: true })
  const file = join(project, `${id}.jsonl`)
  const out: string[] = []
  let prev: string | null = null
  for (let i = 0; i < LINES; i++) {
    const uuid = `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`
    const type = i % 2 === 0 ? 'user' : 'assistant'
    const message = type === 'user' ? { role: type, content: `line ${i} ${'x'.repeat(700)}` } : { role: type, content: [{ type: 'text', text: `line ${i} ${'y'.repeat(700)}` }] }
    out.push(JSON.stringify({ parentUuid: prev, isSidechain: false, type, message, uuid, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/long', sessionId: id }))
    prev = uuid
  }
  await writeFile(file, out.join('\n') + '\n')
  return file
}

beforeAll(async () => {
  path = await longTranscript(join(h.dir, 'claude'), S)
})

const messageCount = async (key = `agent:claude:${S}`): Promise<number> => {
  const r = await h.mesh('session', 'show', key, '--json', '--tail', '0')
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout).messageCount as number
}

describe('an import stopped part-way, with no daemon', () => {
  it('Ctrl-C mid-import: mesh agent list says behind; the next import mends the transcript whole', async () => {
    const first = spawnIn(undefined, process.execPath, [BIN, 'agent', 'import', 'claude', '--session', S, '--home', h.home], h.env)
    h.procs.push(first)
    // Stopped once some batches are stored and before the last.
    await first.waitFor(/importing f6f6f6f6.*: \d+% \(1\/\d+ batches/, 60_000)
    // Stopped after the batch being stored, and said: how far it got, and what to do.
    expect(await first.stop('SIGINT')).toBe(1)
    expect(first.lines.join('\n')).toMatch(/stopped: \d+ of \d+ batches of .* stored \(\d+ new records\); the same import again adds the rest/)
    const partly = await messageCount()
    expect(partly).toBeLessThan(LINES)

    const listed = await h.mesh('agent', 'list', 'claude', '--json')
    expect(listed.code, listed.stderr).toBe(0)
    const row = (JSON.parse(listed.stdout).local as Array<{ path: string, sync: string, behind?: number, captured?: number, capture?: unknown }>).find(r => r.path === path)
    expect(row).toMatchObject({ sync: 'behind' })
    // What the batches stored is counted: behind by the rest, not by the whole file (it said
    // "captured": 0 and the whole file behind, with thousands of messages in mesh).
    expect(row?.captured).toBeGreaterThan(0)
    expect((row?.captured ?? 0) + (row?.behind ?? 0)).toBe((await stat(path)).size)
    // Up to the end of the last line stored: as many lines as messages in mesh (one each here).
    const head = (await readFile(path)).subarray(0, row?.captured)
    expect(head.at(-1)).toBe(0x0a)
    expect(head.toString('utf8').split('\n').length - 1).toBe(partly)

    // Another machine (a CLAUDE_CONFIG_DIR of its own) is told this one holds more, not handed the
    // first lines as the session (it wrote them, exit 0, unsaid, and the person went on from there).
    const key = `agent:claude:${S}`
    const cwd = join(h.dir, 'src-long')
    await mkdir(cwd, { recursive: true })
    const laptop = async (...args: string[]): Promise<RunResult> => await runCli([...args, '--home', h.home], { env: { ...h.env, CLAUDE_CONFIG_DIR: join(h.dir, 'laptop') } })
    const said = `${hostname()} holds more of this session than mesh: its capture stopped after line ${partly.toLocaleString('en-US')} of 6,000 (import interrupted) — run \`mesh agent import claude --session ${S}\` on ${hostname()}`
    // Listed there as `remote-only, no lease` and nothing more: now with what the desktop holds.
    expect((await laptop('agent', 'list', 'claude')).stdout).toContain(`remote-only (partial: ${said}), no lease`)
    const refused = await laptop('agent', 'resume', key, '--cwd', cwd)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${key} is not whole in mesh: ${said}, or resume anyway with --partial`)
    expect(row).toMatchObject({ capture: { state: 'partial', host: hostname(), path, lines: partly, linesTotal: LINES, reason: 'import interrupted' } })
    expect((await h.mesh('session', 'show', key, '--tail', '0')).stdout).toContain(said)
    const partial = await laptop('agent', 'resume', key, '--cwd', cwd, '--partial', '--json')
    expect(partial.code, partial.stderr).toBe(0)
    const resumed = JSON.parse(partial.stdout)
    expect(resumed.capture).toMatchObject({ state: 'partial', lines: partly, linesTotal: LINES })
    expect((await readFile(resumed.path, 'utf8')).trim().split('\n').length).toBe(partly)
    // Its file there, stored as far as that machine knows: `partial`, not `stored`.
    const there = (JSON.parse((await laptop('agent', 'list', 'claude', '--json')).stdout).local as Array<{ key: string, sync: string }>).find(r => r.key === key)
    expect(there).toMatchObject({ sync: 'partial', capture: { says: said } })

    const again = await h.mesh('agent', 'import', 'claude', '--session', S, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(await messageCount()).toBe(LINES)
    // The import that completes it clears the note: shown and listed with no word of it.
    expect(JSON.parse((await h.mesh('session', 'show', key, '--json', '--tail', '0')).stdout).capture).toBeUndefined()
    const after = JSON.parse((await h.mesh('agent', 'list', 'claude', '--json')).stdout).local as Array<{ path: string, sync: string, capture?: unknown }>
    expect(after.find(r => r.path === path)).toMatchObject({ sync: 'stored' })
    expect(after.find(r => r.path === path)?.capture).toBeUndefined()
    expect(JSON.parse(again.stdout)).toMatchObject({ messages: LINES - partly })
  }, 240_000)

  it('killed at points across a batch: each next import leaves the transcript whole', async () => {
    // A batch takes ~100 ms here: its records are stored first, then their view. Killed at
    // points spread over one, some kill lands between the two.
    for (const [i, delay] of [20, 60, 100].entries()) {
      const key = `agent:claude:cut-${i}`
      const first = spawnIn(undefined, process.execPath, [BIN, 'agent', 'import', 'claude', '--session', S, '--key', key, '--home', h.home], h.env)
      h.procs.push(first)
      await first.waitFor(/importing f6f6f6f6.*: \d+% \(1\/\d+ batches/, 60_000)
      await new Promise(resolve => setTimeout(resolve, delay))
      await first.stop('SIGKILL')
      const again = await h.mesh('agent', 'import', 'claude', '--session', S, '--key', key, '--json')
      expect(again.code, again.stderr).toBe(0)
      expect(await messageCount(key), `killed ${delay} ms after a batch`).toBe(LINES)
    }
  }, 240_000)

  it('with --json, what Ctrl-C says is a JSON event like every other line on stderr', async () => {
    // A Claude home of its own: a long transcript, and a newer empty one imported first, whose
    // `skipped` event says the import has begun (with --json there is no progress to wait for).
    const claude = join(h.dir, 'claude-json')
    await longTranscript(claude, 'f7f7f7f7-0000-4000-8000-000000000007')
    const empty = join(claude, 'projects', sanitizePath('/home/alice/src/long'), 'f8f8f8f8-0000-4000-8000-000000000008.jsonl')
    await writeFile(empty, '')
    await utimes(empty, new Date(Date.now() + 60_000), new Date(Date.now() + 60_000))
    const run = spawnIn(undefined, process.execPath, [BIN, 'agent', 'import', 'claude', '--all', '--json', '--home', h.home], { ...h.env, CLAUDE_CONFIG_DIR: claude })
    h.procs.push(run)
    await run.waitFor(/"event":"skipped"/, 60_000)
    expect(await run.stop('SIGINT')).toBe(1)
    const events = run.lines.map(l => JSON.parse(l))
    expect(events.find(e => e.event === 'stopping')).toEqual({ event: 'stopping', message: 'stopping after the batch being stored (Ctrl-C again to stop at once)' })
    expect(events.at(-1).error).toMatchObject({ code: 'ABORTED' })
  }, 120_000)
})
