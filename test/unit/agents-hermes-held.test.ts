/**
 * A Hermes resume when this machine's Hermes holds the session already: Hermes's importer skips a
 * session id its state.db has, so the export file would be ignored and `hermes --resume` continue
 * Hermes's own copy. Hermes's copy with messages mesh lacks is refused (import it first); an older
 * copy is refused (delete it in Hermes first); the same copy needs no file; no copy: the file.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hermesBundle, hermesDbLine, SqliteFile, writeHermesExport } from '../../src/agents/index.js'
import { HERMES_SCHEMA, hermesMessages, hermesSession } from '../helpers/agent-stores.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
async function tmp (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return t.dir }

const S = '20261130_100000_abc123'
const sql = (db: string, text: string): void => { execFileSync('sqlite3', ['-batch', db], { input: text }) }

async function lineOf (db: string): Promise<string> {
  const f = new SqliteFile(db, { env: { MESH_SQLITE: 'sqljs' } })
  try { return await f.read(q => hermesDbLine(q, S)) as string } finally { f.close() }
}

describe('resuming a Hermes session this machine\'s Hermes holds', () => {
  it('says which copy Hermes would continue instead of writing a file its importer skips', async () => {
    const d = await tmp()
    const home = join(d, 'hermes')
    await mkdir(home)
    const db = join(home, 'state.db')
    const env = { HERMES_HOME: home, MESH_SQLITE: 'sqljs' }
    sql(db, `${HERMES_SCHEMA};\n${hermesSession(S, '/w', 'a title')};\n${hermesMessages(S, 0, 4)};`)
    const four = hermesBundle(await lineOf(db)).records

    // Hermes has it as mesh has it: nothing to import, the command resumes it.
    const same = await writeHermesExport(S, four, { env })
    expect(same).toMatchObject({ unchanged: true, command: `hermes --resume ${S}` })
    await expect(stat(join(home, 'mesh-imports', `${S}.jsonl`))).rejects.toThrow()

    // Hermes went on here: its new message is not in mesh.
    sql(db, `${hermesMessages(S, 4, 5)};`)
    await expect(writeHermesExport(S, four, { env })).rejects.toThrow(/already holds session .* with 1 message this session in mesh has not got: import them first \(mesh agent import hermes --session/)
    const five = hermesBundle(await lineOf(db)).records

    // mesh went on elsewhere; Hermes here has the older copy.
    sql(db, `DELETE FROM messages WHERE id = 5;`)
    await expect(writeHermesExport(S, five, { env })).rejects.toThrow(/already holds an older copy of session .*hermes sessions delete/)
    await expect(stat(join(home, 'mesh-imports', `${S}.jsonl`))).rejects.toThrow()

    // Hermes does not have it: the file for its dashboard's import, then the resume.
    sql(db, `DELETE FROM messages; DELETE FROM sessions;`)
    const written = await writeHermesExport(S, five, { env })
    expect(written).toMatchObject({ command: `hermes --resume ${S}`, importFirst: `import ${written.path} in Hermes's dashboard: run \`hermes dashboard\`, open Sessions, click "Import sessions" and choose the file` })
    expect((await stat(written.path)).isFile()).toBe(true)
  })
})
