/**
 * A handle on one open session, and the rules of its driver lease: one device drives a session
 * at a time; the holder's appends renew its lease; a lease runs out LEASE_TTL_MS after its last
 * renewal (allowing LEASE_SKEW_MS of clock difference); while another device holds a live lease,
 * this device's appends and task updates are refused with LEASE_HELD unless it takes over or
 * passes `force`; a lease held by a device that is online now is live whatever the clocks say;
 * read-only devices cannot take it. Use after `close()` throws ClosedError.
 */
import * as Y from 'yjs'
import {
  docVersion, isTime, LEASE_SKEW_MS, LEASE_TTL_MS, MessageIds, SessionDoc, type Lease, type Message, type NewMessage, type SessionMeta, type TaskState, type TaskUpdate
} from '../../crdt/index.js'
import { ClosedError, LeaseHeldError, LeaseNotHeldError, NotFoundError } from '../errors.js'
import { aheadBy, aheadWords, leaseEndAt, onlineWords, pastEndWords, span } from './lease-words.js'

export { span }
import type { Replica } from '../node/replica.js'
import type { Vault } from '../node/vault.js'
import type { SessionKey } from '../../crdt/index.js'

export { LEASE_SKEW_MS, LEASE_TTL_MS }
/** An append renews its device's lease once the lease is this old (not on every append: each renewal is a meta write). */
export const LEASE_RENEW_AFTER_MS = 60_000

/** A message as append returns it: `already` when the session held it before (a retried append). */
export type AppendedMessage = Message & { already?: true }

/**
 * `online`: whether the holder is online now, for another device's lease past its end (it then
 * holds, after the clocks' allowance, only while its holder is online): the lease line says it
 * as LEASE_HELD does (lease-words.ts). `revoked`: its holder was revoked, which ended the lease
 * whatever its time (then `expired` too).
 */
export interface LeaseView extends Lease { expired: boolean, mine: boolean, online?: boolean, revoked?: boolean }

export interface ResumeInfo {
  key: string
  title: string
  goal: string
  status: string
  task: TaskState
  lease?: LeaseView
  lastWriter?: { device: string, label?: string, ts: number }
  messages: Message[]
  messageCount: number
  /** How much of the session this copy of it has applied, read with the rest (docVersion). */
  version: number
  /** Which copy of the session in this process's memory `version` counts in (Session.copy). */
  copy: string
}

export type SessionEvent =
  | { type: 'messages', messages: Message[], remote: boolean, version: number, copy: string }
  | { type: 'lease', lease?: LeaseView, remote: boolean }
  | { type: 'task', remote: boolean }
  | { type: 'changed', remote: boolean }

/** A session's status, lease, last writer and message count, as its document holds them. */
export interface SessionSummary { status: string, lease?: Lease, lastWriter?: { device: string, ts: number }, messageCount: number }

/**
 * A lease as seen from this device now: expired allows for clock skew and for the holder being
 * online, and a revoked device drives nothing (its lease ends with the revocation, whatever its time).
 */
export function leaseView (ctx: SessionContext, l: Lease | undefined, now = Date.now()): LeaseView | undefined {
  if (l === undefined) return undefined
  const mine = l.device === ctx.vault.identity.device.deviceId
  const revoked = ctx.vault.certs.isRevokedDevice(l.device)
  const expired = revoked || (now > l.expiresAt + LEASE_SKEW_MS && (mine || !ctx.online(l.device)))
  // The holder's label as its certificate in force says it now: the claim keeps the one it had when
  // it took the lease (a device relabelled since was named by its old label).
  const view: LeaseView = { ...l, label: labelIn(ctx, l.device) ?? l.label, expired, mine }
  if (revoked) view.revoked = true
  if (!mine && !revoked && l.expiresAt <= now) view.online = ctx.online(l.device)
  return view
}

const labelIn = (ctx: SessionContext, deviceId: string): string | undefined => ctx.vault.certs.all().find(c => c.deviceId === deviceId)?.label

export interface SummaryView { status: string, lease?: LeaseView, lastWriter?: { device: string, label?: string, ts: number }, messageCount: number }

/** A stored summary as this device sees it now: the lease's view, the last writer's label. */
export function summaryView (ctx: SessionContext, s: SessionSummary): SummaryView {
  return {
    status: s.status,
    lease: leaseView(ctx, s.lease),
    lastWriter: s.lastWriter !== undefined ? { ...s.lastWriter, label: labelIn(ctx, s.lastWriter.device) } : undefined,
    messageCount: s.messageCount
  }
}

/** What a session needs from the vault it was opened in. */
export interface SessionContext {
  vault: Vault
  /** Whether a device is online now (a running node knows); false when unknown. */
  online: (deviceId: string) => boolean
}

export interface WriteOptions {
  /** Write although another device holds a live lease (an explicit override). */
  force?: boolean
}

/**
 * What a lease release did: `released`, or why not: `none` (no device holds it), `not-mine`
 * (another device does; `lease` says who: nothing changed), `other-epoch` (this device does, of
 * another epoch than the one asked for), `renewed` (of that epoch, but asked with `auto` and taken
 * or renewed by a person since the follower took it); `epoch` the lease's now.
 */
export interface LeaseRelease { released: boolean, reason?: 'none' | 'not-mine' | 'other-epoch' | 'renewed', epoch?: number, lease?: LeaseView }

export class Session {
  readonly key: SessionKey
  private readonly s: SessionDoc
  private closed = false
  private readonly unsubs = new Set<() => void>()
  /** The ids the transcript holds, once an append named one (message-ids.ts). */
  private ids: MessageIds | undefined

  constructor (private readonly ctx: SessionContext, private readonly replica: Replica, key: SessionKey) {
    this.key = key
    this.s = new SessionDoc(replica.doc)
  }

  private get vault (): Vault { return this.ctx.vault }
  /** Why this handle stopped (a change could not be kept), if it did: open the session again. */
  get failure (): Error | undefined { return this.replica.failure }
  private get device (): string { return this.vault.identity.device.deviceId }
  private check (): void {
    if (this.closed) throw new ClosedError(`session ${this.key} is closed`)
    // Its document holds a change the disk does not (reads would show what was refused): the
    // handle throws why, until the session is opened again.
    const failed = this.replica.failure
    if (failed !== undefined) throw failed
  }

  private writable (what: string): void {
    this.vault.assertWritable(what)
  }

  /** The label of a device of this wallet, when known. */
  labelOf (deviceId: string): string | undefined {
    return labelIn(this.ctx, deviceId)
  }

  /** The lease as seen from this device now: expired allows for clock skew and for the holder being online. */
  lease (now = Date.now()): LeaseView | undefined {
    this.check()
    return this.view(this.s.getLease(), now)
  }

  private view (l: Lease | undefined, now = Date.now()): LeaseView | undefined {
    return leaseView(this.ctx, l, now)
  }

  /** What a list with details shows of it, as stored (session-summaries.ts): seen from a device by summaryView(). */
  summary (): SessionSummary {
    this.check()
    const m = this.s.getMeta()
    return { status: m.status, ...(m.lease !== undefined ? { lease: m.lease } : {}), ...(m.lastWriter !== undefined ? { lastWriter: m.lastWriter } : {}), messageCount: this.s.messageCount() }
  }

  /** The live lease of another device, which blocks this device's writes (unless forced); undefined when none. */
  blocking (): LeaseView | undefined {
    const l = this.lease()
    return l !== undefined && !l.mine && !l.expired ? l : undefined
  }

  /**
   * Refuses, as a write would be (READ_ONLY, LEASE_HELD unless forced), before a caller stores
   * anything in this session's document by another path (agents.import's records).
   */
  checkWrite (what: string, opts: WriteOptions): void { this.guard(what, opts) }

  private guard (what: string, opts: WriteOptions): void {
    this.writable(what)
    const l = opts.force === true ? undefined : this.blocking()
    if (l !== undefined) {
      const who = l.label ?? l.device
      const online = this.ctx.online(l.device)
      throw new LeaseHeldError(`session ${this.key} is driven by ${who} (${heldFor(l.expiresAt, online, l.takenAt)})`, { key: this.key, holder: who, device: l.device, expiresAt: l.expiresAt, online }, {
        hint: { cli: `take it over with \`mesh resume ${this.key} --take\`, or write anyway with --force`, mcp: 'take it over with sessions_take_lease (take: true), or write anyway with force: true' }
      })
    }
  }

  /** Inside a change: renews this device's lease when it holds one that is getting old. */
  private renewIfHeld (now: number): void {
    const l = this.s.getLease()
    if (l === undefined || l.device !== this.device) return
    if (l.expiresAt - now > LEASE_TTL_MS - LEASE_RENEW_AFTER_MS) return
    this.s.takeLease(this.device, { label: this.vault.identity.certificate.label, now, force: true, auto: 'keep' })
  }

  meta (): SessionMeta { this.check(); return this.s.getMeta() }
  task (): TaskState { this.check(); return this.s.getTask() }
  messageCount (): number { this.check(); return this.s.messageCount() }

  /**
   * Which copy of the session in this process's memory `version` counts in: a new one each time
   * its document is loaded from the store (after a reload, the version may be lower).
   */
  get copy (): string { return this.replica.doc.guid }
  messages (opts: { tail?: number } = {}): Message[] { this.check(); return this.s.messages(opts.tail) }
  /** The id of every message, in order (none of the messages made). */
  messageIds (): Iterable<string> { this.check(); return this.s.messageIds() }
  /**
   * Messages after the one with this id. An id this session does not hold is NotFoundError: the
   * whole transcript in its place read as if every message were new.
   */
  messagesAfter (id: string): { messages: Message[], firstIndex: number } {
    this.check()
    const i = this.s.indexOf(id)
    if (i < 0) throw new NotFoundError(`session ${this.key} holds no message ${id} (asked for the messages after it)`, { key: this.key, after: id })
    return { messages: this.s.range(i + 1), firstIndex: i + 1 }
  }

  /**
   * Appends messages; resolves once they are durable on this device's disk. A message whose id
   * the session holds already (a retried append) is not added again: the one held is returned,
   * marked `already`, once it is durable here, and needs no lease. The same id with another
   * role or content is InvalidInputError, and nothing of the append is written.
   */
  async append (messages: NewMessage | NewMessage[], opts: WriteOptions = {}): Promise<AppendedMessage[]> {
    this.check()
    const list = Array.isArray(messages) ? messages : [messages]
    if (this.heldOf(list).every(m => m !== undefined)) {
      const held = await this.heldOnceDurable(list)
      if (held !== undefined) return held
    }
    this.guard('append', opts)
    let already = false
    const out = await this.replica.change(() => {
      // Again, inside the change: an append of the same ids may have come in while this one waited.
      const held = this.heldOf(list)
      const fresh = list.filter((_, i) => held[i] === undefined)
      const added = fresh.length > 0 ? this.s.appendMessages(fresh, this.device) : []
      if (added.length > 0) this.renewIfHeld(Date.now())
      already = added.length < list.length
      let next = 0
      return held.map(h => h !== undefined ? { ...h, already: true as const } : added[next++] as Message)
    })
    // One of them was held already: by an append whose write may still be on its way.
    if (already) await this.replica.settle()
    return out
  }

  /** The messages of ids given here that the session holds already, all of them (durable), or undefined once one is not. */
  private async heldOnceDurable (list: readonly NewMessage[]): Promise<AppendedMessage[] | undefined> {
    await this.replica.settle()
    this.check()
    const held = this.heldOf(list)
    if (held.some(m => m === undefined)) return undefined
    return held.map(m => ({ ...m as Message, already: true as const }))
  }

  /**
   * Of these messages, those whose id the transcript holds no message of (nor a message's map
   * not yet whole): what an import stores of a view, so a re-import mends a view a killed import
   * left short. A held one is not compared (heldOf does, for an append).
   */
  lacking<M extends NewMessage>(list: readonly M[]): M[] {
    this.check()
    if (list.length === 0) return []
    this.ids ??= new MessageIds(this.s, this.replica.doc)
    const ids = this.ids
    return list.filter(m => m.id === undefined || !ids.has(m.id))
  }

  /** For each message, the one the session holds of its id, if any (message-ids.ts heldOf); none named, no index made. */
  private heldOf (list: readonly NewMessage[]): Array<Message | undefined> {
    if (list.every(m => m.id === undefined)) return list.map(() => undefined)
    this.ids ??= new MessageIds(this.s, this.replica.doc)
    return this.ids.heldOf(list, this.key)
  }

  /**
   * Appends messages and runs `along` (another change to this document, e.g. the native records
   * the messages are the view of) in the same Yjs transaction: one entry, one durable write, so
   * peers get both at once and a crash keeps both or neither. LEASE_HELD before anything is
   * written, as append.
   */
  async appendAlong<T>(opts: WriteOptions, along: (doc: Y.Doc) => { value: T, messages: NewMessage[] }): Promise<{ messages: Message[], value: T }> {
    this.check()
    this.guard('append', opts)
    return await this.replica.change(() => {
      let out!: { messages: Message[], value: T }
      this.replica.doc.transact(() => {
        const a = along(this.replica.doc)
        out = { value: a.value, messages: a.messages.length > 0 ? this.s.appendMessages(a.messages, this.device) : [] }
        this.renewIfHeld(Date.now())
      })
      return out
    })
  }

  async updateTask (update: TaskUpdate, opts: WriteOptions = {}): Promise<void> {
    this.check()
    this.guard('update the task', opts)
    await this.replica.change(() => { this.s.updateTask(update, this.device); this.renewIfHeld(Date.now()) })
  }

  async setMeta (fields: Partial<Pick<SessionMeta, 'title' | 'goal' | 'status'>>): Promise<void> {
    this.check()
    this.writable('change the session')
    await this.replica.change(() => { this.s.setMeta(fields, this.device) })
  }

  /**
   * Takes (or renews) the driver lease. Refused with LEASE_HELD while another device holds a live
   * lease, unless `take`; refused with READ_ONLY on a read-only device. Returns the lease and,
   * on a takeover, the device it was taken from.
   *
   * Which claim holds the lease is resolved from every device's claim (crdt/lease.ts
   * resolveLease), the same on every replica: a take made at the same moment on another device
   * may come first once both are seen. So the answer is read from the lease as resolved after the
   * write and, with `settle` (a running node: until the connected peers have taken this claim and
   * sent theirs, or a bound), after that; a take found lost is LEASE_HELD naming the holder. A
   * loss learnt later (a peer offline now) shows at this device's next write, refused as always.
   */
  async takeLease (opts: { take?: boolean, ttlMs?: number, settle?: () => Promise<void>, auto?: boolean } = {}): Promise<{ lease: LeaseView, tookOverFrom?: LeaseView, renewed: boolean }> {
    this.check()
    this.writable('take the driver lease')
    const blocking = this.blocking()
    if (blocking !== undefined && opts.take !== true) {
      const who = blocking.label ?? blocking.device
      // A write of the session, not of its lease; whose, when not the holder's (written before it took the lease, or with --force).
      const w = this.s.getMeta().lastWriter
      const by = w === undefined || w.device === blocking.device ? '' : ` by ${w.device === this.device ? 'this device' : this.labelOf(w.device) ?? w.device}`
      const ahead = w !== undefined ? aheadBy(w.ts) : 0
      const ago = w === undefined ? '' : ahead > 0 ? `, last write stamped ${span(ahead, ' ')} ahead of this machine's clock${by}` : `, last write ${span(Date.now() - w.ts)} ago${by}`
      const online = this.ctx.online(blocking.device)
      // Refused to sessions_resume, sessions_take_lease and agents_resume alike: each takes `take`.
      throw new LeaseHeldError(`session ${this.key} is being driven by ${who}${ago}, ${onlineWords(online)} (${leaseEnds(blocking.expiresAt, Date.now(), online, blocking.takenAt)})`, { key: this.key, holder: who, device: blocking.device, expiresAt: blocking.expiresAt, online }, {
        hint: { sep: '. ', cli: `Run \`mesh resume ${this.key} --take\` to take over`, mcp: 'Call it again with take: true to take over' }
      })
    }
    const label = this.vault.identity.certificate.label
    // Whether this device held a live lease already, looked at in the change itself: then the take
    // only renews it (its epoch kept), and whoever took it first still owns it (the follower lets
    // go only of a lease its own take made).
    let renewed = false
    await this.replica.change(() => {
      const held = this.lease()
      renewed = held !== undefined && held.mine && !held.expired
      // A person's take (no auto) makes the lease theirs, a follower's own lease included.
      this.s.takeLease(this.device, { label, ttlMs: opts.ttlMs, force: true, auto: opts.auto === true })
    })
    if (opts.settle !== undefined) await opts.settle()
    this.check()
    const now = this.lease()
    if (now === undefined || !now.mine) this.lost(now)
    return { lease: now, tookOverFrom: blocking, renewed }
  }

  /** A take that another device's claim, made at the same moment, came before. */
  private lost (l: LeaseView | undefined): never {
    const who = l === undefined ? undefined : l.label ?? l.device
    const details = l === undefined ? { key: this.key } : { key: this.key, holder: who, device: l.device, expiresAt: l.expiresAt, online: this.ctx.online(l.device) }
    const what = l === undefined ? 'was let go by the device whose take came first' : `went to ${who as string}, whose take came first (epoch ${l.epoch})`
    throw new LeaseHeldError(`session ${this.key}: the driver lease was taken by another device at the same moment and ${what}`, details, {
      hint: { sep: '. ', cli: `Run \`mesh resume ${this.key} --take\` to take it over`, mcp: 'Call it again with take: true to take it over' }
    })
  }

  /**
   * Renews this device's lease. When it does not hold it: LEASE_HELD (with the holder) while
   * another device holds a live one, else LEASE_NOT_HELD (none taken, or it ran out): there is
   * nothing to renew, and taking it is a different request (it may take it from under no one).
   */
  async renewLease (): Promise<LeaseView> {
    const l = this.lease()
    if (l !== undefined && !l.mine && !l.expired) {
      const who = l.label ?? l.device
      const online = this.ctx.online(l.device)
      throw new LeaseHeldError(`this device does not hold the driver lease of ${this.key}: ${who} does (${heldFor(l.expiresAt, online, l.takenAt)})`, { key: this.key, holder: who, device: l.device, expiresAt: l.expiresAt, online }, {
        hint: { sep: '; ', cli: `take it over with \`mesh resume ${this.key} --take\``, mcp: 'take it over with sessions_take_lease (take: true)' }
      })
    }
    if (l === undefined || !l.mine) {
      const ran = l !== undefined ? ` (the lease of ${l.label ?? l.device} ran out)` : ''
      throw new LeaseNotHeldError(`no device holds the driver lease of ${this.key}${ran}, so there is none to renew`, { key: this.key }, {
        hint: { cli: `take it with \`mesh lease take ${this.key}\` or \`mesh resume ${this.key}\``, mcp: 'take it with sessions_take_lease or sessions_resume' }
      })
    }
    return (await this.takeLease()).lease
  }

  async releaseLease (opts: { epoch?: number, auto?: boolean } = {}): Promise<boolean> {
    return (await this.letGoLease(opts)).released
  }

  /**
   * Lets go of this device's lease, and says why when nothing was let go. With `epoch`, only the
   * lease of that epoch (the one the caller took): one taken again since (here, by hand) or by
   * another device stays. The look and the release are one change of the document: nothing
   * comes between them.
   */
  async letGoLease (opts: { epoch?: number, auto?: boolean } = {}): Promise<LeaseRelease> {
    this.check()
    this.writable('release the driver lease')
    return await this.replica.change((): LeaseRelease => {
      const cur = this.s.getLease()
      if (cur === undefined) return { released: false, reason: 'none' }
      if (cur.device !== this.device) return { released: false, reason: 'not-mine', epoch: cur.epoch, lease: this.view(cur) as LeaseView }
      if (opts.epoch !== undefined && cur.epoch !== opts.epoch) return { released: false, reason: 'other-epoch', epoch: cur.epoch }
      if (opts.auto === true && !this.s.leaseAuto()) return { released: false, reason: 'renewed', epoch: cur.epoch }
      return { released: this.s.releaseLease(this.device) }
    })
  }

  /** Everything an agent needs to continue. */
  resumeInfo (opts: { tail?: number } = {}): ResumeInfo {
    this.check()
    const m = this.s.getMeta()
    const writer = m.lastWriter !== undefined ? { ...m.lastWriter, label: this.labelOf(m.lastWriter.device) } : undefined
    return {
      key: m.key,
      title: m.title,
      goal: m.goal,
      status: m.status,
      task: this.s.getTask(),
      lease: this.view(m.lease),
      lastWriter: writer,
      messages: this.s.messages(opts.tail),
      messageCount: this.s.messageCount(),
      version: docVersion(this.replica.doc),
      copy: this.copy
    }
  }

  /** Calls `fn` for new messages (local or from peers), lease and task changes, and other changes. Returns an unsubscribe. */
  subscribe (fn: (e: SessionEvent) => void): () => void {
    this.check()
    // The version as the transaction told left it: a read of this copy at or above it already holds these messages.
    const offMessages = this.s.onMessages((messages, local) => { fn({ type: 'messages', messages, remote: !local, version: docVersion(this.replica.doc), copy: this.copy }) })
    const offFields = this.s.onFields((c, local) => {
      if (c.lease) fn({ type: 'lease', lease: this.view(this.s.getLease()), remote: !local })
      if (c.task) fn({ type: 'task', remote: !local })
    })
    // afterTransaction, not 'update': an 'update' listener makes Yjs encode every transaction's
    // update (a whole snapshot's worth on a load) only for this to ignore the bytes.
    const onTransaction = (tr: Y.Transaction): void => { if (hasContent(tr)) fn({ type: 'changed', remote: !tr.local }) }
    this.replica.doc.on('afterTransaction', onTransaction)
    const off = (): void => {
      offMessages()
      offFields()
      this.replica.doc.off('afterTransaction', onTransaction)
      this.unsubs.delete(off)
    }
    this.unsubs.add(off)
    return off
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const off of [...this.unsubs]) off()
    this.ids?.stop()
    await this.vault.release(this.replica)
  }
}

/** Whether a transaction added or deleted anything (what makes Yjs emit an update for it). */
function hasContent (tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true
  return false
}

/**
 * "lease ends in 4 min, at 09:12 UTC" (leaseEndAt: in UTC, as it is read far from here; the CLI
 * says it in its zone): a person reads a duration; the exact time stays in the error's fields. A live lease past its end is said as such, with why it still holds: the clocks'
 * allowance, or (past it) a holder that is online now; it used to read "lease ends in 0 s" however
 * long ago it ran out.
 */
export function leaseEnds (expiresAt: number, now = Date.now(), online?: boolean, takenAt?: number): string {
  // A time a Date cannot hold (a faulty member's lease) is said as the number it is, not thrown on.
  if (!isTime(expiresAt)) return `lease ends at ${String(expiresAt)} ms, a time no clock shows`
  const at = leaseEndAt(expiresAt)
  // Taken "later" than now by this clock: the holder's clock runs ahead, and its lease holds that
  // much longer here (a laptop 2 h fast held a session 2 h past its 10 minutes, said as "ends in 2 h").
  if (expiresAt > now) return `lease ends in ${span(expiresAt - now, ' ')}, ${at}${aheadWords(takenAt, now)}`
  // Within the clocks' allowance, what comes after it too: it read as if the lease ended then,
  // and went on holding while its holder was online. `online`: said for a holder offline now
  // (it runs out then), where it read as if it held on regardless.
  return `lease ran out ${span(now - expiresAt, ' ')} ago, ${at}; ${pastEndWords('its holder', now <= expiresAt + LEASE_SKEW_MS, online)}`
}

/** leaseEnds, and "online now" while the lease stands by its time (past it, leaseEnds says why it holds). */
const heldFor = (expiresAt: number, online: boolean, takenAt?: number): string => `${leaseEnds(expiresAt, Date.now(), online, takenAt)}${online && expiresAt + LEASE_SKEW_MS >= Date.now() ? ', online now' : ''}`

