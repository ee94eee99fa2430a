/**
 * Codex as a follow source: every rollout under `$CODEX_HOME/sessions/YYYY/MM/DD/` (or
 * `~/.codex`), one JSONL stream each, never `auth.json`. A rollout is the session its
 * session_meta line names (readCodexSessionId: the rule an import keys it by), read once per
 * file; one with no whole line yet waits for the next scan. Codex keeps a rollout open while it
 * runs its session (running.ts): its streams say so (keepsOpen), so the lease is let go once it closed.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { isMeshError } from '../../errors.js'
import { unlistable } from '../bundle.js'
import { codexHome, listCodexRollouts, readCodexSessionId } from '../codex/home.js'
import { codexLineKey, codexMeta, codexNameId, codexPathFields, codexView } from '../codex/records.js'
import { JsonlStream } from './jsonl-stream.js'
import type { Scan, Source, Stream } from './source.js'

export class CodexSource implements Source {
  readonly agent = 'codex'
  private readonly streams = new Map<string, Stream>()

  constructor (private readonly env: NodeJS.ProcessEnv = process.env, private readonly since?: number) {}

  get root (): string { return join(codexHome(this.env), 'sessions') }

  async scan (): Promise<Scan> {
    const home = codexHome(this.env)
    const watch = [home, join(home, 'sessions'), ...await dirs(join(home, 'sessions'), 3)]
    const out: Stream[] = []
    const problems: string[] = []
    for (const r of await listCodexRollouts(this.env, m => { problems.push(m) })) {
      if (this.since !== undefined && r.mtimeMs < this.since) continue
      let s = this.streams.get(r.path)
      if (s === undefined) {
        let found
        try {
          found = await readCodexSessionId(r.path)
        } catch (err: any) {
          if (err?.code === 'ENOENT') continue
          // One file that cannot be read (unreadable, not lines): said (and tried again next scan), the others followed.
          problems.push(`${r.path}: ${isMeshError(err) ? err.message : String(err?.code ?? err?.message ?? err)}`)
          continue
        }
        if (!found.settled || found.sessionId === undefined) continue
        const sessionId = found.sessionId
        // A rollout whose name says another session was followed under that one before: its cursor
        // is not this key's, so the stream (and its cursor) is named anew and read from the start.
        const id = codexNameId(r.name) === sessionId ? `codex:${r.path}` : `codex:${r.path}#${sessionId}`
        s = new JsonlStream({ id, agent: 'codex', sessionId, key: `agent:codex:${sessionId}`, path: r.path, file: '', lineKey: codexLineKey, view: codexView, pathFields: codexPathFields, cwdOf: l => codexMeta(l).cwd, meta: { name: r.name, dir: r.dir }, keepsOpen: true })
        this.streams.set(r.path, s)
      }
      out.push(s)
    }
    return { streams: out, watch, ...(problems.length > 0 ? { problems } : {}) }
  }
}

/** Directories under `root`, `depth` levels down (sessions/YYYY, YYYY/MM, YYYY/MM/DD). */
async function dirs (root: string, depth: number): Promise<string[]> {
  if (depth === 0) return []
  let ents
  // A folder that cannot be listed is said by the scan's listing (listCodexRollouts): not watched.
  try { ents = await readdir(root, { withFileTypes: true }) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR' || unlistable(err) !== undefined) return []; throw err }
  const out: string[] = []
  for (const e of ents) {
    if (!e.isDirectory()) continue
    const p = join(root, e.name)
    out.push(p, ...await dirs(p, depth - 1))
  }
  return out
}
