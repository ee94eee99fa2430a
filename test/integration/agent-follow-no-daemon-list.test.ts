/**
 * `mesh agent list` beside a `mesh agent follow` that runs with no `mesh join`, as a newcomer met
 * it: the follower captured lines, and the list said `stored` (`following: false`), because its
 * report (agents.followBeat) had no daemon to keep it. The follower now writes its report to the
 * home while no daemon runs, and the list reads it: `live`, with the follower's pid; gone once
 * the follower stops, or once it is killed (its process is gone: its file removed). A real rollout under a
 * CODEX_HOME, real `mesh` processes, no daemon.
 */
import { appendFile, mkdir, readdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { poll } from '../helpers/wait.js'

const ID = '0193a7c2-5e4f-7a10-8b2c-00000f011012'
const KEY = `agent:codex:${ID}`
const h = cliHome(d => ({ CODEX_HOME: join(d, 'codex') }))
const line = (text: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

async function row (): Promise<any> {
  const r = await h.mesh('agent', 'list', 'codex', '--json')
  expect(r.code, r.stderr).toBe(0)
  return (JSON.parse(r.stdout).local as any[]).find(s => s.key === KEY)
}

const follow = (): Proc => {
  const p = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'codex', '--home', h.home], h.env)
  h.procs.push(p)
  return p
}

describe('mesh agent follow with no mesh join, and mesh agent list', () => {
  it('lists the session live while the follower runs, with its pid; not once it stopped or was killed', async () => {
    const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const rollout = join(day, `rollout-2026-12-01T10-00-00-${ID}.jsonl`)
    const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id: ID, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/solo', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    await writeFile(rollout, [meta, line('hello')].join('\n') + '\n')

    const f = follow()
    await poll('captured and listed live', async () => (await row())?.following === true)
    const live = await row()
    expect(live).toMatchObject({ sync: 'live', following: true })
    const text = (await h.mesh('agent', 'list', 'codex')).stdout
    expect(text).toMatch(new RegExp(`\\tlive \\(pid ${f.child.pid as number}, last capture `))
    // A line written now is captured and the list says up to where.
    await appendFile(rollout, line('more') + '\n')
    const size = (await stat(rollout)).size
    await poll('the new line listed as captured', async () => (await row())?.captured === size)

    expect(await f.stop('SIGINT')).toBe(0)
    expect(await row()).toMatchObject({ following: false })

    // Killed: its report stays in the home, but its process is gone, so it follows nothing; the
    // list that finds it so removes it (and a temp file a write left behind when it was killed).
    const g = follow()
    await poll('listed live again', async () => (await row())?.following === true)
    const dir = join(h.home, 'agent-follow', 'followers')
    expect((await readdir(dir)).filter(n => n.endsWith('.json'))).toHaveLength(1)
    await g.stop('SIGKILL')
    await writeFile(join(dir, `${(await readdir(dir))[0] as string}.${g.child.pid as number}.tmp`), '{"id":')
    expect(await row()).toMatchObject({ following: false })
    expect(await readdir(dir)).toEqual([])
  }, 120_000)
})
