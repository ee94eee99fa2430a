/**
 * Codex as a follow source: every rollout under `$CODEX_HOME/sessions/YYYY/MM/DD/` (or
 * `~/.codex`), one JSONL stream each, never `auth.json`.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { codexHome, listCodexSessions } from '../codex/home.js'
import { codexLineKey, codexMeta, codexPathFields, codexView } from '../codex/records.js'
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
    for (const r of await listCodexSessions(this.env)) {
      if (this.since !== undefined && r.mtimeMs < this.since) continue
      const id = `codex:${r.path}`
      let s = this.streams.get(id)
      if (s === undefined) {
        s = new JsonlStream({ id, agent: 'codex', sessionId: r.sessionId, key: `agent:codex:${r.sessionId}`, path: r.path, file: '', lineKey: codexLineKey, view: codexView, pathFields: codexPathFields, cwdOf: l => codexMeta(l).cwd, meta: { name: r.name, dir: r.dir } })
        this.streams.set(id, s)
      }
      out.push(s)
    }
    return { streams: out, watch }
  }
}

/** Directories under `root`, `depth` levels down (sessions/YYYY, YYYY/MM, YYYY/MM/DD). */
async function dirs (root: string, depth: number): Promise<string[]> {
  if (depth === 0) return []
  let ents
  try { ents = await readdir(root, { withFileTypes: true }) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return []; throw err }
  const out: string[] = []
  for (const e of ents) {
    if (!e.isDirectory()) continue
    const p = join(root, e.name)
    out.push(p, ...await dirs(p, depth - 1))
  }
  return out
}
