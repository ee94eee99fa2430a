/**
 * A rollback-journal database (no WAL) with a `-journal` beside it at every try: a writer in the
 * middle of a change, or one that stopped in one and left a hot journal only a writer rolls
 * back. The read gives up as before, without reading half-changed pages, and says why (the
 * journal), not that the file "changed under every read", which it did not.
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SqliteFile } from '../../src/agents/sqlite/reader.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('a database with a hot rollback journal', () => {
  it('is not read, and the refusal names the journal', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const db = join(t.dir, 'state.db')
    execFileSync('sqlite3', ['-batch', db], { input: 'PRAGMA journal_mode=DELETE; CREATE TABLE t (x); INSERT INTO t VALUES (1);' })
    const f = new SqliteFile(db, { env: { MESH_SQLITE: 'sqljs' }, attempts: 3 })
    expect(await f.read(q => q.all('SELECT x FROM t'))).toEqual([{ x: 1 }])
    f.close()
    await writeFile(`${db}-journal`, 'left by a writer that stopped mid-change')
    const g = new SqliteFile(db, { env: { MESH_SQLITE: 'sqljs' }, attempts: 3 })
    await expect(g.read(q => q.all('SELECT x FROM t'))).rejects.toThrow(`a rollback journal (${db}-journal) was there still after 3 tries`)
    g.close()
  })
})
