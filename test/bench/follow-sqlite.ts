/**
 * Live capture latency from a SQLite store: a row committed by a `sqlite3` process into an
 * OpenClaw-shaped `openclaw-agent.sqlite` (WAL, connection held open) on A, which runs `mesh join
 * --follow openclaw`, until B, another daemon process, reports it (message.appended on its
 * socket). Beside it, in the same run, the floor of any read-only SQLite follower on Node 20: a
 * plain fs.watch on the database's directory, then a read of the file and its WAL
 * (SqliteFile) in this process until the row is there. Each row waits for the previous one.
 * Then what a change costs on Node 20 (no node:sqlite): the reader rebuilds its in-memory image
 * of a store of tens of MB after one row was appended, against reading the same bytes.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { existsSync, watch } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { connectRpc } from '../../src/api/rpc-client.js'
import { SqliteFile } from '../../src/agents/sqlite/reader.js'
import { BIN, cliEnv } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemons.js'
import { sqlite3 } from '../helpers/sqlite3.js'
import { openclawInsert, openclawWindow, OPENCLAW_SCHEMA } from '../helpers/agent-stores.js'
import { fmt, now, percentile, report } from './util.js'

const MESH = existsSync(BIN) ? BIN : fileURLToPath(new URL('../../../bin/mesh.js', import.meta.url))
const SID = '4d5e6f70-8192-4a3b-9c4d-5e6f70819203'
const CWD = '/home/bench/src/live'

export async function benchFollowSqlite (dir: string, opts: { quick: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true })
  const state = join(dir, 'openclaw')
  const env = { ...cliEnv(dir), OPENCLAW_STATE_DIR: state }
  const wallet = join(dir, 'wallet.json')
  const made = spawnSync(process.execPath, [MESH, 'wallet', 'new', '--out', wallet], { env, encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`mesh wallet new failed: ${made.stderr}`)
  const dbDir = join(state, 'agents', 'main', 'agent')
  await mkdir(dbDir, { recursive: true })
  const dbPath = join(dbDir, 'openclaw-agent.sqlite')
  const w = await sqlite3(dbPath)
  await w.exec(`${OPENCLAW_SCHEMA}; ${openclawWindow(SID, 'agent:main:main')}; ${openclawInsert(SID, 0, 1, CWD)}`)
  const a = await startDaemon(env, { home: join(dir, 'a'), wallet, label: 'alpha', http: 'off', args: ['--follow', 'openclaw'] })
  const b = await startDaemon(env, { home: join(dir, 'b'), wallet, label: 'beta', http: 'off', bootstrap: a.addr }).catch(async (err) => { await a.proc.stop('SIGKILL'); throw err })
  const rpcB = await connectRpc(b.home)
  const local = new SqliteFile(dbPath)
  try {
    await a.proc.waitFor(/^following/, 30_000)
    await b.proc.waitFor(/peer proven\s+alpha/, 30_000)
    if (rpcB === undefined) throw new Error('no daemon answers on B')
    const key = `agent:openclaw:${SID}`
    for (;;) {
      const list = await rpcB.call('sessions.list', {})
      if (list.some(s => s.key === key)) break
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    const arrived = new Map<string, number>()
    let waiting: { id: string, resolve: () => void } | undefined
    const off = rpcB.subscribe((r) => {
      if (r.event.type !== 'message.appended' || r.event.key !== key) return
      const t = now()
      for (const m of r.event.messages) {
        const id = m.id.replace(/#\d+$/, '')
        if (!arrived.has(id)) arrived.set(id, t)
        if (waiting?.id === id) { const x = waiting; waiting = undefined; x.resolve() }
      }
    }, { sessions: [key] })
    const untilOnB = async (id: string): Promise<void> => {
      if (arrived.has(id)) return
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { reject(new Error(`row ${id} never reached B`)) }, 30_000)
        waiting = { id, resolve: () => { clearTimeout(t); resolve() } }
      })
    }
    // The baseline: fs.watch on the directory, then a read-only read of file + WAL for the row.
    const seen = new Map<number, number>()
    let reading = false
    const readNew = async (): Promise<void> => {
      if (reading) return
      reading = true
      try {
        const max = await local.read(q => Number(q.all('SELECT max(seq) AS m FROM transcript_events')[0]?.m))
        const t = now()
        for (let s = 0; s <= (max ?? -1); s++) if (!seen.has(s)) seen.set(s, t)
      } finally { reading = false }
    }
    await readNew()
    const watcher = watch(dbDir, () => { void readNew() })
    const count = opts.quick ? 20 : 100
    const mesh: number[] = []
    const base: number[] = []
    try {
      for (let n = 1; n <= count; n++) {
        const t0 = now()
        await w.exec(openclawInsert(SID, n, n + 1, CWD))
        const id = (0x10000000 + n).toString(16)
        await untilOnB(id)
        while (!seen.has(n)) { await readNew(); await new Promise(resolve => setImmediate(resolve)) }
        mesh.push((arrived.get(id) as number) - t0)
        base.push((seen.get(n) as number) - t0)
      }
    } finally {
      watcher.close()
      off()
    }
    const p50 = percentile(mesh, 50)
    const p99 = percentile(mesh, 99)
    const b50 = percentile(base, 50)
    report({ name: `live capture: OpenClaw SQLite row committed on A → on B (mesh join --follow openclaw), p50 ms (${count} rows)`, value: `${fmt(p50)} (p99 ${fmt(p99)})`, baseline: `fs.watch→read-only read of db+WAL ${fmt(b50, 2)} ms (p99 ${fmt(percentile(base, 99), 2)})`, ratio: `${fmt(p50 / Math.max(b50, 0.001), 0)}×`, target: 'p99 < 1000 ms (issue 13: within a second)', ok: p99 < 1000 })
  } finally {
    local.close()
    await rpcB?.close()
    await b.proc.stop('SIGKILL')
    await a.proc.stop('SIGKILL')
    await w.kill()
  }
}

/** The cost of one change for the sql.js path: a new image of a big store, against reading its bytes. */
export async function benchSqliteImage (dir: string, opts: { quick: boolean }): Promise<void> {
  await mkdir(dir, { recursive: true })
  const path = join(dir, 'big.sqlite')
  const w = await sqlite3(path, { autocheckpoint: 1000 })
  try {
    const mb = opts.quick ? 20 : 100
    await w.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${mb * 1024}) INSERT INTO t (body) SELECT printf('%.1000c', 'x') FROM n`)
    const f = new SqliteFile(path)
    const image: number[] = []
    const bytes: number[] = []
    for (let i = 0; i < (opts.quick ? 5 : 20); i++) {
      await w.exec("INSERT INTO t (body) VALUES ('one more')")
      let t0 = now()
      await readFile(path)
      await readFile(`${path}-wal`).catch(() => Buffer.alloc(0))
      bytes.push(now() - t0)
      t0 = now()
      await f.read(q => q.all('SELECT max(id) AS m FROM t'))
      image.push(now() - t0)
    }
    f.close()
    const p50 = percentile(image, 50)
    const b50 = percentile(bytes, 50)
    report({ name: `SQLite store re-read after a change (Node 20: file+WAL → sql.js image), ${mb} MB, p50 ms`, value: fmt(p50), baseline: `reading its bytes ${fmt(b50, 2)} ms`, ratio: `${fmt(p50 / Math.max(b50, 0.001), 1)}×`, target: 'informative (node:sqlite on Node 22.5+ reads pages instead)', ok: undefined })
  } finally {
    await w.kill()
  }
}
