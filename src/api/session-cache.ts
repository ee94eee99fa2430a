/**
 * Open session handles kept by the API: a session used by a call stays open for a while after
 * (the next `show` or `append` of a big session costs no reload), and a session someone
 * subscribed to stays open while they do, so its new messages, lease and task changes become
 * events. Each open handle turns its document's changes into API events.
 */
import { logger } from '@libp2p/logger'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import type { ApiEvent } from './schema.js'
import type { LeaseView, Session } from './session.js'
import type { MeshVault } from './vault.js'

const log = logger('mesh:api:sessions')
/** How long an unpinned session stays open after its last use. */
const IDLE_MS = 60_000

interface Entry {
  session: Promise<Session>
  users: number
  /** The subscribers that keep it open. */
  pins: Set<Pin>
  timer?: ReturnType<typeof setTimeout>
  off?: () => void
  /** Closed, or being closed. */
  shut?: boolean
}

/** A subscriber's pin: on the entry it keeps open, or waiting (entry undefined) for its session to open. */
interface Pin { entry: Entry | undefined }

export class SessionCache {
  private readonly open = new Map<SessionKey, Entry>()
  /**
   * Pins whose session did not open (not here yet: a watcher waiting for it). The next open of
   * that session, by any call, takes them: its events flow to the subscriber from then on.
   */
  private readonly waiting = new Map<SessionKey, Set<Pin>>()
  private closed = false

  private readonly idleMs: number
  private readonly offBroken: () => void

  /** `idleMs`: how long an unpinned session stays open after its last use (IDLE_MS). */
  constructor (private readonly vault: MeshVault, private readonly emit: (e: ApiEvent) => void, options: { idleMs?: number } = {}) {
    this.idleMs = options.idleMs ?? IDLE_MS
    const onBroken = ({ name }: { name: string }): void => {
      for (const key of [...this.open.keys()]) if (DOC_NAMES.session(key) === name) this.reopen(key)
    }
    vault.vault.on('broken', onBroken)
    this.offBroken = () => { vault.vault.off('broken', onBroken) }
  }

  isOpen (key: SessionKey): boolean { return this.open.has(key) }

  private acquire (key: SessionKey): Entry {
    let e = this.open.get(key)
    if (e === undefined) {
      const entry: Entry = { session: this.vault.sessions.open(key), users: 0, pins: new Set() }
      e = entry
      this.open.set(key, entry)
      entry.session.then((s) => {
        entry.off = s.subscribe(ev => { this.onSessionEvent(key, s, ev) })
        const pins = this.waiting.get(key)
        this.waiting.delete(key)
        for (const pin of pins ?? []) this.hold(pin, entry, key)
      }, () => { if (this.open.get(key) === entry) this.open.delete(key) })
    }
    if (e.timer !== undefined) { clearTimeout(e.timer); e.timer = undefined }
    return e
  }

  private onSessionEvent (key: SessionKey, s: Session, ev: Parameters<Parameters<Session['subscribe']>[0]>[0]): void {
    if (ev.type === 'messages') {
      const messages = ev.messages.map(m => { const author = s.labelOf(m.device); return author !== undefined ? { ...m, author } : m })
      this.emit({ type: 'message.appended', key, messages, remote: ev.remote, version: ev.version, copy: ev.copy })
    }
    else if (ev.type === 'lease') this.emit({ type: 'lease.changed', key, lease: ev.lease as LeaseView | undefined, remote: ev.remote })
    else if (ev.type === 'task') this.emit({ type: 'task.changed', key, remote: ev.remote })
  }

  private releaseLater (key: SessionKey, e: Entry): void {
    if (e.users > 0 || e.pins.size > 0 || this.closed) return
    e.timer = setTimeout(() => {
      if (this.open.get(key) !== e || e.users > 0 || e.pins.size > 0) return
      this.open.delete(key)
      void this.shut(e)
    }, this.idleMs)
    // An idle cache never keeps a process alive.
    e.timer.unref()
  }

  private async shut (e: Entry): Promise<void> {
    if (e.shut) return
    e.shut = true
    try {
      const s = await e.session
      e.off?.()
      await s.close()
    } catch (err) {
      log('closing a cached session failed: %e', err)
    }
  }

  /**
   * Runs fn on the open session (opening it if needed). `linger: false`: a session this call
   * opened is closed once nobody else uses it, not kept for the next call (a list that reads
   * hundreds of sessions once holds one at a time).
   */
  async use<T>(key: SessionKey, fn: (s: Session) => Promise<T> | T, opts: { linger?: boolean } = {}): Promise<T> {
    const opened = !this.open.has(key)
    let e = this.acquire(key)
    e.users++
    try {
      let s = await e.session
      if (s.failure !== undefined) {
        // Its replica broke (a change could not be kept): what it shows is not what the disk
        // holds. A fresh handle reloads from the store (reopen() made one, unless this came first).
        if (this.open.get(key) === e) this.reopen(key)
        e.users--
        if (e.users === 0) void this.shut(e)
        e = this.acquire(key)
        e.users++
        s = await e.session
      }
      return await fn(s)
    } finally {
      e.users--
      if (opts.linger === false && opened && e.users === 0 && e.pins.size === 0 && this.open.get(key) === e) {
        this.open.delete(key)
        await this.shut(e)
      // Replaced while in use (its document was reloaded, reopen()): the last user closes it.
      } else if (this.open.get(key) !== e && e.users === 0 && e.pins.size === 0) await this.shut(e)
      else this.releaseLater(key, e)
    }
  }

  /**
   * Settles once a session held here has opened (its events flow from then on) or failed to (it
   * does not exist yet: its events flow once it is opened again); at once for one not held.
   */
  async settled (key: SessionKey): Promise<void> {
    await this.open.get(key)?.session.then(() => {}, () => {})
  }

  /** Keeps a session open (and its events flowing) until the returned function is called. */
  pin (key: SessionKey): () => void {
    const pin: Pin = { entry: undefined }
    this.hold(pin, this.acquire(key), key)
    let done = false
    return () => {
      if (done) return
      done = true
      const at = pin.entry
      if (at === undefined) { this.waiting.get(key)?.delete(pin); return }
      at.pins.delete(pin)
      this.releaseLater(key, at)
    }
  }

  /** `pin` keeps `e` open; should it not open (the session is not here yet), the pin waits for the next open. */
  private hold (pin: Pin, e: Entry, key: SessionKey): void {
    pin.entry = e
    e.pins.add(pin)
    e.session.catch((err: unknown) => {
      log('pinned session %s did not open (yet): %e', key, err)
      if (pin.entry !== e || !e.pins.has(pin)) return
      e.pins.delete(pin)
      pin.entry = undefined
      const set = this.waiting.get(key) ?? new Set<Pin>()
      set.add(pin)
      this.waiting.set(key, set)
    })
  }

  /**
   * Its document was reloaded from the store (a change it applied proved unstorable, or could
   * not be kept): the handle tells nothing more. Opened again at once for those who follow it,
   * their pins moved to the new handle, and told as changed, so they read back what they lack.
   */
  private reopen (key: SessionKey): void {
    const old = this.open.get(key)
    if (old === undefined || this.closed) return
    this.open.delete(key)
    clearTimeout(old.timer)
    old.timer = undefined
    const pins = [...old.pins]
    old.pins.clear()
    if (pins.length > 0) {
      const fresh = this.acquire(key)
      for (const pin of pins) this.hold(pin, fresh, key)
    }
    // Calls running on it close it as they end (use()).
    if (old.users === 0) void this.shut(old)
    this.emit({ type: 'session.changed', key, remote: true })
  }

  async close (): Promise<void> {
    this.closed = true
    this.offBroken()
    this.waiting.clear()
    const all = [...this.open.values()]
    this.open.clear()
    for (const e of all) if (e.timer !== undefined) clearTimeout(e.timer)
    await Promise.all(all.map(async e => { await this.shut(e) }))
  }
}
