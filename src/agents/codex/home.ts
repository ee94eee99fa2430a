/**
 * Codex's files, the client's side (AGENT-FORMATS.md §4): `$CODEX_HOME` or `~/.codex`, rollouts
 * at `sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`. Only those are opened, never `auth.json`.
 */
import { readdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { NotFoundError } from '../../errors.js'

export function codexHome (env: NodeJS.ProcessEnv = process.env): string {
  return env.CODEX_HOME ?? join(env.HOME ?? homedir(), '.codex')
}

export interface CodexRollout { sessionId: string, path: string, dir: string, name: string, mtimeMs: number, size: number }

const ROLLOUT = /^rollout-.*-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i

export async function listCodexSessions (env: NodeJS.ProcessEnv = process.env): Promise<CodexRollout[]> {
  const home = codexHome(env)
  const root = join(home, 'sessions')
  const out: CodexRollout[] = []
  const walk = async (d: string, depth: number): Promise<void> => {
    let names: string[]
    try { names = await readdir(d) } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return; throw err }
    for (const n of names) {
      const p = join(d, n)
      if (depth < 3) { await walk(p, depth + 1); continue }
      const m = ROLLOUT.exec(n)
      if (m === null) continue
      const st = await stat(p)
      if (st.isFile()) out.push({ sessionId: (m[1] as string).toLowerCase(), path: p, dir: relative(home, d).split(sep).join('/'), name: n, mtimeMs: st.mtimeMs, size: st.size })
    }
  }
  await walk(root, 0)
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs)
}

export async function findCodexSession (sessionId: string, env: NodeJS.ProcessEnv = process.env): Promise<CodexRollout> {
  const found = (await listCodexSessions(env)).find(s => s.sessionId === sessionId.toLowerCase())
  if (found === undefined) throw new NotFoundError(`no Codex rollout for session ${sessionId} under ${join(codexHome(env), 'sessions')}/YYYY/MM/DD/`, { sessionId })
  return found
}
