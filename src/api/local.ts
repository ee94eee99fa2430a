/**
 * The API in-process: every method over an open vault (and the node, when one runs), with input
 * validated against the schema first. The daemon serves this over its socket and HTTP; without a
 * daemon, the CLI and the SDK run the same object in their own process, so there is one code
 * path.
 *
 * The methods are implemented per area (local-<area>.ts) over what they share (local-context.ts);
 * the events come from local-events.ts.
 */
import { logger } from '@libp2p/logger'
import { DOC_NAMES, parseSessionKey } from '../../crdt/index.js'
import { AbortedError, InvalidInputError, SessionNotFoundError } from '../errors.js'
import { summaryRecordSealer, toHex } from '../identity/index.js'
import type { MeshNode } from '../node/mesh.js'
import type { Replica } from '../node/replica.js'
import { arrivalPortion, stillArriving, type Arriving } from '../node/progress.js'
import { notHere, siblingsOf } from './not-here.js'
import { EventLog, type CallOptions, type EventRecord, type MeshApi, type SubscribeOptions } from './api.js'
import { agentHandlers } from './local-agents.js'
import type { Handler, Handlers, LocalApiOptions, LocalContext } from './local-context.js'
import { deviceHandlers } from './local-devices.js'
import { doctorHandlers } from './local-doctor.js'
import { listen, RemoteEntries } from './local-events.js'
import { memoryHandlers } from './local-memory.js'
import { nodeHandlers } from './local-node.js'
import { sessionHandlers } from './local-sessions.js'
import { skillHandlers } from './local-skills.js'
import { parseInput } from './input.js'
import type { Input, MethodName, Output } from './schema.js'
import { SessionCache } from './session-cache.js'
import { Approvals } from './pairing.js'
import { summaryView, type Session, type SummaryView } from './session.js'
import { SessionSummaries } from './session-summaries.js'
import type { MeshVault } from './vault.js'

export type { LocalApiOptions } from './local-context.js'

/**
 * The methods' schemas (zod), loaded by the first call: a daemon that no client talks to does
 * not hold them (a few MB of an idle node's memory).
 */
const log = logger('mesh:api')
/** How long a "no session KEY" answer's words (a near name, what could still bring it) are said again as found. */
const NOT_HERE_SAID_MS = 10_000
const NOT_HERE_STALE = new Set(['session.created', 'peer.proven', 'peer.lost', 'doc.synced', 'devices.changed', 'device.revoked', 'device.rights'])
let schema: Promise<typeof import('./schema.js')> | undefined
/** Methods not marked read-only (mcpHints) that a home only read still answers: they write nothing there. */
const READ_ON_A_READ_ONLY_HOME: ReadonlySet<string> = new Set(['sessions.resume', 'node.stop'])

export class LocalApi implements MeshApi {
  readonly vault: MeshVault
  readonly node?: MeshNode
  private readonly events = new EventLog()
  /** What "no session KEY" said of each key lately (see withSession): said again for NOT_HERE_SAID_MS. */
  private readonly notHereSaid = new Map<string, { at: number, err: SessionNotFoundError }>()
  private readonly cache: SessionCache
  private readonly summaries: SessionSummaries
  private readonly offs: Array<() => void> = []
  private readonly remote: RemoteEntries
  private closed = false
  private approvals: Approvals | undefined
  private readonly handlers: Handlers<MethodName>
  /**
   * The sessions index, held open from the first call on: the vault closes a document on its last
   * release, and every `mesh status` or `mesh sessions` then opened it afresh (10,000 sessions:
   * 60–90 ms each). Not at start, which it would slow (see RemoteEntries.start).
   */
  private index: Promise<Replica | undefined> | undefined

  constructor (opts: LocalApiOptions) {
    this.vault = opts.vault
    this.node = opts.node
    this.cache = new SessionCache(this.vault, (e) => { this.events.push(e) }, { idleMs: opts.sessionIdleMs })
    // A home only read keeps its summaries in memory: its file is the last writer's.
    this.summaries = new SessionSummaries(this.vault.vault.readOnlyHome !== undefined ? undefined : { home: this.vault.vault.home, sealer: summaryRecordSealer(this.vault.vault.identity.keys) })
    this.remote = new RemoteEntries(this.vault, (e) => { this.events.push(e) }, (key) => this.cache.isOpen(key))
    if (opts.node !== undefined) {
      const node = opts.node
      this.vault.setPresence((id) => node.isOnline(id))
    }
    this.offs.push(...listen(this.vault, opts.node, (e) => { this.events.push(e) }, (hex) => { this.remote.onEntry(hex) }))
    // What a "no session KEY" said goes stale with what could change it: a session made or come,
    // a peer come or gone, a document synced, the devices.
    this.offs.push(this.events.subscribe((r) => { if (NOT_HERE_STALE.has(r.event.type)) this.notHereSaid.clear() }))
    const ctx: LocalContext = {
      vault: this.vault,
      node: this.node,
      options: opts,
      push: (e) => { this.events.push(e) },
      withSession: (key, fn, opts) => this.withSession(key, fn, opts),
      summaries: () => this.summaryReader(),
      created: (key) => { this.remote.known(key) },
      approvals: () => (this.approvals ??= new Approvals(this.vault.vault, this.node))
    }
    this.handlers = {
      ...nodeHandlers(ctx),
      ...deviceHandlers(ctx),
      ...sessionHandlers(ctx),
      ...memoryHandlers(ctx),
      ...skillHandlers(ctx),
      ...agentHandlers(ctx),
      ...doctorHandlers(ctx)
    }
  }

  async start (): Promise<this> {
    this.remote.start()
    return this
  }

  async call<M extends MethodName>(method: M, input: Input<M>, options: CallOptions = {}): Promise<Output<M>> {
    const { METHODS } = await (schema ??= import('./schema.js'))
    const def = Object.prototype.hasOwnProperty.call(METHODS, method) ? METHODS[method] : undefined
    if (def === undefined) throw new InvalidInputError(`unknown method ${String(method)}`)
    const data = parseInput(method, def, input ?? {})
    this.index ??= this.vault.vault.acquire(DOC_NAMES.sessionsIndex).catch((err: unknown) => { log('holding the sessions index open failed: %e', err); return undefined })
    if ('writes' in def && def.writes === true) this.vault.vault.assertWritable(`write (${method})`)
    // A home only read (Vault.readOnlyHome) takes only what changes nothing; sessions.resume shows
    // the session without its lease there, as on any device that cannot write.
    else if (this.vault.vault.readOnlyHome !== undefined && ('mcpHints' in def ? def.mcpHints.readOnly : false) !== true && !READ_ON_A_READ_ONLY_HOME.has(method)) this.vault.vault.assertWritable(`write (${method})`)
    if (options.signal?.aborted === true) throw AbortedError.bySignal(method, options.signal, ' before it started')
    const h = this.handlers[method] as unknown as Handler<M>
    return await h(data as any, options.signal, options.client)
  }

  subscribe (fn: (r: EventRecord) => void, options: SubscribeOptions = {}): () => void {
    // Every key checked before any is pinned: a bad one throws with nothing held.
    const keys = (options.sessions ?? []).map(k => parseSessionKey(k))
    const pins = keys.map(k => this.cache.pin(k))
    const off = this.events.subscribe(fn, options.after)
    // In place once the sessions it names are open: an entry that arrives while one opens is
    // loaded with it and told to nobody.
    const ready = options.ready
    if (ready !== undefined) void Promise.all(keys.map(async k => { await this.cache.settled(k) })).then(() => { ready() })
    return () => { off(); for (const unpin of pins) unpin() }
  }

  /** The newest event's cursor. */
  get cursor (): number { return this.events.last }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.approvals?.close()
    for (const off of this.offs.splice(0)) off()
    await this.summaries.flush()
    await this.cache.close()
    const index = await this.index
    if (index !== undefined) await this.vault.vault.release(index)
  }

  /**
   * For one list: each session's summary as this device sees it now, read from its document only
   * when the document changed since this process last read it (session-summaries.ts), or when it
   * is open anyway. Not here yet, it throws as withSession does.
   */
  private summaryReader (): (key: string) => Promise<SummaryView> {
    const fps = new Map(this.vault.vault.store.fingerprints().items.map(i => [i.id, i.fp]))
    const ctx = this.vault.sessionContext()
    return async (key) => {
      await this.summaries.ready()
      const k = parseSessionKey(key)
      const fp = fps.get(toHex(this.vault.vault.docId(DOC_NAMES.session(k))))
      const held = this.cache.isOpen(k) ? undefined : this.summaries.get(k, fp)
      // Read once and closed again (not kept for a minute): a first list of hundreds holds one at a time.
      const summary = held ?? await this.withSession(k, s => s.summary(), { linger: false })
      if (held === undefined) this.summaries.set(k, fp, summary)
      return summaryView(ctx, summary)
    }
  }

  private async withSession<T>(key: string, fn: (s: Session) => Promise<T> | T, opts: { linger?: boolean, whole?: boolean } = {}): Promise<T> {
    const arriving = (a: Arriving): SessionNotFoundError => {
      const k = parseSessionKey(key)
      // Part of it here: what was asked waits for the rest, and says how to see it come.
      const hint = a.held ? { sep: '; ', cli: `try again once it has (\`mesh peers\` shows the transfer; \`mesh session show ${k}\` what has come)`, mcp: 'call again once it has (sessions_wait waits for it)' } : undefined
      return new SessionNotFoundError(`session ${k} is arriving from ${a.from}: ${arrivalPortion(a)}`, { key, arriving: a }, hint !== undefined ? { hint } : {})
    }
    // Named (the sessions index arrives first) but none of it here yet: it is on its way, not
    // empty. Part of it here and the rest on its way: read as it stands, but not judged by (the
    // lease it shows may be one its holder has since released).
    const first = this.node?.arriving(key)
    if (first !== undefined && (!first.held || (opts.whole === true && stillArriving(first)))) throw arriving(first)
    try {
      const k = parseSessionKey(key)
      return await this.cache.use(k, async s => {
        // Listed, but none of its content here: not an empty session whose lease could be taken.
        if (s.meta().key === '') throw await this.vault.sessions.notHereYet(k)
        return await fn(s)
      }, opts)
    } catch (err) {
      if (!(err instanceof SessionNotFoundError)) throw err
      // A session still arriving from a peer says so, instead of "no such session".
      const a = this.node?.arriving(key)
      if (a !== undefined) throw arriving(a)
      // Listed but not here (pending), or a revoked device's: as the vault said it.
      if (err.details.pending !== undefined || err.hint === undefined) throw err
      // None here: a near name held here (a typo), or what could still bring it, before "create it".
      // Only words: whatever fails while it looks (a node stopping) leaves the error as it was.
      // Said again for a while from what was found (a `mesh watch` waiting for the session asks
      // each second, and the near-name match over every session listed cost a vault of
      // thousands tens of ms each time); only the session's arrival changes the answer at once.
      const said = this.notHereSaid.get(key)
      if (said !== undefined && Date.now() - said.at < NOT_HERE_SAID_MS) throw said.err
      let told: SessionNotFoundError = err
      try {
        const listed = (await this.vault.sessions.list()).map(s => s.key)
        const { siblings, peers } = await siblingsOf(this.vault.vault, this.node)
        told = notHere(err, parseSessionKey(key), listed, siblings, peers, this.vault.vault.writable)
      } catch (e) { log('saying more of a missing session failed: %e', e) }
      if (this.notHereSaid.size >= 256) this.notHereSaid.clear()
      this.notHereSaid.set(key, { at: Date.now(), err: told })
      throw told
    }
  }
}

/** The vault's document names that the events need: sessions from the index. */
export async function createLocalApi (opts: LocalApiOptions): Promise<LocalApi> {
  return await new LocalApi(opts).start()
}
