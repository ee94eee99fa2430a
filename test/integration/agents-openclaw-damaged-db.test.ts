/**
 * `mesh agent import openclaw --all` (and hermes: a damaged profile's state.db) with a damaged OpenClaw database beside a session it can
 * read: the readable session is imported, the database is named, and the run exits 2, as a
 * damaged Hermes store or a damaged transcript among many makes it. It said "skipped: … SQLite
 * cannot read it" and exited 0, so a scheduled import never failed over a store it could not read.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { hermesMessages, hermesSession, HERMES_SCHEMA } from '../helpers/agent-stores.js'
import { runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { sqlite3 } from '../helpers/sqlite3.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const OSID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'

const h = cliHome()

it('imports the readable sessions, names the database it cannot read, and exits 2', async () => {
  const state = join(h.dir, 'openclaw')
  await cp(join(FIX, 'openclaw'), state, { recursive: true })
  const db = join(state, 'agents', 'main', 'agent', 'openclaw-agent.sqlite')
  await mkdir(join(db, '..'), { recursive: true })
  await writeFile(db, Buffer.alloc(5000, 0x5a))
  const env = { ...h.env, OPENCLAW_STATE_DIR: state }

  const r = await runCli(['agent', 'import', 'openclaw', '--all', '--home', h.home], { env, timeoutMs: 60_000 })
  expect(r.code, r.stderr).toBe(2)
  expect(r.stdout).toMatch(/^1 openclaw session, \d+ new records/)
  expect(r.stderr).toContain(`skipped: ${db}: SQLite cannot read it`)
  expect(r.stderr).toContain(`1 openclaw database could not be read, so no session in it was imported (1 other openclaw session was): ${db} (INVALID_INPUT)`)

  const j = await runCli(['agent', 'import', 'openclaw', '--all', '--json', '--home', h.home], { env, timeoutMs: 60_000 })
  expect(j.code, j.stderr).toBe(2)
  expect(JSON.parse(j.stdout)).toEqual([expect.objectContaining({ key: `agent:openclaw:${OSID}`, added: 0 })])
  const list = JSON.parse((await runCli(['agent', 'list', '--json', '--home', h.home], { env })).stdout)
  expect(list.local.filter((s: any) => s.imported).map((s: any) => s.key)).toEqual([`agent:openclaw:${OSID}`])
}, 120_000)

// Hermes stopped at the first store SQLite could not read, with its error alone: the other
// stores' sessions were not imported, nor was the run's count said.
it('hermes: imports the other stores\' sessions, names the state.db it cannot read, and exits 2', async () => {
  const hh = join(h.dir, 'hermes')
  const HSID = '20261130_100000_a1b2c3'
  await mkdir(join(hh, 'profiles', 'work'), { recursive: true })
  const w = await sqlite3(join(hh, 'state.db'))
  await w.exec(`${HERMES_SCHEMA};\n${hermesSession(HSID, '/tmp', 'kept')};\n${hermesMessages(HSID, 0, 3)}`)
  await w.close()
  const bad = join(hh, 'profiles', 'work', 'state.db')
  await writeFile(bad, Buffer.alloc(5000, 0x5a))
  const env = { ...h.env, HERMES_HOME: hh }

  const r = await runCli(['agent', 'import', 'hermes', '--all', '--home', h.home], { env, timeoutMs: 60_000 })
  expect(r.code, r.stderr).toBe(2)
  expect(r.stdout).toBe(`agent:hermes:${HSID}: 4 new records of 4\n`)
  expect(r.stderr).toContain(`skipped: ${bad}: SQLite cannot read it`)
  expect(r.stderr).toContain(`1 hermes database could not be read, so no session in it was imported (1 other hermes session was): ${bad} (INVALID_INPUT)`)
  // With --json no prose on stderr (was: `skipped: …` before the JSON error): the store passed by
  // is a JSON line, and the error the last line.
  const j = await runCli(['agent', 'import', 'hermes', '--all', '--json', '--home', h.home], { env, timeoutMs: 60_000 })
  expect(j.code, j.stderr).toBe(2)
  const lines = j.stderr.trim().split('\n').map(l => JSON.parse(l))
  expect(lines).toEqual([
    { event: 'skipped', path: bad, code: 'INVALID_INPUT', message: expect.stringContaining(`${bad}: SQLite cannot read it`) },
    { error: expect.objectContaining({ code: 'INVALID_INPUT', details: expect.objectContaining({ unreadable: [expect.objectContaining({ path: bad })] }) }) }
  ])
}, 60_000)

// A session in a profile's store was said to come from the home's state.db (`source` in --json),
// and a session in no store was "not in ~/.hermes/state.db" though the profiles were read too.
it('hermes: each session\'s source is the store it is in, and a session in none names every store read', async () => {
  const hh = join(h.dir, 'hermes-profiles')
  const [MAIN, WORK] = ['20261130_110000_aaaaaa', '20261130_120000_bbbbbb']
  await mkdir(join(hh, 'profiles', 'work'), { recursive: true })
  const stores = { [MAIN]: join(hh, 'state.db'), [WORK]: join(hh, 'profiles', 'work', 'state.db') }
  for (const [id, path] of Object.entries(stores)) {
    const w = await sqlite3(path)
    await w.exec(`${HERMES_SCHEMA};\n${hermesSession(id, '/tmp', id)};\n${hermesMessages(id, 0, 1)}`)
    await w.close()
  }
  const env = { ...h.env, HERMES_HOME: hh }

  const j = await runCli(['agent', 'import', 'hermes', '--all', '--json', '--home', h.home], { env, timeoutMs: 60_000 })
  expect(j.code, j.stderr).toBe(0)
  expect(Object.fromEntries((JSON.parse(j.stdout) as Array<{ sessionId: string, source: string }>).map(r => [r.sessionId, r.source]))).toEqual(stores)
  const missing = await runCli(['agent', 'import', 'hermes', '--session', '20261130_130000_cccccc', '--home', h.home], { env, timeoutMs: 60_000 })
  expect(missing.code).not.toBe(0)
  expect(missing.stderr).toContain(`no Hermes session 20261130_130000_cccccc in ${stores[MAIN] as string}, ${stores[WORK] as string}`)
}, 60_000)

// With no store at all, --since said "there is none at ~/.hermes/state.db", and a --session with
// no `hermes` to export it "no state.db at ~/.hermes/state.db", though each profile's store was
// looked for too: now every store looked for is named.
it('hermes: with no store anywhere, --since and --session name every store looked for', async () => {
  const hh = join(h.dir, 'hermes-none')
  await mkdir(join(hh, 'profiles', 'work'), { recursive: true })
  const stores = `${join(hh, 'state.db')}, ${join(hh, 'profiles', 'work', 'state.db')}`
  // No `hermes` on PATH either (an empty folder), so the export is not tried instead.
  const env = { ...h.env, HERMES_HOME: hh, PATH: join(h.dir, 'hermes-none') }
  const since = await runCli(['agent', 'import', 'hermes', '--since', '2026-11-01', '--home', h.home], { env })
  expect(since.code, since.stderr).toBe(2)
  expect(since.stderr).toBe(`mesh: --since picks sessions of Hermes's state.db by their last activity, and there is none at any of its 2 places (the home's and its profiles'): ${stores}\n`)
  const session = await runCli(['agent', 'import', 'hermes', '--session', '20261130_130000_cccccc', '--home', h.home], { env })
  expect(session.code, session.stderr).not.toBe(0)
  expect(session.stderr).toContain(`no Hermes here: no state.db at any of its 2 places (the home's and its profiles'): ${stores} (set HERMES_HOME`)
}, 60_000)
