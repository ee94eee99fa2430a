/** A handle on one open session. Use after `close()` throws ClosedError. */
import * as Y from 'yjs'
import { SessionDoc, type Lease, type Message, type NewMessage, type SessionMeta, type TaskState, type TaskUpdate } from '../../crdt/index.js'
import { ClosedError } from '../errors.js'
import type { Replica } from '../node/replica.js'
import type { Vault } from '../node/vault.js'
import type { SessionKey } from '../../crdt/index.js'

export interface ResumeInfo {
  key: string
  title: string
  goal: string
  status: string
  task: TaskState
  lease?: Lease
  lastWriter?: { device: string, label?: string, ts: number }
  messages: Message[]
  messageCount: number
}

export type SessionEvent =
  | { type: 'messages', messages: Message[], remote: boolean }
  | { type: 'changed', remote: boolean }

export class Session {
  readonly key: SessionKey
  private readonly s: SessionDoc
  private closed = false
  private readonly unsubs = new Set<() => void>()

  constructor (private readonly vault: Vault, private readonly replica: Replica, key: SessionKey) {
    this.key = key
    this.s = new SessionDoc(replica.doc)
  }

  private get device (): string { return this.vault.identity.device.deviceId }
  private check (): void {
    if (this.closed) throw new ClosedError(`session ${this.key} is closed`)
    // Its document holds a change the disk does not (reads would show what was refused): the
    // handle throws why, until the session is opened again.
    const failed = this.replica.failure
    if (failed !== undefined) throw failed
  }

  meta (): SessionMeta { this.check(); return this.s.getMeta() }
  task (): TaskState { this.check(); return this.s.getTask() }
  messageCount (): number { this.check(); return this.s.messageCount() }
  messages (opts: { tail?: number } = {}): Message[] { this.check(); return this.s.messages(opts.tail) }

  /** Appends messages; resolves once they are durable on this device's disk. */
  async append (messages: NewMessage | NewMessage[]): Promise<Message[]> {
    this.check()
    const list = Array.isArray(messages) ? messages : [messages]
    return await this.replica.change(() => this.s.appendMessages(list, this.device))
  }

  async updateTask (update: TaskUpdate): Promise<void> {
    this.check()
    await this.replica.change(() => { this.s.updateTask(update, this.device) })
  }

  async setMeta (fields: Partial<Pick<SessionMeta, 'title' | 'goal' | 'status'>>): Promise<void> {
    this.check()
    await this.replica.change(() => { this.s.setMeta(fields, this.device) })
  }

  async takeLease (opts: { force?: boolean, ttlMs?: number } = {}): Promise<Lease> {
    this.check()
    const label = this.vault.identity.certificate.label
    return await this.replica.change(() => this.s.takeLease(this.device, { ...opts, label }))
  }

  async releaseLease (): Promise<boolean> {
    this.check()
    return await this.replica.change(() => this.s.releaseLease(this.device))
  }

  /** Everything an agent needs to continue. */
  resumeInfo (opts: { tail?: number } = {}): ResumeInfo {
    this.check()
    const m = this.s.getMeta()
    const writer = m.lastWriter !== undefined
      ? { ...m.lastWriter, label: this.vault.certs.all().find(c => c.deviceId === m.lastWriter?.device)?.label }
      : undefined
    return {
      key: m.key,
      title: m.title,
      goal: m.goal,
      status: m.status,
      task: this.s.getTask(),
      lease: m.lease,
      lastWriter: writer,
      messages: this.s.messages(opts.tail),
      messageCount: this.s.messageCount()
    }
  }

  /** Calls `fn` for new messages (local or from peers) and other changes. Returns an unsubscribe. */
  subscribe (fn: (e: SessionEvent) => void): () => void {
    this.check()
    const offMessages = this.s.onMessages((messages, local) => { fn({ type: 'messages', messages, remote: !local }) })
    // afterTransaction, not 'update': an 'update' listener makes Yjs encode every transaction's
    // update (a whole snapshot's worth on a load) only for this to ignore the bytes.
    const onTransaction = (tr: Y.Transaction): void => { if (hasContent(tr)) fn({ type: 'changed', remote: !tr.local }) }
    this.replica.doc.on('afterTransaction', onTransaction)
    const off = (): void => {
      offMessages()
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
    await this.vault.release(this.replica)
  }
}

/** Whether a transaction added or deleted anything (what makes Yjs emit an update for it). */
function hasContent (tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true
  return false
}
