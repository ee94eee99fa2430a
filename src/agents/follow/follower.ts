/**
 * The follower: reads what agents append to their sessions (the Sources) and stores it in the
 * matching mesh sessions through the API (agents.import), as any front-end would. Woken by
 * fs.watch on the directories the sources name, and by a poll every `pollMs` (a watch can miss
 * a directory created meanwhile, and some filesystems send no events). One pass at a time.
 *
 * Order of a stream's step: read after the saved cursor, store the records (each call returns
 * once they are durable on the daemon's disk), then save the cursor. Killed anywhere, the next
 * run reads again from the last saved cursor: nothing is lost, and what is sent twice is stored
 * once (records are keyed by id). A session written in the last LIVE_MS is live: this device
 * takes its driver lease (never from another device that holds it; the capture goes on anyway,
 * because the agent has written those lines here whatever mesh says), and lets it go once the
 * agent is done with the file, for the agents whose open file tells (release.ts).
 *
 * A file none of whose records so far is of a kind its agent writes is no session of the agent
 * (no-session.ts: the rule `mesh agent import` refuses such a file by): no session is made of it.
 * It is read on in memory (no cursor saved), and once a line of it is a record, read again from
 * where it was and stored whole, as an import would take it; while it stays as it was it is not
 * read or asked about again (junk.ts). A session mesh holds already takes every line, as ever.
 */
import { watch, type FSWatcher } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { CaptureStuck } from '../../../crdt/records.js'
import type { MeshApi } from '../../api/api.js'
import { InvalidInputError, isMeshError } from '../../errors.js'
import { importBatches } from '../import-batches.js'
import { gitRemote } from '../git.js'
import { noSessionIn } from '../no-session.js'
import { notUtf8Words, restAfter } from '../stuck-line.js'
import type { AgentName } from '../names.js'
import { isLinkRefused, refusedRead } from '../bundle.js'
import { checkSessionKey } from '../session-key.js'
import { CursorStore } from './cursors.js'
import { JunkFiles, NO_LOOK } from './junk.js'
import { LeaseReleaser, type Released } from './release.js'
import type { Held, Source, Stream, StreamRead, Stuck } from './source.js'

export const LIVE_MS = 5 * 60_000

export interface Captured { key: string, stream: string, records: number, added: number, messages: number }

/**
 * A line left unfinished this long (no '\n', not JSON, the file not written since) is said:
 * an agent writes a line in one go, so one that stays torn was most likely cut off by a crash.
 */
export const HELD_QUIET_MS = 10_000

/** A stream's last line held back: not whole, and the file not written for HELD_QUIET_MS. */
export interface HeldBack { key: string, stream: string, path?: string, bytes: number, /** When the file was last written. */ mtimeMs: number }

export interface FollowerOptions {
  api: MeshApi
  sources: Source[]
  cursors: CursorStore
  /** Diagnostics (a stream that cannot be read, the API down); never stdout of a protocol. */
  log: (line: string) => void
  /** After a stream was read to its end (all its reads in that go summed): what was stored, said once. */
  onCapture?: (c: Captured) => void
  /** A stream's last line stays unfinished (HeldBack): said once for each such line. */
  onHeldBack?: (h: HeldBack) => void
  /** The poll's period (default 1000 ms); watch events wake the follower before it. */
  pollMs?: number
  /** Take the lease of live sessions (default true). */
  lease?: boolean
  /** How long a file its agent keeps open while running it stays closed and unchanged before that lease is let go (default RELEASE_QUIET_MS). */
  releaseQuietMs?: number
  /** After a lease this follower took was let go (release.ts). */
  onRelease?: (r: Released) => void
  /** After every pass (e.g. telling the daemon what is followed: follow/status.ts). */
  afterPass?: (f: Follower) => Promise<void>
  /** Once stopped (e.g. telling the daemon it follows nothing any more). */
  onStop?: (f: Follower) => Promise<void>
}

/**
 * What this follower follows: each stream's session and file, when it last stored records and up to
 * where, and its last line while held back (HeldBack, from when it is said: `since` is when the file
 * was last written).
 */
export interface FollowedStream {
  key: string
  stream: string
  agent: string
  path?: string
  capturedAt?: number
  offset?: number
  heldBack?: { bytes: number, since: number }
  /** Capture stopped at this line, which is not UTF-8 (its number and bytes), until the file changes. */
  stuck?: { line: number, from: number, to: number }
}

export class Follower {
  private readonly cursors = new Map<string, unknown>()
  private readonly held = new Map<string, Held>()
  private readonly remotes = new Map<string, string | undefined>()
  private readonly leased = new Set<string>()
  private readonly watchers = new Map<string, FSWatcher>()
  private readonly reported = new Map<string, string>()
  /** What was last stored of each stuck stream (noteStuck), without its time. */
  private readonly stuckSent = new Map<string, string>()
  /** The held-back line said per stream (its offset and length), so it is said once. */
  private readonly heldSaid = new Map<string, string>()
  /** The other device said to drive a session this follower captured into, per session key. */
  private readonly drivenSaid = new Map<string, string>()
  private dirty = false
  private wake: (() => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private passing: Promise<void> = Promise.resolve()
  private readonly followed = new Map<string, FollowedStream>()
  /** Streams whose lines so far are no record (no session yet): the cursor they were read from, saved one. */
  private readonly probing = new Map<string, unknown>()
  /** Streams read again after a probe found a record: their lines are the session's, whatever the first read holds. */
  private readonly admitted = new Set<string>()
  private readonly releaser: LeaseReleaser
  /** Files that hold no session, by what they were when last read (junk.ts). */
  private readonly junk = new JunkFiles()
  readonly startedAt = Date.now()

  constructor (private readonly o: FollowerOptions) {
    // Only the lease the follower took: still this device's, of the same epoch (a take on another
    // device, or here after a release, makes another epoch; a take or renewal by hand here while
    // this device holds it keeps the epoch, so that lease is still let go as the follower's).
    // The API checks and releases in one step (its epoch).
    // Kept beside the cursors, so that a restarted follower still lets go of what an earlier run took.
    this.releaser = new LeaseReleaser(async (key, epoch, auto) => (await o.api.call('sessions.releaseLease', { key, epoch, ...(auto ? { auto } : {}) })).released, o.releaseQuietMs, new CursorStore(join(o.cursors.dir, 'leases'), { durable: true }))
  }

  /**
   * Follows until stop(): a first pass over what exists already, then on every wake. Returns at
   * once (the first pass over months of sessions can take a while, and the caller's Ctrl-C must
   * still find its own handler, e.g. `mesh join` flushing its store); `ready` resolves after it.
   */
  start (): void {
    if (this.running !== undefined) return
    this.running = this.pass().then(async () => { this.markReady(); await this.loop() })
  }

  private markReady!: () => void
  readonly ready = new Promise<void>(resolve => { this.markReady = resolve })

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.wake?.()
    for (const w of this.watchers.values()) w.close()
    this.watchers.clear()
    await this.running
    await this.passing
    try { await this.o.onStop?.(this) } catch (err) { this.o.log(`cannot report that following stopped: ${msg(err)}`) }
  }

  /** The streams followed so far (found by a scan, not gone since). */
  streams (): FollowedStream[] { return [...this.followed.values()].map(f => ({ ...f })) }

  get stopping (): boolean { return this.stopped }

  /** Wakes the follower for a pass as soon as the current one ends. */
  kick (): void {
    this.dirty = true
    const w = this.wake
    this.wake = undefined
    w?.()
  }

  private async loop (): Promise<void> {
    while (!this.stopped) {
      if (!this.dirty) {
        await new Promise<void>(resolve => {
          this.wake = resolve
          this.timer = setTimeout(resolve, this.o.pollMs ?? 1000)
        })
        clearTimeout(this.timer)
      }
      this.dirty = false
      if (this.stopped) break
      await this.pass()
      await this.releaseQuiet()
      // A report that fails (the daemon restarting) is said once and tried again after the next pass.
      try { await this.o.afterPass?.(this) } catch (err) { this.report('afterPass', `cannot report what is followed: ${msg(err)}`) }
    }
  }

  /** Every source scanned, every stream read up to its end. Passes never overlap. */
  async pass (): Promise<void> {
    const p = this.passing.then(async () => {
      const dirs = new Set<string>()
      for (const s of this.o.sources) {
        let scan
        try { scan = await s.scan() } catch (err) { this.report(`scan:${s.agent}`, `cannot list ${s.agent} sessions: ${msg(err)}`); continue }
        for (const d of scan.watch) dirs.add(d)
        for (const p of scan.problems ?? []) this.report(`scan:${s.agent}:${p}`, `cannot follow this ${s.agent} session, the others are followed: ${p}`)
        for (const st of scan.streams) {
          if (this.stopped) return
          if (!this.followed.has(st.id) && !this.probing.has(st.id)) this.track(st)
          await this.follow(st)
        }
      }
      this.watch(dirs)
    })
    this.passing = p
    await p
  }

  private track (st: Stream): void {
    this.followed.set(st.id, { key: st.key, stream: st.id, agent: st.agent, ...(st.path !== undefined ? { path: st.path } : {}) })
  }

  /** Lets go of the leases taken for files their agent closed and left quiet (release.ts). */
  private async releaseQuiet (): Promise<void> {
    let released: Released[]
    try { await this.releaser.load(); released = await this.releaser.check() } catch (err) { this.report('release', `cannot release a lease: ${msg(err)} (retrying)`); return }
    this.reported.delete('release')
    for (const r of released) {
      // Taken again when the agent appends again (`codex resume` here).
      this.leased.delete(r.key)
      this.o.onRelease?.(r)
    }
  }

  /** Reads these streams up to their end now (a hook's flush). */
  async flush (streams: readonly Stream[]): Promise<Captured[]> {
    const out: Captured[] = []
    const p = this.passing.then(async () => { for (const s of streams) out.push(...await this.follow(s, true)) })
    this.passing = p
    await p
    return out
  }

  /**
   * One stream read to its end; errors are reported (once per message) and retried next pass. A
   * file of a session mesh does not hold that was found to hold none (junk.ts) is skipped, and
   * its session not asked for, while it stays as it was.
   */
  private async follow (s: Stream, rethrow = false): Promise<Captured[]> {
    const out: Captured[] = []
    // A session mesh holds is no junk, unless its file was found unreadable for good (a link).
    const look = this.held.has(s.key) && !this.junk.has(s) ? NO_LOOK : await this.junk.look(s)
    if (look.unchanged) return out
    let stuck: Stuck | undefined
    // What this read stored is said once: at the file's end, before a held-back line is (its
    // note follows what was captured), else when the read ends otherwise.
    let said = false
    try {
      // An id no key can hold (a file named `bad id!.jsonl`): asking the API again never mends it.
      // Said once the file shows a record of its agent: a file with no session in it (`{}`) is
      // passed by as any such file is, and `mesh agent import` says so of it first too.
      const badKey = keyProblem(s)
      for (;;) {
        let cursor = this.cursors.get(s.id)
        if (cursor === undefined && !this.cursors.has(s.id)) {
          cursor = await this.o.cursors.get(s.id)
          this.cursors.set(s.id, cursor)
          // Captured by an earlier run: said as such until this one captures.
          const at = this.o.cursors.capturedAt(s.id)
          const f = this.followed.get(s.id)
          if (at !== undefined && f !== undefined && f.capturedAt === undefined) f.capturedAt = at
        }
        const held = badKey !== undefined ? undefined : await this.heldOf(s.key)
        const r = await s.read(cursor, held)
        if (r === undefined) {
          // Gone (the agent's cleanup deleted it): what mesh holds stays; a new file there starts afresh.
          if (this.cursors.get(s.id) !== undefined) await this.o.cursors.delete(s.id)
          this.cursors.delete(s.id)
          this.followed.delete(s.id)
          this.heldSaid.delete(s.id)
          this.probing.delete(s.id)
          this.admitted.delete(s.id)
          this.junk.forget(s)
          break
        }
        if (held === undefined && !this.admitted.has(s.id) && noSessionIn(s.agent, r.records)) {
          // No record yet, and no session in mesh: not taken as a session. Read on from here in memory.
          if (!this.probing.has(s.id)) this.probing.set(s.id, cursor)
          this.followed.delete(s.id)
          this.cursors.set(s.id, r.cursor)
          continue
        }
        if (this.probing.has(s.id) && (r.records.length > 0 || held !== undefined)) {
          // A record at last (or mesh holds the session now): read again from where the probe
          // began, and stored whole, as an import takes the file.
          this.cursors.set(s.id, this.probing.get(s.id))
          this.probing.delete(s.id)
          this.admitted.add(s.id)
          this.track(s)
          continue
        }
        if (badKey !== undefined && r.records.length > 0) throw badKey
        if (r.records.length > 0) out.push(await this.store(s, r, held))
        const f = this.followed.get(s.id)
        const capturedAt = r.records.length > 0 ? Date.now() : f?.capturedAt ?? this.o.cursors.capturedAt(s.id)
        if (JSON.stringify(r.cursor) !== JSON.stringify(cursor)) {
          await this.o.cursors.set(s.id, r.cursor, capturedAt)
          this.cursors.set(s.id, r.cursor)
        }
        if (f !== undefined) {
          const off = (r.cursor as { offset?: unknown } | undefined)?.offset
          if (typeof off === 'number') f.offset = off
          if (capturedAt !== undefined) f.capturedAt = capturedAt
        }
        if (r.records.length === 0) {
          stuck = r.stuck
          this.sayCaptured(out)
          said = true
          if (!this.probing.has(s.id)) this.sayHeldBack(s, r)
          break
        }
      }
      // Stuck at a line that is not UTF-8 before any record, and no session of it in mesh: no
      // session of the agent's (a binary file), named by its path and left until it changes.
      if (stuck !== undefined && !this.held.has(s.key)) throw new InvalidInputError(`${notUtf8Words(stuck)}, so it cannot be kept byte for byte: no session is made of this file`, { line: stuck.line, offset: stuck.from })
      // Stuck at a line that is not UTF-8: said once while it stays (the file is read again once it
      // changes), and reported with the streams (follow/status.ts) for agents.status.
      const f = this.followed.get(s.id)
      if (stuck !== undefined && !this.probing.has(s.id)) {
        this.report(s.id, stuckNote(s, stuck))
        if (f !== undefined) f.stuck = { line: stuck.line, from: stuck.from, to: stuck.to }
      } else {
        this.reported.delete(s.id)
        if (f !== undefined) delete f.stuck
      }
      await this.noteStuck(s, this.probing.has(s.id) ? undefined : stuck)
      // Read to its end (or to a stuck line, which its own note says): an import here that stopped
      // part-way is caught up with, so its note that this host holds more goes.
      const held = this.held.get(s.key)
      if (!this.probing.has(s.id) && held?.capturePath !== undefined && held.capturePath === s.path) {
        await this.o.api.call('agents.import', { key: s.key, agent: s.agent as AgentName, sessionId: s.sessionId, records: [], capture: null, force: true })
        delete held.capturePath
      }
      // Read to its end and still no session: neither read nor asked about again until it changes.
      if (this.probing.has(s.id)) this.junk.remember(s, look)
    } catch (caught) {
      // A file that makes no session (not UTF-8: not the agent's lines) is named by its path: its
      // key names a session that is not there and that this file never makes. So is one whose
      // session id can be no key, and a symbolic link (never read through, ELOOP from O_NOFOLLOW,
      // said in words), whatever mesh holds: asking again cannot mend them while the file stays
      // as it is. Each is said once and looked at again once it changes.
      const err = s.path !== undefined && isLinkRefused(caught) ? refusedRead(caught, s.path) : caught
      const unknown = !this.held.has(s.key) && s.path !== undefined
      const forGood = isMeshError(err) && (err.code === 'INVALID_SESSION_KEY' || (err.code === 'INVALID_INPUT' && (unknown || isLinkRefused(err))))
      if (forGood) this.junk.remember(s, look.sig !== undefined ? look : await this.junk.look(s))
      if (rethrow) throw err
      const text = msg(err)
      const named = s.path !== undefined && text.startsWith(s.path) ? text : `${unknown ? s.path as string : s.key}: ${text}`
      this.report(s.id, `${named} (${this.junk.has(s) ? 'looked at again once it changes' : 'retrying'})`)
    } finally {
      if (!said) this.sayCaptured(out)
    }
    return out
  }

  /**
   * What one read of a stream to its end stored, said once: a file the agent writes while it is
   * read is read again and again in the same go (each read a batch of its new lines), and a line
   * per batch said a line per record of a session being written.
   */
  private sayCaptured (out: readonly Captured[]): void {
    const first = out[0]
    if (first === undefined) return
    const c: Captured = { key: first.key, stream: first.stream, records: 0, added: 0, messages: 0 }
    for (const o of out) { c.records += o.records; c.added += o.added; c.messages += o.messages }
    if (c.added > 0) this.o.onCapture?.(c)
  }

  /**
   * Where capture of a session is stuck, stored in the session itself (agents.import's `stuck`),
   * so a resume on another machine says its conversation ends short, and where; cleared once
   * capture goes on. Sent when it changes only (the agent writing on past the line grows it).
   */
  private async noteStuck (s: Stream, stuck: Stuck | undefined): Promise<void> {
    const was = this.stuckSent.get(s.id)
    const held = this.held.get(s.key)
    // Not stuck, and not said to be (by this run, or as mesh holds it from an earlier one): nothing to say.
    if (stuck === undefined && was === undefined && (held?.stuckPath === undefined || held.stuckPath !== s.path)) return
    if (s.path === undefined || held === undefined) return
    let note: CaptureStuck | null = null
    if (stuck !== undefined) {
      const rest = await restAfter(s.path, stuck.from)
      note = { host: hostname(), path: s.path, line: stuck.line, from: stuck.from, to: stuck.to, bytesAfter: rest.bytes, linesAfter: rest.lines, at: Date.now() }
    }
    const sig = note === null ? undefined : JSON.stringify({ ...note, at: 0 })
    if (sig !== undefined && sig === was) return
    await this.o.api.call('agents.import', { key: s.key, agent: s.agent as AgentName, sessionId: s.sessionId, records: [], stuck: note, force: true })
    if (sig === undefined) { this.stuckSent.delete(s.id); delete held.stuckPath } else this.stuckSent.set(s.id, sig)
  }

  private async store (s: Stream, r: StreamRead, held: Held | undefined): Promise<Captured> {
    const cwd = r.meta.cwd
    const remote = held?.gitRemote ?? await this.remoteOf(s.key, cwd)
    let added = 0
    let messages = 0
    let drivenBy: string | undefined
    for (const batch of importBatches(r.records, r.messages)) {
      const res = await this.o.api.call('agents.import', {
        key: s.key, agent: s.agent, sessionId: s.sessionId, cwd, gitRemote: remote, name: r.meta.name, dir: r.meta.dir,
        records: batch.records, messages: batch.messages.map(m => ({ ...m })),
        // The agent wrote these lines on this machine: stored even while another device drives.
        force: true
      })
      added += res.added
      messages += res.messages
      drivenBy = res.drivenBy ?? drivenBy
    }
    this.sayDrivenBy(s, drivenBy)
    if (held === undefined) this.held.set(s.key, { cwd, gitRemote: remote })
    if (this.o.lease !== false && !this.leased.has(s.key) && Date.now() - r.mtimeMs < LIVE_MS) {
      const taken = await this.takeLease(s.key)
      if (taken !== undefined && s.keepsOpen === true && s.path !== undefined) await this.releaser.took(s.key, s.path, taken.epoch)
    }
    return { key: s.key, stream: s.id, records: r.records.length, added, messages }
  }

  /**
   * Captured while another device drives the session (it took the lease over since): said once
   * per holder, since the transcript now holds what both machines wrote.
   */
  private sayDrivenBy (s: Stream, holder: string | undefined): void {
    if (holder !== undefined) this.sayDriven(s.key, holder, `${s.key} is driven by ${holder}: what ${s.agent} writes here is captured all the same, so the session holds what both machines write; \`mesh lease take ${s.key} --take\` drives it here again`)
  }

  /** `line`, unless a line was said already of `key` driven by `holder` (by a capture, or by a lease take refused). */
  private sayDriven (key: string, holder: string, line: string): void {
    if (this.drivenSaid.get(key) === holder) return
    this.drivenSaid.set(key, holder)
    this.o.log(line)
  }

  /** Says a stream's unfinished last line once it has stayed so for HELD_QUIET_MS (else nothing: the agent is writing it). */
  private sayHeldBack (s: Stream, r: StreamRead): void {
    const bytes = r.heldBack ?? 0
    const f = this.followed.get(s.id)
    if (bytes === 0) { this.heldSaid.delete(s.id); if (f !== undefined) delete f.heldBack; return }
    // Written lately: the agent is writing that line, which is no held-back line yet.
    if (Date.now() - r.mtimeMs < HELD_QUIET_MS) { if (f !== undefined) delete f.heldBack; return }
    // Reported with the streams too (follow/status.ts), so `mesh agent list` shows it while it stays.
    if (f !== undefined) f.heldBack = { bytes, since: Math.floor(r.mtimeMs) }
    const which = `${JSON.stringify(r.cursor)}:${bytes}`
    if (this.heldSaid.get(s.id) === which) return
    this.heldSaid.set(s.id, which)
    this.o.onHeldBack?.({ key: s.key, stream: s.id, ...(s.path !== undefined ? { path: s.path } : {}), bytes, mtimeMs: r.mtimeMs })
  }

  /**
   * Takes the lease of a session the agent writes here, unless another device holds a live one;
   * the lease when this take made it (not one this device held already, which it only renewed: a
   * person's `mesh agent resume` or `mesh lease take`, told by the take itself), else undefined.
   * Taken as `auto` (the follower's own): a person who takes or renews it since makes it theirs,
   * and the release (release.ts) then leaves it.
   */
  async takeLease (key: string): Promise<{ epoch: number } | undefined> {
    try {
      const { lease, renewed } = await this.o.api.call('sessions.takeLease', { key, take: false, auto: true })
      this.leased.add(key)
      return renewed ? undefined : { epoch: lease.epoch }
    } catch (err) {
      if (isMeshError(err) && (err.code === 'LEASE_HELD' || err.code === 'READ_ONLY' || err.code === 'DEVICE_REVOKED')) {
        this.leased.add(key) // said once per run
        if (err.code === 'LEASE_HELD') {
          // Said once per holder, whether by this refusal or by a capture that came first (sayDrivenBy).
          const holder = String(err.details.holder ?? 'another device')
          this.sayDriven(key, holder, `${key} is driven by ${holder}: capturing what the agent writes here anyway`)
        }
        return undefined
      }
      if (isMeshError(err) && (err.code === 'NOT_FOUND' || err.code === 'SESSION_NOT_FOUND')) return undefined
      throw err
    }
  }

  private async heldOf (key: string): Promise<Held | undefined> {
    const h = this.held.get(key)
    if (h !== undefined) return h
    try {
      const m = (await this.o.api.call('agents.records', { key, limit: 1 })).meta
      const held = { cwd: m.cwd, gitRemote: m.gitRemote, ...(m.stuck !== undefined ? { stuckPath: m.stuck.path } : {}), ...(m.capture !== undefined && m.capture.host === hostname() ? { capturePath: m.capture.path } : {}) }
      this.held.set(key, held)
      return held
    } catch (err) {
      if (isMeshError(err) && (err.code === 'NOT_FOUND' || err.code === 'SESSION_NOT_FOUND')) return undefined
      throw err
    }
  }

  private async remoteOf (key: string, cwd: string | undefined): Promise<string | undefined> {
    if (this.remotes.has(key)) return this.remotes.get(key)
    let r: string | undefined
    // The remote only helps find the project on another machine: a cwd gone or unreadable here leaves it unknown.
    try { r = cwd !== undefined ? await gitRemote(cwd) : undefined } catch (err) { this.o.log(`${key}: no git remote recorded (${msg(err)})`) }
    this.remotes.set(key, r)
    return r
  }

  private watch (dirs: Set<string>): void {
    if (this.stopped) return
    for (const [d, w] of this.watchers) if (!dirs.has(d)) { w.close(); this.watchers.delete(d) }
    for (const d of dirs) {
      if (this.watchers.has(d)) continue
      try {
        const w = watch(d, { persistent: false }, () => { this.kick() })
        // A watched directory deleted (a session's side folder removed): the next scan decides again.
        w.on('error', () => { w.close(); if (this.watchers.get(d) === w) this.watchers.delete(d) })
        this.watchers.set(d, w)
      } catch (err: any) {
        // Not there yet (no Claude Code home so far): the poll looks again.
        if (err?.code !== 'ENOENT' && err?.code !== 'ENOTDIR') this.report(`watch:${d}`, `cannot watch ${d}: ${msg(err)}`)
      }
    }
  }

  private report (what: string, line: string): void {
    if (this.reported.get(what) === line) return
    this.reported.set(what, line)
    this.o.log(line)
  }
}

/**
 * What a follower says of a stream stuck at a line that is not UTF-8: where (the line and its
 * bytes in the file, as `mesh agent import` names them), what was captured, and that capture of
 * this session stops there until the line is fixed (the file itself is never changed).
 */
export function stuckNote (s: Stream, st: Stuck): string {
  const kept = st.before === 0 ? 'nothing of it was captured' : `the ${st.before === 1 ? 'line' : `${st.before} lines`} before it ${st.before === 1 ? 'is' : 'are'} captured in ${s.key}`
  return `${s.path ?? s.key}: ${notUtf8Words(st)}, so it cannot be kept byte for byte: ${kept}, and capture of this session stops at that line until it is fixed; the file is left as it is (read again once it changes)`
}

function msg (err: unknown): string { return err instanceof Error ? err.message : String(err) }

/** The error of a stream whose session id can be no mesh key, or undefined. */
function keyProblem (s: Stream): Error | undefined {
  try { checkSessionKey(s.key, s.sessionId); return undefined } catch (err) { if (!isMeshError(err)) throw err; return err }
}
