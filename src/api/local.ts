/**
 * The API in-process: every method over an open vault (and the node, when one runs), with input
 * validated against the schema first. The daemon serves this over its socket and HTTP; without a
 * daemon, the CLI and the SDK run the same object in their own process, so there is one code
 * path.
 */
import { logger } from '@libp2p/logger'
import { DOC_NAMES, MAX_APPEND_BYTES, parseSessionKey, RecordsDoc, SessionsIndexDoc, type NativeRecord, type NewMessage, type SessionKey } from '../../crdt/index.js'
import { InvalidInputError, isMeshError, LeaseHeldError, NotFoundError, ReadOnlyError, SessionNotFoundError } from '../errors.js'
import { equals, isExpired, toHex, type RegistryOp } from '../identity/index.js'
import type { MeshNode, NodeEvent } from '../node/mesh.js'
import type { Fork, Quarantined } from '../node/vault.js'
import { megabytes as mb, type ProgressEvent, type TransferStatus } from '../node/progress.js'
import { PeerBook } from '../node/peer-book.js'
import { listDevices, revokeDevices } from './devices.js'
import { EventLog, type CallOptions, type EventRecord, type MeshApi, type SubscribeOptions } from './api.js'
import type { ApiEvent, Input, METHODS, MethodName, Output, TransferSchema } from './schema.js'
import { SessionCache } from './session-cache.js'
import { Approvals } from './pairing.js'
import type { Session } from './session.js'
import { appendRecords, fitsOneEntry, viewOf, type CaptureMeta } from './agents-import.js'
import { FollowTable } from './follow-table.js'
import type { MeshVault } from './vault.js'

const log = logger('mesh:api')

export interface LocalApiOptions {
  vault: MeshVault
  node?: MeshNode
  /** Called by `node.stop`; without it the method says no daemon runs. */
  onStop?: () => void
  /** What `node.status` reports about the daemon. */
  daemon?: { pid: number, http?: () => string | undefined }
}

type Handler<M extends MethodName> = (input: ParsedInput<M>, signal: AbortSignal | undefined, client?: AbortSignal) => Promise<Output<M>>
/**
 * The methods' schemas (zod), loaded by the first call: a daemon that no client talks to does
 * not hold them (a few MB of an idle node's memory).
 */
let schema: Promise<typeof import('./schema.js')> | undefined
type ParsedInput<M extends MethodName> = import('zod').output<(typeof METHODS)[M]['input']>

export class LocalApi implements MeshApi {
  readonly vault: MeshVault
  readonly node?: MeshNode
  private readonly events = new EventLog()
  private readonly cache: SessionCache
  private readonly offs: Array<() => void> = []
  private docNames = new Map<string, string>()
  private knownSessions = new Set<string>()
  private closed = false
  private approvals: Approvals | undefined

  constructor (private readonly opts: LocalApiOptions) {
    this.vault = opts.vault
    this.node = opts.node
    this.cache = new SessionCache(this.vault, (e) => { this.events.push(e) })
    if (opts.node !== undefined) {
      const node = opts.node
      this.vault.setPresence((id) => node.isOnline(id))
      const onNode = (e: NodeEvent): void => { const a = fromNodeEvent(e); if (a !== undefined) this.events.push(a) }
      node.on('event', onNode)
      const onProgress = (t: ProgressEvent): void => { this.events.push({ ...transferView(t), type: 'transfer.progress' }) }
      node.on('progress', onProgress)
      this.offs.push(() => { node.off('event', onNode); node.off('progress', onProgress) })
    }
    const onRights = (e: { deviceId: string, label: string, capabilities: readonly string[], reloaded: readonly string[] }): void => {
      this.events.push({ type: 'device.rights', deviceId: e.deviceId, label: e.label, capabilities: [...e.capabilities], reloaded: [...e.reloaded] })
    }
    this.vault.vault.on('rights', onRights)
    this.offs.push(() => { this.vault.vault.off('rights', onRights) })
    const onDisk = (full: boolean): void => { this.events.push({ type: 'disk', full }) }
    this.vault.vault.on('disk', onDisk)
    this.offs.push(() => { this.vault.vault.off('disk', onDisk) })
    const onQuarantined = (q: Quarantined): void => { this.events.push({ type: 'quarantined', ...q }) }
    this.vault.vault.on('quarantined', onQuarantined)
    this.offs.push(() => { this.vault.vault.off('quarantined', onQuarantined) })
    const onFork = (f: Fork): void => { this.events.push({ type: 'fork', ...f }) }
    this.vault.vault.on('fork', onFork)
    this.offs.push(() => { this.vault.vault.off('fork', onFork) })
    // The device list changed: a registry operation (its kind), or a device's certificate learned
    // from a peer. A registry operation is also announced as a certificate just after: said once.
    let lastOp: Uint8Array | undefined
    const onRegistry = (op: RegistryOp): void => { lastOp = op.bytes; this.events.push({ type: 'devices.changed', op: op.kind }) }
    const onCertificate = (bytes: Uint8Array): void => { if (lastOp === undefined || !equals(lastOp, bytes)) this.events.push({ type: 'devices.changed', op: 'certificate' }) }
    this.vault.vault.on('registry', onRegistry)
    this.vault.vault.on('certificate', onCertificate)
    this.offs.push(() => { this.vault.vault.off('registry', onRegistry); this.vault.vault.off('certificate', onCertificate) })
    const onEntry = (e: { doc: Uint8Array, local: boolean }): void => { if (!e.local) this.onRemoteEntry(toHex(e.doc)) }
    this.vault.vault.on('entry', onEntry)
    this.offs.push(() => { this.vault.vault.off('entry', onEntry) })
  }

  /**
   * Loads what the event mapping needs (document names, known sessions) in the background: both
   * read the sessions index, a large document in a vault of 10,000 sessions, which held `mesh
   * join` back from running. Only the sessions refresh needs them first (it waits for `loaded`).
   */
  private loaded: Promise<void> = Promise.resolve()
  async start (): Promise<this> {
    this.loaded = (async () => {
      this.docNames = await this.vault.vault.docNames()
      this.knownSessions = new Set((await this.vault.sessions.list()).map(s => s.key))
    })().catch((err: unknown) => { log('loading document names failed: %e', err) })
    return this
  }

  async call<M extends MethodName>(method: M, input: Input<M>, options: CallOptions = {}): Promise<Output<M>> {
    const { METHODS } = await (schema ??= import('./schema.js'))
    const def = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method] : undefined
    if (def === undefined) throw new InvalidInputError(`unknown method ${String(method)}`)
    const parsed = def.input.safeParse(input ?? {})
    if (!parsed.success) {
      const issues = parsed.error.issues.map(i => `${i.path.length > 0 ? i.path.join('.') : 'input'}: ${i.message}`).join('; ')
      throw new InvalidInputError(`${method}: ${issues}`, { method })
    }
    if ('writes' in def && def.writes === true) this.vault.vault.assertWritable(`write (${method})`)
    options.signal?.throwIfAborted()
    const h = this.handlers[method] as unknown as Handler<M>
    return await h(parsed.data as any, options.signal, options.client)
  }

  subscribe (fn: (r: EventRecord) => void, options: SubscribeOptions = {}): () => void {
    const pins = (options.sessions ?? []).map(k => this.cache.pin(parseSessionKey(k)))
    const off = this.events.subscribe(fn, options.after)
    return () => { off(); for (const unpin of pins) unpin() }
  }

  /** The newest event's cursor. */
  get cursor (): number { return this.events.last }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.approvals?.close()
    for (const off of this.offs.splice(0)) off()
    await this.cache.close()
  }

  /** An entry from a peer: sessions not held open get a light event; the index may name new sessions. */
  private onRemoteEntry (hex: string): void {
    const name = this.docNames.get(hex)
    if (name === undefined) {
      void this.vault.vault.docNames().then(n => { this.docNames = n; if (n.has(hex)) this.onRemoteEntry(hex) }, (err: unknown) => { log('doc names: %e', err) })
      return
    }
    if (name === DOC_NAMES.memory) { this.events.push({ type: 'memory.changed', remote: true }); return }
    if (name === DOC_NAMES.skills) { this.events.push({ type: 'skills.changed', remote: true }); return }
    if (name === DOC_NAMES.sessionsIndex) { void this.refreshSessions(); return }
    if (!this.cache.isOpen(name as SessionKey)) this.events.push({ type: 'session.changed', key: name, remote: true })
  }

  private async refreshSessions (): Promise<void> {
    try {
      await this.loaded // sessions known at start are not new
      const now = await this.vault.sessions.list()
      for (const s of now) {
        if (this.knownSessions.has(s.key)) continue
        this.knownSessions.add(s.key)
        this.events.push({ type: 'session.created', key: s.key, remote: true })
      }
      this.docNames = await this.vault.vault.docNames()
    } catch (err) {
      log('refreshing the sessions index failed: %e', err)
    }
  }

  private readonly follows = new FollowTable()

  /** agents.import as one change, when records and view fit in one entry and no lease blocks it. */
  private async importGrouped (key: SessionKey, meta: CaptureMeta, records: NativeRecord[], messages: NewMessage[], bytes: number, force: boolean | undefined): Promise<{ added: number, total: number, messages: number } | undefined> {
    if (!fitsOneEntry(bytes, messages)) return undefined
    try {
      return await this.withSession(key, async (s) => {
        const r = await s.appendAlong({ force }, (doc) => {
          const d = RecordsDoc.of(doc)
          const added = appendRecords(d, meta, records)
          return { value: { added: added.length, total: d.length }, messages: viewOf(added, messages) }
        })
        return { ...r.value, messages: r.messages.length }
      })
    } catch (err) {
      // Another device drives the session: the records are stored alone, then the append says so.
      if (err instanceof LeaseHeldError) return undefined
      throw err
    }
  }

  private async withSession<T>(key: string, fn: (s: Session) => Promise<T> | T): Promise<T> {
    try {
      return await this.cache.use(parseSessionKey(key), fn)
    } catch (err) {
      // A session still arriving from a peer says so, instead of "no such session".
      const a = err instanceof SessionNotFoundError ? this.node?.arriving(key) : undefined
      if (a === undefined) throw err
      const pct = a.bytesTotal > 0 ? Math.floor(a.bytesDone * 100 / a.bytesTotal) : 0
      throw new SessionNotFoundError(`session ${parseSessionKey(key)} is arriving from ${a.from}: ${pct}% (${mb(a.bytesDone)} of ${mb(a.bytesTotal)})${a.etaMs !== undefined ? `, about ${Math.ceil(a.etaMs / 1000)} s left` : ''}`, { key, arriving: a })
    }
  }

  private readonly handlers: { [M in MethodName]: Handler<M> } = {
    // Pairing by code (issue 14 §2): the run is held between the two calls (api/pairing.ts).
    'devices.approve': async (input, signal, client) => await (this.approvals ??= new Approvals(this.vault.vault, this.node)).approve(input, signal, client),
    'devices.decide': async (input, signal) => await (this.approvals ??= new Approvals(this.vault.vault, this.node)).decide(input, signal),
    'node.status': async () => {
      const s = await this.vault.status()
      const node = this.node
      const v = this.vault.vault
      const mine = v.identity.certificate
      const newest = v.certs.get(v.identity.device.publicKey)
      const revoked = v.certs.revocationOf(v.identity.device.publicKey)
      const owed = v.certs.state.owed
      return {
        ...s,
        diskFull: v.diskFull,
        ...(revoked !== undefined ? { revoked } : {}),
        // A revoked device is sent the registry only up to its revocation, so the rotation that
        // followed looks owed to it: it is none of its business, and it could not make it anyway.
        ...(owed.length > 0 && revoked === undefined ? { rotationOwed: { since: Math.min(...owed.map(o => o.at)), revokes: owed.length, here: v.writable } } : {}),
        certificate: {
          version: mine.version,
          writable: v.writable,
          expiresAt: mine.expiresAt,
          expired: isExpired(mine, Date.now(), 0),
          superseded: newest !== undefined && !equals(newest.bytes, mine.bytes)
        },
        daemon: {
          running: this.opts.daemon !== undefined,
          pid: this.opts.daemon?.pid,
          listen: node?.addresses() ?? [],
          peers: node?.provenCount() ?? 0,
          http: this.opts.daemon?.http?.(),
          relay: node?.status().relay,
          relayVia: node?.status().relayVia
        }
      }
    },
    'node.stop': async () => {
      if (this.opts.onStop === undefined) return { stopping: false }
      setImmediate(() => this.opts.onStop?.())
      return { stopping: true }
    },
    'peers.list': async (input) => {
      if (this.node !== undefined) {
        const peers = await this.node.peers({ rtt: input.rtt })
        return peers.map(p => ({ ...p, via: String(p.via), transfers: p.transfers.map(transferView) }))
      }
      const book = new PeerBook(this.vault.info().home)
      await book.load()
      return book.list().map(p => ({ peerId: p.peerId, label: p.label, capabilities: p.capabilities, addrs: p.addrs, via: 'remembered', state: 'offline' as const, behind: {}, lacking: {}, inSync: false, diskFull: false, transfers: [], lastSeen: p.lastSeen }))
    },
    'devices.list': async () => await listDevices(this.vault.vault, this.node),
    'devices.revoke': async (input) => await revokeDevices(this.vault.vault, input, this.node),
    'sessions.list': async (input) => {
      const list = await this.vault.sessions.list()
      if (input.details !== true) return list
      const out = []
      for (const s of list) {
        try {
          out.push(await this.withSession(s.key, (h) => {
            const info = h.resumeInfo({ tail: 0 })
            return { ...s, status: info.status, lease: info.lease, lastWriter: info.lastWriter, messageCount: info.messageCount }
          }))
        } catch (err) {
          // A session listed in the index whose document has not arrived yet.
          if (!isMeshError(err)) throw err
          out.push(s)
        }
      }
      return out
    },
    'sessions.create': async (input) => {
      const key = parseSessionKey(input.key)
      const s = await this.vault.sessions.create(key, { title: input.title, goal: input.goal })
      const meta = s.meta()
      await s.close()
      this.knownSessions.add(key)
      this.events.push({ type: 'session.created', key, remote: false })
      return { key, title: meta.title, createdAt: meta.createdAt }
    },
    'sessions.show': async (input) => await this.withSession(input.key, (s) => {
      if (input.after !== undefined) {
        const info = s.resumeInfo({ tail: 0 })
        const { messages, firstIndex } = s.messagesAfter(input.after)
        return { ...info, messages: this.labelled(s, messages), firstIndex }
      }
      const tail = input.all === true ? undefined : (input.tail ?? 50)
      const info = s.resumeInfo({ tail })
      return { ...info, messages: this.labelled(s, info.messages), firstIndex: info.messageCount - info.messages.length }
    }),
    'sessions.wait': async (input, signal) => {
      const key = parseSessionKey(input.key)
      const found = await this.vault.sessions.find(key, { signal: anySignal(signal, input.timeoutMs) })
      return found
    },
    'sessions.append': async (input) => {
      const list = input.messages ?? []
      if (input.role !== undefined || input.content !== undefined) {
        if (input.role === undefined || input.content === undefined || input.content === '') throw new InvalidInputError('an append needs a role and a non-empty content (or messages)')
        list.unshift({ role: input.role, content: input.content, toolCall: input.toolCall, toolResult: input.toolResult })
      }
      if (list.length === 0) throw new InvalidInputError('refusing to append an empty message')
      return await this.withSession(input.key, async (s) => this.labelled(s, await s.append(list, { force: input.force })))
    },
    'sessions.task': async (input) => await this.withSession(input.key, async (s) => {
      const existing = s.task().todos
      const now = Date.now()
      const todos: Array<{ id: string, text: string, done?: boolean }> = []
      for (const [i, text] of (input.todoAdd ?? []).entries()) todos.push({ id: `t${(now + i).toString(36).slice(-4)}`, text })
      for (const id of input.todoDone ?? []) {
        const t = existing.find(x => x.id === id)
        if (t === undefined) throw new NotFoundError(`session ${s.key} has no todo ${id} (see \`mesh session show ${s.key}\`)`, { id })
        todos.push({ id, text: t.text, done: true })
      }
      await s.updateTask({ plan: input.plan, cwd: input.cwd, progress: input.progress, todos, filesTouched: input.files, fields: input.fields ?? undefined }, { force: input.force })
      return s.task()
    }),
    'sessions.takeLease': async (input) => await this.withSession(input.key, async (s) => {
      const r = await s.takeLease({ take: input.take })
      return { lease: r.lease, tookOverFrom: r.tookOverFrom !== undefined ? (r.tookOverFrom.label ?? r.tookOverFrom.device) : undefined }
    }),
    'sessions.renewLease': async (input) => await this.withSession(input.key, async (s) => ({ lease: await s.renewLease() })),
    'sessions.releaseLease': async (input) => await this.withSession(input.key, async (s) => ({ released: await s.releaseLease() })),
    'sessions.resume': async (input) => {
      if (input.take === true && this.vault.vault.certs.isRevoked(this.vault.vault.identity.device.publicKey)) this.vault.vault.assertWritable(`take the driver lease of ${input.key}`)
      if (input.take === true && !this.vault.vault.writable) throw new ReadOnlyError(`this device (${this.vault.info().label}) is read-only: it can follow ${input.key} but not take its driver lease. Resume without --take to read it`)
      return await this.resume(input)
    },
    'memory.get': async (input) => {
      const e = await this.vault.memory.get(input.key)
      if (e === undefined) throw new NotFoundError(`no memory entry ${input.key}`, { key: input.key })
      return e
    },
    'memory.set': async (input) => {
      const e = await this.vault.memory.set(input.key, input.value, { tags: input.tags })
      this.events.push({ type: 'memory.changed', remote: false })
      return e
    },
    'memory.delete': async (input) => {
      const deleted = await this.vault.memory.delete(input.key)
      if (deleted) this.events.push({ type: 'memory.changed', remote: false })
      return { deleted }
    },
    'memory.list': async (input) => await this.vault.memory.list({ tag: input.tag }),
    'memory.search': async (input) => await this.vault.memory.search(input.query, { limit: input.limit }),
    'skills.add': async (input) => {
      const { body: _b, text: _t, files: _f, ...skill } = await this.vault.skills.add(input.content, { source: input.source ?? '(api)', name: input.name ?? 'skill', files: input.files })
      this.events.push({ type: 'skills.changed', remote: false })
      return skill
    },
    'skills.list': async () => (await this.vault.skills.list()).map(({ body: _b, text: _t, files: _f, ...rest }) => rest),
    'skills.show': async (input) => await this.vault.skills.show(input.name),
    'skills.remove': async (input) => {
      const removed = await this.vault.skills.remove(input.name)
      if (removed) this.events.push({ type: 'skills.changed', remote: false })
      return { removed }
    },
    'skills.removed': async () => await this.vault.skills.tombstones(),
    'agents.followBeat': async (input) => { this.follows.beat(input); return { ok: true } },
    'agents.status': async (input) => {
      const live = this.follows.byKey()
      const wanted = input.keys !== undefined ? new Set(input.keys) : undefined
      const sessions = []
      for (const s of await this.vault.sessions.list()) {
        if (!s.key.startsWith('agent:') || (wanted !== undefined && !wanted.has(s.key))) continue
        const f = live.get(s.key)
        const info = await this.withSession(s.key, (h) => h.resumeInfo({ tail: 0 }))
        sessions.push({ key: s.key, following: f !== undefined, sync: f !== undefined ? 'live' as const : 'stored' as const, follower: f !== undefined ? { id: f.follower.id, pid: f.follower.pid } : undefined, stream: f?.stream, capturedAt: f?.capturedAt, offset: f?.offset, lease: info.lease, lastWriter: info.lastWriter, messageCount: info.messageCount })
      }
      return { followers: this.follows.followers(), sessions }
    },
    // ---- agents (issue 13) ----
    'agents.import': async (input) => {
      const key = parseSessionKey(input.key ?? `agent:${input.agent}:${input.sessionId}`)
      if (!(await this.vault.sessions.exists(key))) {
        const s = await this.vault.sessions.create(key, { title: input.title ?? `${input.agent} ${input.sessionId}` })
        await s.close()
        this.knownSessions.add(key)
        this.events.push({ type: 'session.created', key, remote: false })
      }
      const records: NativeRecord[] = input.records
      let bytes = 0
      for (const r of records) bytes += Buffer.byteLength(r.text) + Buffer.byteLength(r.id) + r.file.length + r.kind.length
      if (bytes > MAX_APPEND_BYTES) throw new InvalidInputError(`these records carry ${bytes} bytes, more than ${MAX_APPEND_BYTES}: send them in several calls (one call is one entry, at most 1 MiB), a record over that size in parts`)
      const meta = { agent: input.agent, sessionId: input.sessionId, cwd: input.cwd, gitRemote: input.gitRemote, name: input.name, dir: input.dir }
      // The records and their view in one change (one entry, one durable write) when they fit
      // in one: a live capture's line reaches peers after one fsync, not two in a row, and a
      // crash keeps both or neither (records stored without their view would stay so, since
      // a re-import adds only records it does not hold).
      const grouped = await this.importGrouped(key, meta, records, input.messages ?? [], bytes, input.force)
      if (grouped !== undefined) return { key, ...grouped }
      // Inside the cached session: its replica stays open between calls (withDoc alone would
      // load the whole document from the store for every chunk of a long import).
      const { added, total } = await this.withSession(key, async () => await this.vault.withDoc(DOC_NAMES.session(key), async r => {
        const d = RecordsDoc.of(r.doc)
        const added = await r.change(() => appendRecords(d, meta, records))
        return { added, total: d.length }
      }))
      // The view, for the records just added only (their messages carry the record id, maybe with #n).
      const view = viewOf(added, input.messages ?? [])
      let appended = 0
      for (const batch of byBytes(view, MAX_APPEND_BYTES / 2)) {
        appended += (await this.withSession(key, async (s) => await s.append(batch, { force: input.force }))).length
      }
      return { key, added: added.length, total, messages: appended }
    },
    'agents.records': async (input) => await this.withSession(input.key, async () => await this.vault.withDoc(DOC_NAMES.session(parseSessionKey(input.key)), (r) => {
      const d = RecordsDoc.of(r.doc)
      const meta = d.getMeta()
      if (meta === undefined) throw new NotFoundError(`session ${input.key} holds no agent records (import one with \`mesh agent import\`)`, { key: input.key })
      const start = input.start ?? 0
      const limit = input.limit ?? 100_000
      const out: NativeRecord[] = []
      let bytes = 0
      let i = start
      for (const rec of d.slice(start, limit)) {
        const n = Buffer.byteLength(rec.text)
        if (out.length > 0 && bytes + n > RECORDS_PAGE_BYTES) break
        out.push(rec)
        bytes += n
        i++
      }
      return { meta, records: out, total: d.length, next: i < d.length ? i : undefined }
    })),
    // ---- doctor (issue 12) ----
    'doctor.report': async () => ({ quarantined: this.vault.vault.quarantined(), forks: this.vault.vault.forks() }),
    'doctor.drop': async (input) => {
      const q = this.vault.vault.quarantined().find(x => x.id === input.id)
      if (q === undefined) throw new NotFoundError(`nothing in quarantine has the id ${input.id} (\`mesh doctor\` lists them)`, { id: input.id })
      await this.vault.vault.dropQuarantined(input.id)
      return { dropped: q }
    }
  }

  private async resume (input: ParsedInput<'sessions.resume'>): Promise<Output<'sessions.resume'>> {
    return await this.withSession(input.key, async (s) => {
      let leaseTaken = false
      let tookOverFrom: string | undefined
      const readOnly = !this.vault.vault.writable
      if (!readOnly) {
        const r = await s.takeLease({ take: input.take })
        leaseTaken = true
        if (r.tookOverFrom !== undefined) tookOverFrom = r.tookOverFrom.label ?? r.tookOverFrom.device
      }
      const info = s.resumeInfo({ tail: input.tail ?? 50 })
      return { ...info, messages: this.labelled(s, info.messages), firstIndex: info.messageCount - info.messages.length, leaseTaken, tookOverFrom, readOnly }
    })
  }

  /** Messages with their author device's label. */
  private labelled<T extends { device: string }>(s: Session, messages: T[]): Array<T & { author?: string }> {
    const labels = new Map<string, string | undefined>()
    return messages.map(m => {
      if (!labels.has(m.device)) labels.set(m.device, s.labelOf(m.device))
      const author = labels.get(m.device)
      return author !== undefined ? { ...m, author } : m
    })
  }
}

/**
 * About how many bytes of record text one agents.records page carries: the socket takes request
 * lines up to 8 MiB, and JSON escaping of a line's quotes can double its size on the wire.
 */
const RECORDS_PAGE_BYTES = 2 * 1024 * 1024

/** Splits messages into batches of at most about `max` bytes of content. */
function byBytes<T extends { content: string }>(list: readonly T[], max: number): T[][] {
  const out: T[][] = []
  let cur: T[] = []
  let n = 0
  for (const m of list) {
    const b = Buffer.byteLength(m.content) + 256
    if (cur.length > 0 && n + b > max) { out.push(cur); cur = []; n = 0 }
    cur.push(m)
    n += b
  }
  if (cur.length > 0) out.push(cur)
  return out
}

/** The vault's document names that the events need: sessions from the index. */
export async function createLocalApi (opts: LocalApiOptions): Promise<LocalApi> {
  return await new LocalApi(opts).start()
}


/** A transfer as the API shows it. */
function transferView (t: Omit<TransferStatus, 'docId' | 'startedAt'>): import('zod').output<typeof TransferSchema> {
  return { peerId: t.peerId, label: t.label, doc: t.doc, direction: t.direction, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal, entriesDone: t.entriesDone, entriesTotal: t.entriesTotal, resumedFrom: t.resumedFrom, rateBps: t.rateBps, etaMs: t.etaMs, done: t.done }
}

function fromNodeEvent (e: NodeEvent): ApiEvent | undefined {
  switch (e.type) {
    case 'found': return { type: 'peer.found', peerId: e.peerId, via: e.via }
    case 'proven': return { type: 'peer.proven', peerId: e.peerId, label: e.label, capabilities: [...e.capabilities], via: e.via }
    case 'refused': return { type: 'peer.refused', peerId: e.peerId, reason: e.reason }
    case 'lost': return { type: 'peer.lost', peerId: e.peerId, label: e.label }
    case 'synced': return { type: 'doc.synced', peerId: e.peerId, label: e.label, doc: e.doc, entries: e.entries, snapshot: e.snapshot }
    case 'entry-refused': return { type: 'entry.refused', peerId: e.peerId, label: e.label, reason: e.reason }
    case 'revoked': return { type: 'device.revoked', by: e.by, at: e.at, reason: e.reason, ...(e.from !== undefined ? { from: e.from } : {}) }
    default: return undefined
  }
}

/** A signal that aborts with the caller's or after `ms`. */
function anySignal (signal: AbortSignal | undefined, ms: number | undefined): AbortSignal | undefined {
  const list = [signal, ms !== undefined ? AbortSignal.timeout(ms) : undefined].filter((s): s is AbortSignal => s !== undefined)
  if (list.length === 0) return undefined
  return list.length === 1 ? list[0] : AbortSignal.any(list)
}

