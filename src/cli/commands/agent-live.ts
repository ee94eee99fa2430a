/**
 * Live capture from the command line: `mesh agent follow AGENT[,AGENT]` (also run by
 * `mesh join --follow`), `mesh agent hook claude` (what Claude Code's hooks run: reads the hook's
 * JSON on stdin, registers and flushes that session) and `mesh agent hooks install|uninstall
 * claude` (those hooks in Claude Code's user settings). The follower is a client of the API
 * like every front-end: in `mesh join` it calls the daemon's API in process, elsewhere over the
 * daemon's socket (or the home opened per call while no daemon runs).
 */
import { existsSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import {
  applyClaudeHooks, ClaudeSource, CursorStore, Follower, FollowReporter, followNames, followSources, HELD_QUIET_MS, holdFollowing, noAgentHere, parseSince, shellQuote, type Captured, type HeldBack, type Released
} from '../../agents/index.js'
import type { MeshApi } from '../../api/api.js'
import { InvalidInputError, isMeshError, UsageError } from '../../errors.js'
import { DaemonFollower } from '../follow.js'
import { stdout as out, untilStopped, withApi, type Globals } from '../context.js'
import { gotWords, plural } from '../wording.js'
import { messageHere } from '../zone-words.js'
import { readHookInput } from '../hook-input.js'

/** The follower's cursors live in the home they were stored in. */
export function cursorStore (g: Globals): CursorStore { return new CursorStore(join(g.home, 'agent-follow')) }

export function formatCapture (c: Captured): string {
  return `captured      ${c.key}: +${plural(c.added, 'record')}${c.messages > 0 ? ` (${plural(c.messages, 'message')})` : ''}`
}

export function formatHeldBack (h: HeldBack): string {
  return `held back     ${h.key}: the last line of ${h.path ?? h.stream} (${plural(h.bytes, 'byte')}) is not whole (no newline, not JSON) and has not changed for ${Math.round(HELD_QUIET_MS / 1000)} s: captured once the agent finishes it (if the agent stopped mid-write, it never will)`
}

export function formatReleased (r: Released): string {
  return `released      ${r.key}: lease let go (no process holds ${r.path} open, and it has not changed for ${quiet(r.quietMs)}): another device resumes it without --take`
}

const quiet = (ms: number): string => ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 100) / 10} s`

/**
 * How long a followed file its agent keeps open (Codex) stays closed and unchanged before the
 * lease taken for it is let go: RELEASE_QUIET_MS, or MESH_FOLLOW_RELEASE_MS (ms) when set.
 */
export function releaseQuietMs (env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.MESH_FOLLOW_RELEASE_MS
  if (v === undefined || v === '') return undefined
  if (!/^\d{1,9}$/.test(v)) throw new InvalidInputError(`MESH_FOLLOW_RELEASE_MS=${v.slice(0, 40)}: a number of milliseconds (0 to 999999999)`)
  return Number(v)
}

/** Starts following `list` (claude,codex) through `api` (its first pass runs in the background). */
export function startFollowing (api: MeshApi, g: Globals, list: string, opts: { since?: string, print: (c: Captured) => void, log: (line: string) => void, held: (h: HeldBack) => void, released?: (r: Released) => void }): Follower {
  const since = opts.since !== undefined ? parseSince(opts.since) : undefined
  const sources = followSources(list, process.env, since)
  // With no daemon, the report is written to the home, where mesh agent list reads it (api/follow-beats.ts).
  const reporter = new FollowReporter(api, sources.map(s => s.agent), () => !(api instanceof DaemonFollower) || api.following, g.home)
  const f = new Follower({
    api,
    sources,
    cursors: cursorStore(g),
    log: opts.log,
    onCapture: opts.print,
    onHeldBack: opts.held,
    // Said as a note where the caller shows no such line (mesh join).
    onRelease: opts.released ?? (r => { opts.log(formatReleased(r).replace(/^released\s+/, '')) }),
    releaseQuietMs: releaseQuietMs(),
    afterPass: async f => { await reporter.afterPass(f) },
    onStop: async f => { await reporter.stopped(f) }
  })
  f.start()
  // An agent whose folder is not here (not installed, or its variable mis-set) is said once, not
  // as caught up with nothing to say: the follower goes on watching, for the folder may come.
  for (const s of sources) {
    void noAgentHere(s.agent, process.env).then(none => { if (none !== undefined) opts.log(`note: ${none.message.replace(' here:', ' here yet:')}: watching for it`) }, () => {})
  }
  return f
}

export async function followCmd (g: Globals, list: string | undefined, values: Record<string, unknown>): Promise<number> {
  if (list === undefined) throw new UsageError('mesh agent follow claude|codex|openclaw|hermes[,…] [--since DATE]')
  // Said as followed: each name once, trimmed, an empty one in the list dropped (`claude,` is claude).
  const followed = followNames(list).join(',')
  // Ctrl-C and SIGTERM are taken from the start, before the first await (where bin/mesh.js lets go
  // of its own hold): one that comes as soon as the first line is out (a script that stops the
  // follower once it started) stops it as cleanly as one later, not the process killed mid-start.
  let ended = (): void => {}
  const stopping = untilStopped(new Promise<void>(resolve => { ended = resolve }))
  try {
    await follow(g, list, followed, values, stopping)
  } finally {
    ended()
  }
  // Stopped by Ctrl-C or SIGTERM, what was being captured in mesh: said, as `mesh join` says it.
  out.line(g.json ? JSON.stringify({ event: 'stopped' }) : `stopped following ${followed}`)
  return 0
}

/** Follows `list` (said as `followed`) until `stopping` settles. */
async function follow (g: Globals, list: string, followed: string, values: Record<string, unknown>, stopping: Promise<void>): Promise<void> {
  const api = new DaemonFollower(g, (daemon, again) => { out.err(again === true ? '`mesh join` had closed this connection (nothing of it read for a while): capturing through it again' : daemon ? '`mesh join` runs: capturing through it' : '`mesh join` stopped: each capture opens the home until it runs again') })
  let f: Follower | undefined
  let lock: Awaited<ReturnType<typeof holdFollowing>> | undefined
  try {
    // With no daemon, the home is opened once before anything is followed: a home that is not set
    // up (a mistyped --home) is refused as every command refuses it, before the follower writes
    // its cursors and reports there, rather than each capture failing and retried until Ctrl-C.
    // Ctrl-C while it waits for the home (another process holds it a moment) stops it as later.
    const stopped = new AbortController()
    void stopping.then(() => { stopped.abort() })
    if (!(await api.start())) {
      try {
        await withApi(g, async () => {}, { signal: stopped.signal })
      } catch (err) {
        if (stopped.signal.aborted) return
        throw err
      }
    }
    // One follower per home: a second is refused here (FOLLOWER_RUNNING), naming the first's pid.
    lock = await holdFollowing(g.home, { agents: followNames(list), kind: 'follow' })
    f = startFollowing(api, g, list, {
      since: values.since as string | undefined,
      print: c => { g.json ? out.line(JSON.stringify({ event: 'captured', ...c })) : out.line(formatCapture(c)) },
      held: h => { g.json ? out.line(JSON.stringify({ event: 'held-back', ...h })) : out.line(formatHeldBack(h)) },
      released: r => { g.json ? out.line(JSON.stringify({ event: 'released', ...r })) : out.line(formatReleased(r)) },
      log: line => { out.err(line) }
    })
    if (!g.json) out.line(`following ${followed} (pid ${process.pid}); Ctrl-C stops`)
    else out.line(JSON.stringify({ event: 'following', agents: followed.split(','), pid: process.pid }))
    void f.ready.then(() => { if (!g.json) out.line('caught up: what existed is in mesh; following new lines') })
    await stopping
  } finally {
    try { await f?.stop() } finally { await lock?.release() }
    await api.close()
  }
}

/**
 * What Claude Code's hooks run. Never exit 2 (a Stop hook exiting 2 keeps Claude Code from
 * stopping) and never print on stdout (SessionStart's stdout goes into the model's context):
 * a failure is a line on stderr and exit 1, which Claude Code shows and goes on.
 */
export async function hookCmd (g: Globals, agent: string | undefined): Promise<number> {
  try {
    if (agent !== 'claude') throw new UsageError(`mesh agent hook claude (reads Claude Code's hook input on stdin); ${gotWords(agent, ['claude'])}`)
    const input = await readHookInput()
    const sid = typeof input.session_id === 'string' ? input.session_id : undefined
    if (sid === undefined) throw new UsageError('the hook input names no session_id')
    if (!/^[A-Za-z0-9._-]+$/.test(sid) || sid.startsWith('.')) throw new UsageError(`the hook input's session_id ${JSON.stringify(sid.slice(0, 80))} is not a session id (letters, digits, '.', '_', '-')`)
    const transcript = typeof input.transcript_path === 'string' && input.transcript_path.endsWith('.jsonl') ? input.transcript_path : undefined
    const event = String(input.hook_event_name ?? '')
    const key = `agent:claude:${sid}`
    await withApi(g, async api => {
      const f = new Follower({ api, sources: [], cursors: cursorStore(g), log: line => { out.err(`mesh hook: ${line}`) } })
      if (transcript !== undefined && existsSync(transcript)) await f.flush((await new ClaudeSource(process.env).sessionStreams(transcript)).streams)
      if (event === 'SessionStart') {
        // Claude Code creates the transcript at its first line: the session is registered now.
        const cwd = typeof input.cwd === 'string' ? input.cwd : undefined
        if (!(await hasSession(api, key))) await api.call('agents.import', { key, agent: 'claude', sessionId: sid, cwd, records: [], force: true })
        await f.takeLease(key)
      }
      if (event === 'SessionEnd' && await hasSession(api, key)) await api.call('sessions.releaseLease', { key })
    })
    return 0
  } catch (err) {
    // A time in it said in this machine's zone, as the CLI's error line says it (the API's message says it in UTC).
    out.err(`mesh hook: ${isMeshError(err) ? `${err.code}: ${messageHere(err)}` : err instanceof Error ? err.message : String(err)}`)
    return 1
  }
}

async function hasSession (api: MeshApi, key: string): Promise<boolean> {
  return (await api.call('sessions.list', {})).some(s => s.key === key)
}

export async function hooksCmd (g: Globals, sub: string | undefined, agent: string | undefined): Promise<number> {
  if (sub !== 'install' && sub !== 'uninstall') throw new UsageError('mesh agent hooks install|uninstall claude')
  if (agent !== 'claude') throw new UsageError(`hooks are installed for claude only (${gotWords(agent, ['claude'])}): \`mesh agent follow codex\` captures Codex without them`)
  // The command names this node binary, this mesh and this home: it runs whatever PATH Claude Code has.
  const bin = realpathSync(process.argv[1] as string)
  const command = `${shellQuote(process.execPath)} ${shellQuote(bin)} agent hook claude --home ${shellQuote(g.home)}`
  const r = await applyClaudeHooks(sub === 'install' ? command : undefined)
  if (g.json) { out.json({ ...r, command: sub === 'install' ? command : undefined }); return 0 }
  if (r.removed !== undefined) {
    out.line(`${r.changed ? `removed mesh's ${r.events.join(', ')} hooks; ` : ''}Claude Code has not run on this machine (nothing of its own in ${r.folder}), so what mesh made there is removed: ${r.removed.join(', ')}`)
    return 0
  }
  if (!r.changed) out.line(sub === 'install' ? `mesh's hooks are in ${r.path} already` : `no mesh hooks in ${r.path}`)
  else out.line(`${sub === 'install' ? 'added' : 'removed'} mesh's ${r.events.join(', ')} hooks ${sub === 'install' ? 'to' : 'from'} ${r.path}${r.backup !== undefined ? ` (the previous file is ${r.backup})` : ''}`)
  // Said, as its settings file now makes Claude Code count as installed here (skills and memory sync write into its folder).
  if (sub === 'install' && r.changed && !r.claudeHere) out.line(`Claude Code has not run on this machine yet (nothing of its own in ${r.folder}): the hooks work once it does, and from now on skills and memory sync for claude write into that folder`)
  return 0
}
