/**
 * A followed session another device took over, as a newcomer met it: `mesh join --follow codex`
 * on the desk captures a live Codex rollout, the laptop takes the session's lease over, and Codex
 * on the desk writes on. The follower stores those lines all the same (they were written on this
 * machine), and it used to do so without a word, while the session now held both machines'
 * turns. It now says so once per holder. Two real daemons of one wallet on loopback, a real
 * rollout under a CODEX_HOME.
 */
import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const ID = '0193a7c2-5e4f-7a10-8b2c-00000d71e0e1'
const KEY = `agent:codex:${ID}`
const line = (text: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

let env: NodeJS.ProcessEnv
let desk: Daemon
let laptop: Daemon
let rollout: string
const cleanups: Array<() => Promise<unknown>> = []

beforeAll(async () => {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  env = { ...cliEnv(t.dir), CODEX_HOME: join(t.dir, 'codex') }
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  const day = join(t.dir, 'codex', 'sessions', '2026', '12', '01')
  await mkdir(day, { recursive: true })
  rollout = join(day, `rollout-2026-12-01T10-00-00-${ID}.jsonl`)
  const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id: ID, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/both', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
  await writeFile(rollout, [meta, line('hello')].join('\n') + '\n')
  desk = await startDaemon({ home: join(t.dir, 'desk'), wallet, label: 'desk', env, args: ['--follow', 'codex'] })
  cleanups.push(async () => await desk.stop('SIGKILL'))
  laptop = await startDaemon({ home: join(t.dir, 'laptop'), wallet, label: 'laptop', env, bootstrap: desk.addr })
  cleanups.push(async () => await laptop.stop('SIGKILL'))
}, 120_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const lease = async (d: Daemon): Promise<{ label?: string, mine: boolean, expired: boolean } | undefined> => {
  const r = await runCli(['session', 'show', KEY, '--json', '--tail', '0', '--home', d.home], { env })
  return r.code === 0 ? JSON.parse(r.stdout).lease : undefined
}

const captured = async (): Promise<number | undefined> => {
  const r = await runCli(['agent', 'list', 'codex', '--json', '--home', desk.home], { env })
  return (JSON.parse(r.stdout).local as Array<{ key: string, captured?: number }>).find(s => s.key === KEY)?.captured
}

describe('mesh join --follow codex, the session taken over by another device', () => {
  it('captures what Codex writes here all the same, and says once that the session is driven elsewhere', async () => {
    await poll('the desk captured the rollout and took its lease', async () => (await lease(desk))?.mine === true)
    await poll('the laptop holds the session', async () => (await lease(laptop)) !== undefined)
    const took = await runCli(['lease', 'take', KEY, '--take', '--home', laptop.home], { env })
    expect(took.code, took.stderr).toBe(0)
    await poll('the desk sees the laptop drive it', async () => { const l = await lease(desk); return l?.label === 'laptop' && !l.expired })
    expect(desk.lines.filter(l => /is driven by/.test(l))).toEqual([])

    await appendFile(rollout, line('written on the desk after the takeover') + '\n')
    const said = await desk.waitFor(/is driven by laptop/, 30_000)
    expect(said).toMatch(new RegExp(`^follow +${KEY} is driven by laptop: what codex writes here is captured all the same, so the session holds what both machines write; \`mesh lease take ${KEY} --take\` drives it here again$`))

    // Said once: a further line is captured without a second word.
    await appendFile(rollout, line('and one more') + '\n')
    const size = (await stat(rollout)).size
    await poll('the last line captured', async () => (await captured()) === size)
    expect(desk.lines.filter(l => /is driven by/.test(l))).toHaveLength(1)
  }, 180_000)
})
