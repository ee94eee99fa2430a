/**
 * Codex's files, the client's side (AGENT-FORMATS.md §4): `$CODEX_HOME` or `~/.codex`, rollouts
 * at `sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`. Only those are opened, never `auth.json`.
 * Which session a rollout is comes from inside it (codexSessionId), as an import of it says.
 */
import { constants } from 'node:fs'
import { lstat, open, readdir } from 'node:fs/promises'
import { homedir } from 'node:os'
import { basename, join, relative, sep } from 'node:path'
import { InvalidInputError, NotFoundError } from '../../errors.js'
import { unlistable } from '../bundle.js'
import { warnOnStderr, type ListWarn } from '../claude/home.js'
import { splitJsonl, splitUntilBad } from '../jsonl.js'
import { UUID_TEXT } from '../ids.js'
import { notUtf8Words } from '../stuck-line.js'
import { codexMeta, codexNameId, codexSessionId } from './records.js'
import type { MeshOwn } from '../installed.js'

export function codexHome (env: NodeJS.ProcessEnv = process.env): string {
  return env.CODEX_HOME ?? join(env.HOME ?? homedir(), '.codex')
}

/**
 * What a resume writes into Codex's folder (the rollout, under `sessions/`): a folder holding
 * only that is no install (installed.ts). Codex's first run writes its own files beside it.
 */
export const CODEX_MESH_OWN: MeshOwn = { paths: ['sessions'], said: 'sessions/, what a resume writes there: nothing Codex writes when it runs (config.toml, history.jsonl, log/)' }

/** A rollout file as listed, before it is opened. */
export interface CodexRolloutFile { path: string, dir: string, name: string, mtimeMs: number, size: number }
export interface CodexRollout extends CodexRolloutFile { sessionId: string }

/** A rollout's file name: `rollout-<time>-<uuid>.jsonl`. */
const ROLLOUT = new RegExp(`^rollout-.*-${UUID_TEXT}\\.jsonl$`, 'i')

/**
 * The rollout files under `$CODEX_HOME/sessions/YYYY/MM/DD/`, newest first; none is opened. A
 * folder that cannot be listed (a symlink loop, no permission) is passed by and told to `warn`.
 */
export async function listCodexRollouts (env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<CodexRolloutFile[]> {
  const home = codexHome(env)
  const root = join(home, 'sessions')
  const out: CodexRolloutFile[] = []
  const walk = async (d: string, depth: number): Promise<void> => {
    let names: string[]
    try {
      names = await readdir(d)
    } catch (err: any) {
      if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return
      const why = depth > 0 ? unlistable(err) : undefined
      if (why === undefined) throw err
      warn(`${d} ${why}: its sessions were left out`)
      return
    }
    for (const n of names) {
      const p = join(d, n)
      if (depth < 3) { await walk(p, depth + 1); continue }
      if (!ROLLOUT.test(n)) continue
      // Not followed: a symlink is no rollout of Codex's (its reads refuse one too); a file gone
      // since the listing is left out.
      const st = await lstat(p).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
      if (st?.isFile() === true) out.push({ path: p, dir: relative(home, d).split(sep).join('/'), name: n, mtimeMs: st.mtimeMs, size: st.size })
    }
  }
  await walk(root, 0)
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs)
}

/**
 * Every rollout with the session it holds (each file read up to its session_meta line). A file
 * gone meanwhile is left out; one that cannot be read is listed by its name's id (an import of
 * it says what is wrong with it).
 */
export async function listCodexSessions (env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<CodexRollout[]> {
  const out: CodexRollout[] = []
  for (const f of await listCodexRollouts(env, warn)) {
    let sessionId: string | undefined
    try {
      sessionId = (await readCodexSessionId(f.path)).sessionId
    } catch (err: any) {
      // One file that cannot be read (gone, unreadable, not lines): listed by its name's id, or
      // left out when gone; the others are listed all the same.
      if (err?.code === 'ENOENT') continue
    }
    out.push({ ...f, sessionId: sessionId ?? codexNameId(f.name) as string })
  }
  return out
}

/** The rollout of a session: by the id inside it, else (a session given by its file's name) by the name's. */
export async function findCodexSession (sessionId: string, env: NodeJS.ProcessEnv = process.env, warn: ListWarn = warnOnStderr): Promise<CodexRollout> {
  const all = await listCodexSessions(env, warn)
  const id = sessionId.toLowerCase()
  const found = all.find(s => s.sessionId.toLowerCase() === id) ?? all.find(s => codexNameId(s.name) === id)
  if (found === undefined) throw new NotFoundError(`no Codex rollout for session ${sessionId} under ${join(codexHome(env), 'sessions')}/YYYY/MM/DD/`, { sessionId })
  return found
}

/** Read at a time while looking for the session_meta line (usually the first). */
const HEAD_BYTES = 64 * 1024

/**
 * The session a rollout file holds, by codexSessionId (what an import of it keys it by), reading
 * it only as far as its session_meta line. `settled` is false while the file holds no whole line
 * yet (just created, or its first line being written): the name's id is then a guess a follower
 * should not key a stream by. Never follows a symlink.
 */
export async function readCodexSessionId (path: string): Promise<{ sessionId?: string, settled: boolean }> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    // `rest`: the bytes after the last whole line looked at, from `at` in the file.
    let rest = Buffer.alloc(0)
    let at = 0
    let whole = 0
    for (;;) {
      const chunk = Buffer.alloc(HEAD_BYTES)
      const { bytesRead } = await fh.read(chunk, 0, HEAD_BYTES, at + rest.length)
      if (bytesRead === 0) {
        // The end: a last line without its '\n' counts when it parses, as in an import.
        const last = splitJsonl(rest).lines
        return { sessionId: codexSessionId(last, basename(path)), settled: whole + last.length > 0 }
      }
      rest = Buffer.concat([rest, chunk.subarray(0, bytesRead)])
      const nl = rest.lastIndexOf(0x0a)
      if (nl < 0) continue
      // Up to a line that is not UTF-8 (an import refuses the file; a follower stops there): the
      // session_meta line before it still names the session, so one bad line later on does not
      // make the whole file unknown. One before the session_meta line is said.
      const split = splitUntilBad(rest.subarray(0, nl + 1))
      const lines = split.lines
      // The file's first session_meta line: what codexSessionId over all its lines goes by.
      if (codexMeta(lines).found === true) return { sessionId: codexSessionId(lines, basename(path)), settled: true }
      if (split.bad !== undefined) {
        const bad = { line: whole + split.bad.index + 1, from: at + split.bad.from, to: at + split.bad.to }
        throw new InvalidInputError(`${notUtf8Words(bad)}, and comes before the session_meta line: which session the file holds cannot be read`, { line: bad.line, offset: bad.from })
      }
      whole += lines.length
      at += nl + 1
      rest = rest.subarray(nl + 1)
    }
  } finally {
    await fh.close()
  }
}
