/**
 * MeshVault: the SDK's entry. Open a home (creating it with the wallet on first use), then
 * sessions, memory and skills. Every write resolves once durable on this device.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  DOC_NAMES, MemoryDoc, parseSessionKey, SessionDoc, SessionsIndexDoc, skillFile, SkillsDoc, type SessionKey,
  type MemoryEntry, type SessionSummary, type Skill, type SkillFile, type SkillTombstone
} from '../../crdt/index.js'
import { AbortedError, ClosedError, InvalidInputError, MissingCapabilityError, NotFoundError, SessionExistsError, SessionNotFoundError, type Hint } from '../errors.js'
import { expandHome, toHex, type Capability, type Wallet } from '../identity/index.js'
import { isMirrorHome } from '../node/mirror.js'
import { portion } from '../node/progress.js'
import { Vault } from '../node/vault.js'
import type { Replica } from '../node/replica.js'
import { defaultHome } from '../store/index.js'
import { Session, type SessionContext } from './session.js'
import { agentOfKey } from './agent-keys.js'
import { resolveWallet } from './wallet.js'

export interface OpenVaultOptions {
  /** The home directory. @default $MESH_HOME or ~/.local/share/mesh */
  home?: string
  /** A loaded wallet, or the path of a Solana keypair file; needed only to create the home. */
  wallet?: Wallet | string
  readOnly?: boolean
  label?: string
  snapshotEvery?: number
  snapshotOnClose?: number
  /** A set-up home that cannot be written is opened only to read (VaultOptions.readIfNotWritable) instead of refused with HOME_READ_ONLY. */
  readIfNotWritable?: boolean
}

export interface VaultInfo {
  home: string
  wallet: string
  deviceId: string
  label: string
  capabilities: Capability[]
}

export interface VaultStatus extends VaultInfo {
  sessions: number
  memory: number
  skills: number
  devices: number
  store: { docs: number, entries: number, snapshots: number, logBytes: number }
}

export async function openVault (opts: OpenVaultOptions = {}): Promise<MeshVault> {
  const home = resolve(expandHome(opts.home ?? defaultHome()))
  // A blind mirror's home has no vault key to open: say what it is rather than "not set up".
  if (await isMirrorHome(home)) {
    throw new MissingCapabilityError(`home ${home} is a blind mirror: it holds no vault key, so nothing in it can be read or written here`, { home, reason: 'mirror' }, {
      hint: { sep: '. ', cli: 'Run `mesh join --mirror` on it, and read on a member device', mcp: 'No tool reads it: sessions, memory and skills are read on a member device, so a person gives this MCP server a member\'s home instead' }
    })
  }
  const wallet = typeof opts.wallet === 'string' ? await resolveWallet({ path: opts.wallet }) : opts.wallet
  const vault = await Vault.open({
    home,
    wallet,
    enrol: { readOnly: opts.readOnly, label: opts.label },
    snapshotEvery: opts.snapshotEvery,
    snapshotOnClose: opts.snapshotOnClose,
    readIfNotWritable: opts.readIfNotWritable
  })
  return new MeshVault(vault)
}

export class MeshVault {
  readonly vault: Vault
  readonly memory: MemoryApi
  readonly skills: SkillsApi
  readonly sessions: SessionsApi
  /** Called by close(): what waits on the vault (sessions.find) is told it closed instead of waiting for ever. */
  readonly onClose = new Set<() => void>()
  /** Whether a device is online now; a running node sets it (see `setPresence`). */
  online: (deviceId: string) => boolean = () => false

  constructor (vault: Vault) {
    this.vault = vault
    this.memory = new MemoryApi(this)
    this.skills = new SkillsApi(this)
    this.sessions = new SessionsApi(this)
  }

  check (): void { if (this.vault.closed) throw new ClosedError('vault is closed') }

  /** Tells the lease rules which devices are online (a lease held by an online device stays live whatever the clocks say). */
  setPresence (online: (deviceId: string) => boolean): void { this.online = online }

  /** What a session handle needs. */
  sessionContext (): SessionContext { return { vault: this.vault, online: (id) => this.online(id) } }

  info (): VaultInfo {
    const id = this.vault.identity
    return { home: this.vault.home, wallet: id.wallet, deviceId: id.device.deviceId, label: id.certificate.label, capabilities: [...id.certificate.capabilities] }
  }

  /** Runs fn on a named document's replica, releasing it after. */
  async withDoc<T>(name: string, fn: (r: Replica) => Promise<T> | T): Promise<T> {
    this.check()
    const r = await this.vault.acquire(name)
    try { return await fn(r) } finally { await this.vault.release(r) }
  }

  async status (): Promise<VaultStatus> {
    // Counted, not listed: a list copies and sorts every summary only for its length.
    const sessions = await this.withDoc(DOC_NAMES.sessionsIndex, r => new SessionsIndexDoc(r.doc).count())
    const memory = await this.memory.list()
    const skills = await this.skills.list()
    const s = this.vault.store.stats()
    return { ...this.info(), sessions, memory: memory.length, skills: skills.length, devices: this.vault.certs.all().length, store: { docs: s.docs, entries: s.entries, snapshots: s.snapshots, logBytes: s.logBytes } }
  }

  async close (): Promise<void> {
    for (const told of [...this.onClose]) told()
    await this.vault.close()
  }
}

class SessionsApi {
  constructor (private readonly v: MeshVault) {}

  async list (): Promise<SessionSummary[]> {
    return await this.v.withDoc(DOC_NAMES.sessionsIndex, r => new SessionsIndexDoc(r.doc).list())
  }

  async exists (key: string): Promise<boolean> {
    const k = parseSessionKey(key)
    return await this.v.withDoc(DOC_NAMES.sessionsIndex, r => new SessionsIndexDoc(r.doc).has(k))
  }

  async create (key: string, opts: { title?: string, goal?: string } = {}): Promise<Session> {
    const k = parseSessionKey(key)
    const createdAt = Date.now()
    await this.v.withDoc(DOC_NAMES.sessionsIndex, async r => {
      const idx = new SessionsIndexDoc(r.doc)
      if (idx.has(k)) throw new SessionExistsError(`session ${k} already exists`, { key: k })
      await r.change(() => { idx.put({ key: k, title: opts.title ?? '', createdAt }) })
    })
    const r = await this.v.vault.acquire(DOC_NAMES.session(k))
    try {
      await r.change(() => { new SessionDoc(r.doc).init({ key: k, title: opts.title, goal: opts.goal, createdAt }, this.v.vault.identity.device.deviceId) })
    } catch (err) {
      await this.v.vault.release(r)
      throw err
    }
    return new Session(this.v.sessionContext(), r, k)
  }

  /** Opens an existing session; SessionNotFoundError when no device created it. */
  async open (key: string): Promise<Session> {
    const k = parseSessionKey(key)
    if (!(await this.exists(k))) {
      const revoked = this.v.vault.certs.isRevoked(this.v.vault.identity.device.publicKey)
      // Revoked, nothing is to be done: said as what happened, with no hint.
      if (revoked) throw new SessionNotFoundError(`no session ${k} (this device was revoked: no sibling sends it anything now)`, { key: k })
      throw new SessionNotFoundError(`no session ${k}`, { key: k }, { hint: howToMake(k, this.v.vault.writable) })
    }
    const r = await this.v.vault.acquire(DOC_NAMES.session(k))
    return new Session(this.v.sessionContext(), r, k)
  }

  /**
   * Why a session listed here (the index arrives first) holds nothing yet: none of it came, or
   * part of it, by a transfer that broke off. A handle opened on it fills as it arrives; the API
   * refuses to show, resume or write it meanwhile (local.ts) with this error.
   */
  async notHereYet (k: SessionKey): Promise<SessionNotFoundError> {
    const vault = this.v.vault
    const doc = toHex(vault.docId(DOC_NAMES.session(k)))
    const part = (await vault.heldSnapshots()).find(p => toHex(p.header.doc) === doc)
    if (part === undefined && (await vault.store.damaged()).some(d => d.kind === 'snapshot' && d.doc === doc)) {
      return new SessionNotFoundError(`session ${k} is listed, but this device holds none of it: its snapshot here was damaged on this disk and set aside`, { key: k, pending: { bytesHeld: 0 } }, {
        hint: { sep: ' ', cli: '(`mesh doctor` says where); it comes again from a device that has it while both are online (`mesh peers` shows who is)', mcp: '(the doctor tool says where); it comes again from a device that has it while both are online (the peers tool shows who is)' }
      })
    }
    if (part === undefined) return new SessionNotFoundError(`session ${k} is listed, but none of it has reached this device yet: it comes from a device that has it while both are online`, { key: k, pending: { bytesHeld: 0 } }, { hint: PEERS_SHOW_WHO })
    const from = vault.certs.get(part.header.author)?.label ?? toHex(part.header.author).slice(0, 8)
    const total = Number(part.header.snapshotSize)
    return new SessionNotFoundError(`session ${k} has not fully arrived: ${portion(part.held, total)} came from ${from} before the transfer stopped; the rest follows from there when a device that has it is online`, { key: k, pending: { bytesHeld: part.held, bytesTotal: total, from } }, { hint: PEERS_SHOW_WHO })
  }

  /**
   * Resolves once the session exists here, created on this device or arrived from a peer; with
   * a signal, rejects with AbortedError when it aborts first. Listed is not enough: the index
   * arrives ahead of the session's own document, and what follows a wait (a resume, a show)
   * would find nothing in it. It resolves once the document holds the session (its first entry,
   * or a snapshot of it, is here).
   */
  async find (key: string, options: { signal?: AbortSignal } = {}): Promise<SessionSummary> {
    const k = parseSessionKey(key)
    const ids = new Set([DOC_NAMES.sessionsIndex, DOC_NAMES.session(k)].map(n => toHex(this.v.vault.docId(n))))
    const lookup = async (): Promise<SessionSummary | undefined> => {
      const listed = await this.v.withDoc(DOC_NAMES.sessionsIndex, r => new SessionsIndexDoc(r.doc).get(k))
      if (listed === undefined) return undefined
      return (await this.v.withDoc(DOC_NAMES.session(k), r => new SessionDoc(r.doc).getMeta().key !== '')) ? listed : undefined
    }
    const now = await lookup()
    if (now !== undefined) return now
    return await new Promise<SessionSummary>((resolve, reject) => {
      let checking = false
      // An index entry that arrives while a lookup runs may have come after that lookup read the
      // index (its release can take long): it is looked at again once the lookup ends.
      let again = false
      let finished = false
      const done = (): void => { finished = true; this.v.vault.off('entry', onEntry); this.v.vault.off('snapshot', onEntry); options.signal?.removeEventListener('abort', onAbort); this.v.onClose.delete(onClose) }
      const onAbort = (): void => { done(); reject(AbortedError.ofWait(`session ${k}`, options.signal, { key: k })) }
      const onClose = (): void => { done(); reject(new ClosedError(`the vault was closed while waiting for session ${k}`, { key: k })) }
      const check = (): void => {
        if (checking) { again = true; return }
        checking = true
        again = false
        lookup().then((s) => {
          checking = false
          if (finished) return
          if (s !== undefined) { done(); resolve(s) } else if (again) check()
        }, (err: unknown) => { checking = false; done(); reject(err) })
      }
      const onEntry = (e: { doc: Uint8Array }): void => { if (ids.has(toHex(e.doc))) check() }
      if (options.signal?.aborted === true) { onAbort(); return }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.v.onClose.add(onClose)
      this.v.vault.on('entry', onEntry)
      this.v.vault.on('snapshot', onEntry)
      check() // it may have arrived between the first look and the listener
    })
  }

  async openOrCreate (key: string, opts: { title?: string, goal?: string } = {}): Promise<Session> {
    return (await this.exists(key)) ? await this.open(key) : await this.create(key, opts)
  }
}

class MemoryApi {
  constructor (private readonly v: MeshVault) {}

  async set (key: string, value: string, opts: { tags?: string[] } = {}): Promise<MemoryEntry> {
    return await this.v.withDoc(DOC_NAMES.memory, async r => await r.change(() => new MemoryDoc(r.doc).set(key, value, { tags: opts.tags, device: this.v.vault.identity.device.deviceId })))
  }

  async get (key: string): Promise<MemoryEntry | undefined> {
    return await this.v.withDoc(DOC_NAMES.memory, r => new MemoryDoc(r.doc).get(key))
  }

  async delete (key: string): Promise<boolean> {
    return await this.v.withDoc(DOC_NAMES.memory, async r => await r.change(() => new MemoryDoc(r.doc).delete(key)))
  }

  async list (opts: { tag?: string } = {}): Promise<MemoryEntry[]> {
    return await this.v.withDoc(DOC_NAMES.memory, r => new MemoryDoc(r.doc).list(opts))
  }

  /** Entries whose key, value or tags contain every word of the query, case-insensitively. */
  async search (query: string, opts: { limit?: number } = {}): Promise<MemoryEntry[]> {
    const words = query.toLowerCase().split(/\s+/).filter(w => w !== '')
    const hits = (await this.list()).filter(e => {
      const text = `${e.key}\n${e.value}\n${e.tags.join(' ')}`.toLowerCase()
      return words.every(w => text.includes(w))
    })
    return opts.limit !== undefined ? hits.slice(0, opts.limit) : hits
  }
}

class SkillsApi {
  constructor (private readonly v: MeshVault) {}

  /**
   * Adds (or replaces) a skill from Markdown text; `source` names where it came from, `name` the
   * skill when its front matter names none (else it must).
   */
  async add (text: string, opts: { source: string, name?: string, files?: SkillFile[], category?: string }): Promise<Skill> {
    return await this.v.withDoc(DOC_NAMES.skills, async r => await r.change(() => new SkillsDoc(r.doc).add(text, { source: opts.source, fallbackName: opts.name, device: this.v.vault.identity.device.deviceId, files: opts.files, category: opts.category })))
  }

  async addFile (path: string): Promise<Skill> {
    let bytes: Buffer
    try {
      bytes = await readFile(path)
    } catch (err: any) {
      throw new InvalidInputError(`cannot read skill file ${path}: ${err?.code ?? err}`, { path }, { cause: err })
    }
    const abs = resolve(path)
    // Not UTF-8 refused (decoded, it would be stored as another file); named, when its front
    // matter does not, by its folder (a SKILL.md) or its file.
    const { text, name } = skillFile(bytes, abs)
    return await this.add(text, { source: abs, name })
  }

  async list (): Promise<Skill[]> {
    return await this.v.withDoc(DOC_NAMES.skills, r => new SkillsDoc(r.doc).list())
  }

  async remove (name: string): Promise<boolean> {
    return await this.v.withDoc(DOC_NAMES.skills, async r => await r.change(() => new SkillsDoc(r.doc).remove(name, { device: this.v.vault.identity.device.deviceId })))
  }

  async tombstones (): Promise<SkillTombstone[]> {
    return await this.v.withDoc(DOC_NAMES.skills, r => new SkillsDoc(r.doc).tombstones())
  }

  async show (name: string): Promise<Skill> {
    const s = await this.v.withDoc(DOC_NAMES.skills, r => new SkillsDoc(r.doc).get(name))
    if (s === undefined) throw new NotFoundError(`no skill named ${name}`, { name })
    return s
  }
}

/** Who is online to send what is missing. */
const PEERS_SHOW_WHO: Hint = { sep: ' ', cli: '(`mesh peers` shows who is)', mcp: '(the peers tool shows who is)' }

/**
 * What makes a session of this key: an agent's own session is imported from the machine that has
 * it, any other is created; on a device that cannot write, it can only arrive from a sibling.
 * An agent (MCP) imports nothing itself: it can wait for the session, or create a plain one.
 */
function howToMake (key: string, writable: boolean): Hint {
  if (!writable) return { sep: ' ', cli: '(this device cannot write: sessions come from the devices that do, once `mesh join` runs here and a sibling that holds it is online)', mcp: '(this device cannot write: sessions come from the devices that do, while a sibling that holds it is online; sessions_wait waits for it)' }
  const agent = agentOfKey(key)
  if (agent !== undefined) return { sep: ' ', cli: `(import it with \`mesh agent import ${agent} --session ${key.split(':').slice(2).join(':')}\` on the machine whose ${agent} has it, or wait for it to arrive from a peer)`, mcp: `(it is imported on the machine whose ${agent} has it; sessions_wait waits for it to arrive)` }
  return { sep: ' ', cli: `(create it with \`mesh session new ${key}\`)`, mcp: '(create it with sessions_create)' }
}
