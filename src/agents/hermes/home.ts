/**
 * Hermes's files, the client's side (AGENT-FORMATS.md §3.1): `$HERMES_HOME` or `~/.hermes`.
 * Sessions live in `state.db` (SQLite, written by the gateway alone), read read-only by db.ts,
 * or come in through Hermes's own export (`hermes sessions export - --format jsonl`, or a file
 * it wrote); they go back as a file of that format for its importer, never into the database.
 * Never opened: `.env`, `auth.json`.
 */
import { spawn } from 'node:child_process'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { InvalidInputError } from '../../errors.js'
import type { MeshOwn } from '../installed.js'

export function hermesHome (env: NodeJS.ProcessEnv = process.env): string {
  return env.HERMES_HOME ?? join(env.HOME ?? homedir(), '.hermes')
}

/** Where a resume puts the export file for Hermes's importer. */
const HERMES_IMPORTS = 'mesh-imports'

export function hermesImportDir (env: NodeJS.ProcessEnv = process.env): string { return join(hermesHome(env), HERMES_IMPORTS) }

/** The export files a resume writes for Hermes's importer: a folder holding only those is no install (installed.ts). */
export const HERMES_MESH_OWN: MeshOwn = { paths: [HERMES_IMPORTS], said: `mesh's own ${HERMES_IMPORTS}/, from a resume` }

/**
 * Runs Hermes's own exporter and returns what it printed: every session, or one. The `hermes`
 * on PATH reads its own database; mesh only reads the JSONL it writes to stdout.
 */
export async function hermesExport (opts: { sessionId?: string, env?: NodeJS.ProcessEnv, bin?: string } = {}): Promise<Buffer> {
  const args = ['sessions', 'export', '-', '--format', 'jsonl', ...(opts.sessionId !== undefined ? ['--session-id', opts.sessionId] : [])]
  const bin = opts.bin ?? 'hermes'
  return await new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ENOENT' ? new InvalidInputError(`no \`${bin}\` on PATH: export the sessions with Hermes (\`hermes sessions export FILE --format jsonl\`) and import that file with --file FILE`) : e)
    })
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new InvalidInputError(`\`${bin} ${args.join(' ')}\` failed (exit ${String(code)}): ${err.trim().slice(0, 500)}`))
    })
  })
}
