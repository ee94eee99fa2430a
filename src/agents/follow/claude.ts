/**
 * Claude Code as a follow source: every main transcript under `$CLAUDE_CONFIG_DIR/projects/*`
 * (or `~/.claude`), with its side folder (`<sessionId>/subagents/*.jsonl` line by line, other
 * side files whole) and the older layout's sub-agents' transcripts beside it (`agent-<id>.jsonl`
 * whose lines name it as their session). Only these files are opened, never credentials. A transcript deleted by
 * Claude Code's cleanup simply stops being listed: what mesh holds of it stays.
 */
import { lstat, readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { listFiles, unlistable } from '../bundle.js'
import { claudePathFields } from '../claude/fields.js'
import { besideSubagents, bundleFilePath, linkedTranscript, projectsDir, sideDir, subagentParent, transcriptSessionId } from '../claude/home.js'
import { claudeCwd, claudeLineKey } from '../claude/records.js'
import { claudeView } from '../claude/view.js'
import { FileStream } from './file-stream.js'
import { JsonlStream } from './jsonl-stream.js'
import type { Scan, Source, Stream } from './source.js'

export class ClaudeSource implements Source {
  readonly agent = 'claude'
  private readonly streams = new Map<string, Stream>()
  /** The parent session of each older-layout sub-agent transcript found so far (it never changes: read once). */
  private readonly parents = new Map<string, string>()
  private readonly parentOf = async (path: string): Promise<string | undefined> => {
    const known = this.parents.get(path)
    if (known !== undefined) return known
    const p = await subagentParent(path)
    if (p !== undefined) this.parents.set(path, p)
    return p
  }

  /** `since`: only sessions written at or after this time (ms). */
  constructor (private readonly env: NodeJS.ProcessEnv = process.env, private readonly since?: number) {}

  get root (): string { return projectsDir(this.env) }

  async scan (): Promise<Scan> {
    const root = this.root
    const watch: string[] = [dirname(root), root]
    const out: Stream[] = []
    const problems: string[] = []
    /** Transcripts taken, by path: a file named by a link and by itself is followed once. */
    const taken = new Set<string>()
    let projects: string[]
    try { projects = await readdir(root) } catch (err: any) { if (err?.code === 'ENOENT') return { streams: [], watch }; throw err }
    for (const p of projects.sort()) {
      const dir = join(root, p)
      let names: string[]
      try {
        names = await readdir(dir)
      } catch (err: any) {
        if (err?.code === 'ENOTDIR' || err?.code === 'ENOENT') continue
        // One project folder that cannot be listed (a symlink loop, no permission): said, the others followed.
        const why = unlistable(err)
        if (why === undefined) throw err
        problems.push(`${dir} ${why}: its sessions are left out`)
        continue
      }
      watch.push(dir)
      for (const n of names.sort()) {
        if (!n.endsWith('.jsonl') || n.startsWith('agent-')) continue
        const path = join(dir, n)
        let st
        try { st = await lstat(path) } catch (err: any) { if (err?.code === 'ENOENT') continue; throw err }
        // A link is never read through: one to a transcript inside projects/ is followed at its
        // target (as mesh agent list lists it); any other is said and passed by (one that loops
        // failed this whole scan once), followed once a file is there instead.
        let at = path
        let mtimeMs = st.mtimeMs
        if (st.isSymbolicLink()) {
          const t = await linkedTranscript(path, root)
          if ('why' in t) { problems.push(`${path} ${t.why}`); continue }
          at = t.path
          mtimeMs = t.mtimeMs
        } else if (!st.isFile()) continue
        if (this.since !== undefined && mtimeMs < this.since) continue
        if (taken.has(at)) continue
        taken.add(at)
        const side = await this.sessionStreams(at)
        out.push(...side.streams)
        watch.push(...side.watch)
      }
    }
    return { streams: out, watch, ...(problems.length > 0 ? { problems } : {}) }
  }

  /** The streams of one transcript and its side folder (what a hook flushes). */
  async sessionStreams (transcript: string): Promise<Scan> {
    // Named as an import names it: a renamed or copied file by its lines' session
    // (transcriptSessionId, read once: a followed file keeps the session it was first named by).
    const sessionId = this.streams.get(`claude:${transcript}`)?.sessionId ?? await transcriptSessionId(transcript)
    const key = `agent:claude:${sessionId}`
    const streams: Stream[] = [this.jsonl(transcript, sessionId, key, '')]
    const side = sideDir(transcript)
    const watch: string[] = []
    const beside = await besideSubagents(transcript, sessionId, this.parentOf)
    for (const rel of [...await listFiles(side), ...beside]) {
      const path = bundleFilePath(transcript, rel)
      watch.push(dirname(path))
      streams.push(rel.endsWith('.jsonl') ? this.jsonl(path, sessionId, key, rel) : this.whole(path, sessionId, key, rel))
    }
    return { streams, watch: [...new Set(watch)] }
  }

  private jsonl (path: string, sessionId: string, key: string, file: string): Stream {
    const id = `claude:${path}`
    let s = this.streams.get(id)
    if (s === undefined) {
      s = new JsonlStream({ id, agent: 'claude', sessionId, key, path, file, lineKey: claudeLineKey, view: claudeView, pathFields: claudePathFields, cwdOf: claudeCwd })
      this.streams.set(id, s)
    }
    return s
  }

  private whole (path: string, sessionId: string, key: string, file: string): Stream {
    const id = `claude:${path}`
    let s = this.streams.get(id)
    if (s === undefined) { s = new FileStream(id, 'claude', sessionId, key, path, file); this.streams.set(id, s) }
    return s
  }
}
