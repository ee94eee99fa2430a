/**
 * The ids a session's transcript holds, for an append that names its messages' ids (a retried
 * append adds nothing twice): built once by a walk of the transcript, then kept by its message
 * events (a peer's messages too). Ids only: the message of an id that is here is found by
 * SessionDoc.messageById, from the end.
 */
import * as Y from 'yjs'
import type { SessionDoc } from './session.js'

export class MessageIds {
  private readonly ids = new Set<string>()
  private readonly off: () => void

  constructor (session: SessionDoc, doc: Y.Doc) {
    // Subscribed before the walk: nothing added between the two is missed (both are synchronous).
    this.off = session.onMessages(added => { for (const m of added) this.ids.add(m.id) })
    for (const c of doc.getArray<unknown>('transcript').toArray()) {
      if (!(c instanceof Y.Array)) continue
      for (const m of c.toArray() as unknown[]) {
        const id: unknown = m instanceof Y.Map ? m.get('id') : undefined
        if (typeof id === 'string') this.ids.add(id)
      }
    }
  }

  /** Whether the transcript holds a message (or a message's map not yet whole) of this id. */
  has (id: string): boolean { return this.ids.has(id) }

  /** Records ids appended here (their event comes after the transaction; the next append may come first). */
  add (id: string): void { this.ids.add(id) }

  stop (): void { this.off() }
}
