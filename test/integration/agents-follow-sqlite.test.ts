/**
 * Live capture of the agents' SQLite stores between two real `mesh join` daemons on loopback.
 * A runs `mesh join --follow openclaw,hermes` over a user home whose credential files are FIFOs
 * (opening one would hang the daemon) and whose OpenClaw database also holds an auth table with
 * a planted key; a real `sqlite3` process writes rows into WAL databases shaped like OpenClaw's
 * `openclaw-agent.sqlite` and Hermes's `state.db`, holding them open, checkpointing now and then.
 * B, another process, gets every record in order: its export of each session is the database's
 * transcript (a record lost or stored twice would show). A is killed with SIGKILL while rows are
 * being written and restarted: nothing lost, nothing twice. A database that is no SQLite file is
 * reported once and left as it was; an import after the follow adds nothing (the same ids);
 * Hermes's memory file is written within the cap its config.yaml sets.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatEntries, hermesDbLine, SqliteFile } from '../../src/agents/index.js'
import { hermesMessages, hermesSession, HERMES_SCHEMA, lit, openclawInsert, openclawWindow, OPENCLAW_SCHEMA, PLANTED_SECRET } from '../helpers/agent-stores.js'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { sqlite3, type Sqlite3 } from '../helpers/sqlite3.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

const OSID = '6c3e8f21-4d5b-4a9c-8e72-1b2c3d4e5f60'
const HSID = '20261130_100000_5eed01'
const CWD = '/home/alice/src/live'
const CREDENTIALS = ['.hermes/.env', '.hermes/auth.json', '.openclaw/credentials/oauth.json', '.openclaw/secrets.json', '.openclaw/openclaw.json']

let dir: string
let env: NodeJS.ProcessEnv
let user: string
let wallet: string
let a: Daemon
let b: Daemon
let oc: Sqlite3
let hm: Sqlite3
const cleanups: Array<() => Promise<unknown> | unknown> = []
const json = (r: RunResult): any => JSON.parse(r.stdout)

async function aPrints (re: RegExp, from: number, ms = 30_000): Promise<void> {
  await poll(String(re), async () => a.lines.slice(from).some(l => re.test(l)), ms)
}

async function startA (bootstrap?: string): Promise<Daemon> {
  const d = await startDaemon({ home: join(dir, 'a'), wallet, label: 'desk', env, bootstrap, args: ['--follow', 'openclaw,hermes'] })
  cleanups.push(async () => { await d.stop('SIGKILL') })
  await d.waitFor(/^following\s+openclaw,hermes/, 30_000)
  return d
}

/** B's export of the OpenClaw session is the database's transcript, in seq order. */
async function bHasTranscript (): Promise<boolean> {
  const out = join(dir, 'oc-out.jsonl')
  const r = await runCli(['agent', 'export', `agent:openclaw:${OSID}`, '--force', '--out', out, '--home', b.home], { env })
  if (r.code !== 0) return false
  const rows = await oc.exec(`SELECT event_json FROM transcript_events WHERE session_id = ${lit(OSID)} ORDER BY seq`)
  return (await readFile(out, 'utf8')) === rows.map(l => `${l}\n`).join('')
}

/** B's export of the Hermes session holds the database's message rows as they are now. */
async function bHasHermes (): Promise<boolean> {
  const out = join(dir, 'h-out.jsonl')
  const r = await runCli(['agent', 'export', `agent:hermes:${HSID}`, '--force', '--out', out, '--home', b.home], { env })
  if (r.code !== 0) return false
  const f = new SqliteFile(join(user, '.hermes', 'state.db'))
  const line = await f.read(q => hermesDbLine(q, HSID)) as string
  f.close()
  return JSON.stringify(JSON.parse(await readFile(out, 'utf8')).messages) === JSON.stringify(JSON.parse(line).messages)
}

beforeAll(async () => {
  const t = await tempDir()
  dir = t.dir
  cleanups.push(t.cleanup)
  user = join(dir, 'user')
  for (const f of CREDENTIALS) {
    await mkdir(join(user, f, '..'), { recursive: true })
    execFileSync('mkfifo', [join(user, f)])
  }
  env = { ...cliEnv(dir), HOME: user, OPENCLAW_STATE_DIR: join(user, '.openclaw'), HERMES_HOME: join(user, '.hermes') }
  wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  // A database that is no SQLite file, beside the real one.
  await mkdir(join(user, '.openclaw', 'agents', 'broken', 'agent'), { recursive: true })
  await writeFile(join(user, '.openclaw', 'agents', 'broken', 'agent', 'openclaw-agent.sqlite'), Buffer.alloc(4096, 0x5a))
  const dbDir = join(user, '.openclaw', 'agents', 'main', 'agent')
  await mkdir(dbDir, { recursive: true })
  oc = await sqlite3(join(dbDir, 'openclaw-agent.sqlite'))
  cleanups.push(oc.kill)
  await oc.exec(`${OPENCLAW_SCHEMA}; INSERT INTO auth_profiles VALUES ('openai:default', 'openai', ${lit(PLANTED_SECRET)})`)
  hm = await sqlite3(join(user, '.hermes', 'state.db'))
  cleanups.push(hm.kill)
  await hm.exec(HERMES_SCHEMA)
  a = await startA()
  b = await startDaemon({ home: join(dir, 'b'), wallet, label: 'laptop', env: { ...env, HOME: join(dir, 'laptop') }, bootstrap: a.addr })
  cleanups.push(async () => { await b.stop('SIGKILL') })
  await b.waitFor(/peer proven\s+desk/, 30_000)
}, 120_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('mesh join --follow openclaw,hermes', () => {
  it('every row a sqlite3 writer commits reaches B in order, across SIGKILLs of the follower and checkpoints', async () => {
    await oc.exec(`${openclawWindow(OSID, 'agent:main:main')}; ${openclawInsert(OSID, 0, 10, CWD)}`)
    await hm.exec(`${hermesSession(HSID, CWD, 'follow me')}; ${hermesMessages(HSID, 0, 6)}`)
    await poll('both sessions on B', async () => await bHasTranscript() && await bHasHermes())

    // Killed while rows are being written and captured; rows keep coming while it is down.
    const mark = a.lines.length
    const writing = (async () => {
      for (let i = 10; i < 40; i++) {
        await oc.exec(openclawInsert(OSID, i, i + 1, CWD))
        if (i % 3 === 0) await hm.exec(hermesMessages(HSID, i, i + 1))
        if (i === 25) await oc.exec('PRAGMA wal_checkpoint(TRUNCATE)')
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    })()
    await aPrints(/^captured\s+agent:openclaw:/, mark)
    await a.stop('SIGKILL')
    await writing
    // Hermes rewrites rows in place (compaction) and checkpoints while A is down.
    await hm.exec("UPDATE messages SET active = 0, compacted = 1 WHERE id <= 3; PRAGMA wal_checkpoint(RESTART)")
    a = await startA(b.addr)
    await a.waitFor(/peer proven\s+laptop/, 30_000)
    await oc.exec(openclawInsert(OSID, 40, 44, CWD))
    await hm.exec(hermesMessages(HSID, 40, 42))
    await poll('every row on B', async () => await bHasTranscript() && await bHasHermes())

    const lines = (await readFile(join(dir, 'oc-out.jsonl'), 'utf8')).trimEnd().split('\n')
    expect(lines.length).toBe(44)
    expect(new Set(lines.map(l => JSON.parse(l).id)).size).toBe(44)
    const shown = await runCli(['session', 'show', `agent:openclaw:${OSID}`, '--home', b.home, '--all'], { env })
    expect(shown.stdout).toContain('answer 42')

    // The broken database: said, not touched; no stream retried; the user's key stayed where it was.
    expect(a.lines.some(l => /broken\/agent\/openclaw-agent\.sqlite: SQLite cannot read it: file is not a database/.test(l))).toBe(true)
    expect((await readFile(join(user, '.openclaw', 'agents', 'broken', 'agent', 'openclaw-agent.sqlite'))).equals(Buffer.alloc(4096, 0x5a))).toBe(true)
    expect(a.lines.filter(l => /retrying/.test(l))).toEqual([])
    for (const key of [`agent:openclaw:${OSID}`, `agent:hermes:${HSID}`]) {
      const r = await runCli(['agent', 'export', key, '--force', '--out', join(dir, 'x.jsonl'), '--home', b.home], { env })
      expect(r.code).toBe(0)
      expect(await readFile(join(dir, 'x.jsonl'), 'utf8')).not.toContain(PLANTED_SECRET)
    }
  }, 240_000)

  it('an import after the follow adds nothing: both read the same records with the same ids', async () => {
    // The transcript file `openclaw doctor --fix` migrated from and left behind: the session is
    // imported once, from the database, not once more from the file.
    const rows = await oc.exec(`SELECT event_json FROM transcript_events WHERE session_id = ${lit(OSID)} ORDER BY seq`)
    const legacy = join(user, '.openclaw', 'agents', 'main', 'sessions')
    await mkdir(legacy, { recursive: true })
    await writeFile(join(legacy, `${OSID}.jsonl`), rows.join('\n') + '\n')
    // The broken database beside it fails the run (exit 2), the readable session imported.
    const human = await runCli(['agent', 'import', 'openclaw', '--all', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(human.code, human.stderr).toBe(2)
    expect(human.stdout).toMatch(/^1 openclaw session, 0 new records/)
    expect(human.stderr).toContain(`${OSID}.jsonl was migrated into OpenClaw's database`)
    const oi = await runCli(['agent', 'import', 'openclaw', '--all', '--json', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(oi.code, oi.stderr).toBe(2)
    expect(json(oi)).toEqual([expect.objectContaining({ key: `agent:openclaw:${OSID}`, added: 0 })])
    // With --json the store passed by is a JSON line on stderr, no prose.
    expect(oi.stderr).toMatch(/^\{"event":"skipped","path":"[^"]*broken\/agent\/openclaw-agent\.sqlite","code":"INVALID_INPUT","message":"[^"]*: SQLite cannot read it/m)
    const hi = await runCli(['agent', 'import', 'hermes', '--since', '2026-11-01', '--json', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(hi.code, hi.stderr).toBe(0)
    // At most the session row again, its per-turn counters newer than the version the follower kept.
    expect(json(hi)).toEqual([expect.objectContaining({ key: `agent:hermes:${HSID}` })])
    expect(json(hi)[0].added).toBeLessThanOrEqual(1)
    const none = await runCli(['agent', 'import', 'hermes', '--since', '2027-01-01', '--json', '--home', a.home], { env })
    expect(json(none)).toEqual([])
    const list = json(await runCli(['agent', 'list', '--json', '--home', a.home], { env }))
    expect(list.local.filter((s: any) => s.imported).map((s: any) => s.key).sort()).toEqual([`agent:hermes:${HSID}`, `agent:openclaw:${OSID}`])
  }, 120_000)

  it('Hermes memory is written within the caps of its config.yaml', async () => {
    await writeFile(join(user, '.hermes', 'config.yaml'), 'model:\n  default: hermes-4\nmemory:\n  memory_enabled: true\n  memory_char_limit: 60   # small on purpose\n  user_char_limit: 1375\n')
    await mkdir(join(user, '.hermes', 'memories'), { recursive: true })
    await writeFile(join(user, '.hermes', 'memories', 'MEMORY.md'), formatEntries(['Project uses pnpm, never npm']))
    expect((await runCli(['memory', 'set', 'hermes/MEMORY/long', 'Deploys go through scripts/deploy.sh with a retry of three', '--tag', 'hermes:MEMORY', '--home', a.home], { env })).code).toBe(0)
    const r = await runCli(['agent', 'memory', 'sync', 'hermes', '--json', '--home', a.home], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(json(r)[0]).toMatchObject({ cap: 60, overCap: [expect.stringContaining('Deploys go through')] })
    expect([...await readFile(join(user, '.hermes', 'memories', 'MEMORY.md'), 'utf8')].length).toBeLessThanOrEqual(60)
  }, 60_000)
})
