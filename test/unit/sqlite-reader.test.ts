/**
 * The read-only SQLite reader against databases the real `sqlite3` shell writes in WAL mode:
 * committed rows in the WAL are seen while the writer holds it open and appends; a checkpoint
 * (TRUNCATE, RESTART) between the reader's reads of the file and of the WAL makes it read again,
 * never mix two states; a torn or corrupted last frame leaves the last whole commit; a file that
 * is no database is a typed error naming it; and reading never writes, never creates `-shm`.
 */
import { copyFile, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { SqliteFile } from '../../src/agents/sqlite/reader.js'
import { committedFrames, walHeader } from '../../src/agents/sqlite/wal.js'
import { isMeshError } from '../../src/errors.js'
import { sqlite3 } from '../helpers/sqlite3.js'
import { tempDir } from '../helpers/tmp.js'

const env = { ...process.env, MESH_SQLITE: 'sqljs' }

async function setup (): Promise<{ dir: string, path: string }> {
  const t = await tempDir()
  onTestFinished(t.cleanup)
  return { dir: t.dir, path: join(t.dir, 'store.sqlite') }
}

const count = async (f: SqliteFile): Promise<number | undefined> => await f.read(q => Number(q.all('SELECT count(*) AS n FROM t')[0]?.n))
const check = async (f: SqliteFile): Promise<string | undefined> => await f.read(q => String(q.all('PRAGMA integrity_check')[0]?.integrity_check))

describe('SqliteFile', () => {
  it('sees rows committed in the WAL of a writer that holds it open, and writes nothing', async () => {
    const { path } = await setup()
    const w = await sqlite3(path)
    onTestFinished(w.kill)
    await w.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO t (body) VALUES ('one'), ('two')")
    const f = new SqliteFile(path, { env })
    expect(await count(f)).toBe(2)
    expect(f.engine).toBe('sql.js')
    // Everything is still in the WAL: the file alone has not even the table.
    expect(committedFrames(await readFile(`${path}-wal`))?.frames).toBeGreaterThan(0)
    await w.exec("INSERT INTO t (body) VALUES ('three')")
    expect(await count(f)).toBe(3)
    expect(await check(f)).toBe('ok')

    // The writer killed: its -wal stays; without -shm the reader recovers the WAL itself and creates nothing.
    await w.kill()
    const { rm } = await import('node:fs/promises')
    await rm(`${path}-shm`, { force: true })
    const before = { db: await readFile(path), wal: await readFile(`${path}-wal`), dbt: (await stat(path)).mtimeMs, walt: (await stat(`${path}-wal`)).mtimeMs }
    const g = new SqliteFile(path, { env })
    expect(await g.read(q => q.all('SELECT body FROM t ORDER BY id').map(r => r.body))).toEqual(['one', 'two', 'three'])
    expect(existsSync(`${path}-shm`)).toBe(false)
    expect(existsSync(`${path}-journal`)).toBe(false)
    expect((await readFile(path)).equals(before.db)).toBe(true)
    expect((await readFile(`${path}-wal`)).equals(before.wal)).toBe(true)
    expect((await stat(path)).mtimeMs).toBe(before.dbt)
    expect((await stat(`${path}-wal`)).mtimeMs).toBe(before.walt)
    g.close()
    f.close()
  })

  it('follows a writer appending while it reads: counts only grow, every image is a whole database', async () => {
    const { path } = await setup()
    const w = await sqlite3(path, { autocheckpoint: 50 })
    onTestFinished(w.kill)
    await w.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)')
    const f = new SqliteFile(path, { env })
    // A second reader in lockstep with the writer sees each commit; the first reads as fast as it can meanwhile.
    const step = new SqliteFile(path, { env })
    let last = 0
    const writing = (async () => {
      for (let i = 0; i < 60; i++) {
        await w.exec(`INSERT INTO t (body) VALUES (printf('%.${200 + i * 40}c', 'x'))`)
        expect(await count(step)).toBe(i + 1)
      }
    })()
    let done = false
    writing.then(() => { done = true }, () => { done = true })
    while (!done) {
      const n = await count(f) as number
      expect(n).toBeGreaterThanOrEqual(last)
      expect(await check(f)).toBe('ok')
      last = n
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    await writing
    expect(await count(f)).toBe(60)
    f.close()
    step.close()
  })

  it('while the WAL keeps its generation, reads only the WAL again; a restarted WAL makes it read the file', async () => {
    const { path } = await setup()
    const w = await sqlite3(path)
    onTestFinished(w.kill)
    await w.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)')
    const f = new SqliteFile(path, { env })
    for (let i = 1; i <= 10; i++) {
      await w.exec(`INSERT INTO t (body) VALUES ('row ${i}')`)
      expect(await count(f)).toBe(i)
    }
    expect(f.fullReads).toBe(1)
    // A checkpoint copies pages into the file, the WAL keeps its generation: still the WAL alone.
    await w.exec('PRAGMA wal_checkpoint(PASSIVE)')
    expect(await count(f)).toBe(10)
    expect(f.fullReads).toBe(1)
    // All of it was copied: the next write starts the WAL over (new salts), and the file is read again.
    await w.exec("INSERT INTO t (body) VALUES ('row 11')")
    expect(await count(f)).toBe(11)
    expect(f.fullReads).toBe(2)
    await w.exec("PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t (body) VALUES ('row 12'); DELETE FROM t WHERE id = 3")
    expect(await f.read(q => q.all('SELECT id FROM t ORDER BY id').map(r => r.id))).toEqual([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(f.fullReads).toBe(3)
    expect(await check(f)).toBe('ok')
    f.close()
  })

  for (const mode of ['TRUNCATE', 'RESTART'] as const) {
    it(`reads again when a ${mode} checkpoint and new writes land between its read of the file and of the WAL`, async () => {
      const { path } = await setup()
      const w = await sqlite3(path)
      onTestFinished(w.kill)
      await w.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO t (body) VALUES ('a'), ('b')")
      let fired = false
      const f = new SqliteFile(path, {
        env,
        betweenReads: async () => {
          if (fired) return
          fired = true
          await w.exec(`PRAGMA wal_checkpoint(${mode}); INSERT INTO t (body) VALUES ('c'); UPDATE t SET body = 'B' WHERE body = 'b'`)
        }
      })
      const h0 = walHeader(await readFile(`${path}-wal`))
      expect(await f.read(q => q.all('SELECT body FROM t ORDER BY id').map(r => r.body))).toEqual(['a', 'B', 'c'])
      expect(fired).toBe(true)
      expect(f.retries).toBeGreaterThan(0)
      expect(walHeader(await readFile(`${path}-wal`))?.salt1).not.toBe(h0?.salt1)
      expect(await check(f)).toBe('ok')
      f.close()
    })
  }

  it('keeps the last whole commit when the WAL ends in a torn or corrupted frame', async () => {
    const { dir, path } = await setup()
    const w = await sqlite3(path)
    onTestFinished(w.kill)
    await w.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO t (body) VALUES ('a'); INSERT INTO t (body) VALUES ('b')")
    const torn = join(dir, 'torn.sqlite')
    await copyFile(path, torn)
    await copyFile(`${path}-wal`, `${torn}-wal`)
    const size = (await stat(`${torn}-wal`)).size
    await truncate(`${torn}-wal`, size - 100)
    expect(await new SqliteFile(torn, { env }).read(q => q.all('SELECT body FROM t').map(r => r.body))).toEqual(['a'])
    const bad = join(dir, 'bad.sqlite')
    await copyFile(path, bad)
    const wal = await readFile(`${path}-wal`)
    wal[wal.length - 10] = (wal[wal.length - 10] as number) ^ 0xff
    await writeFile(`${bad}-wal`, wal)
    expect(await new SqliteFile(bad, { env }).read(q => q.all('SELECT body FROM t').map(r => r.body))).toEqual(['a'])
  })

  it('uses node:sqlite, read-only, where Node has it and the writer\'s -shm exists; sql.js otherwise', async () => {
    const { path } = await setup()
    const w = await sqlite3(path)
    onTestFinished(w.kill)
    await w.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO t (body) VALUES ('one'), ('two')")
    const f = new SqliteFile(path, { env: { ...process.env, MESH_SQLITE: undefined } })
    expect(await f.read(q => q.all('SELECT body FROM t ORDER BY id').map(r => r.body))).toEqual(['one', 'two'])
    const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
    expect(f.engine).toBe(major > 22 || (major === 22 && minor >= 5) ? 'node:sqlite' : 'sql.js')
    await w.exec("INSERT INTO t (body) VALUES ('three')")
    expect(await count(f)).toBe(3)
    // The writer still writes and checkpoints: no lock of the reader is left behind.
    await w.exec('PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t (body) VALUES (\'four\')')
    expect(await count(f)).toBe(4)
    const garbage = `${path}.bad`
    await writeFile(garbage, Buffer.alloc(8192, 0x41))
    const err = await new SqliteFile(garbage, { env: { ...process.env, MESH_SQLITE: undefined } }).read(q => q.all('SELECT 1')).catch((e: unknown) => e)
    expect(isMeshError(err) && err.code === 'INVALID_INPUT').toBe(true)
    f.close()
  })

  it('says which file is not a database, with a stable code; a missing file is undefined', async () => {
    const { dir, path } = await setup()
    await writeFile(path, Buffer.alloc(8192, 0x41))
    const f = new SqliteFile(path, { env })
    const err = await f.read(q => q.all('SELECT 1')).catch((e: unknown) => e)
    expect(isMeshError(err) && err.code === 'INVALID_INPUT').toBe(true)
    expect(String((err as Error).message)).toContain(path)
    expect(String((err as Error).message)).toMatch(/not a database/)
    expect(await new SqliteFile(join(dir, 'none.sqlite'), { env }).read(q => q.all('SELECT 1'))).toBeUndefined()
  })
})
