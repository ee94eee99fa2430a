/**
 * The ids a session's transcript holds, for an append that names its messages' ids (a retried
 * append adds nothing twice): built once by a walk of the transcript, then kept by its message
 * events (a peer's messages too; Yjs tells them as each transaction ends, before the next
 * append looks). Ids only: the message of an id that is here is found by
 * SessionDoc.messageById, from the end.
 */
import * as Y from 'yjs'
import { InvalidInputError } from '../src/errors.js'
import type { Message, NewMessage, SessionDoc } from './session.js'
import { copyOf, SHAPES } from './validate.js'

export class MessageIds {
  private readonly ids = new Set<string>()
  private readonly off: () => void

  constructor (private readonly session: SessionDoc, doc: Y.Doc) {
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

  /**
   * For each message of an append, the one the transcript holds of its id, if any (`key` names
   * the session in errors). InvalidInputError when a held one is another message (role, content,
   * tool fields) or an id comes twice in the list.
   */
  heldOf (list: readonly NewMessage[], key: string): Array<Message | undefined> {
    const seen = new Set<string>()
    for (const m of list) {
      if (m.id === undefined) continue
      if (seen.has(m.id)) throw new InvalidInputError(`two messages of this append have the id ${m.id}: an id names one message`, { key, id: m.id })
      seen.add(m.id)
    }
    return list.map(m => {
      if (m.id === undefined || !this.ids.has(m.id)) return undefined
      const held = this.session.messageById(m.id)
      if (held === undefined) return undefined // its map is here, not yet whole: appended as new
      if (!sameMessage(held, m)) throw new InvalidInputError(`session ${key} holds a message ${m.id} already, with another ${held.role !== m.role ? 'role' : held.content !== m.content ? 'content' : 'tool call or result'}: a retried append sends the same message; a new message takes a new id (or none)`, { key, id: m.id })
      return held
    })
  }

  stop (): void { this.off() }
}

/** Whether a message held is the one a retried append sends again (its id aside; its time may be new). */
function sameMessage (held: Message, m: NewMessage): boolean {
  if (held.role !== m.role || held.content !== m.content) return false
  // Each as the document keeps it (its fields in their schema's order), whatever order they came in.
  const kept = (v: unknown, shape: typeof SHAPES.toolCall): string => JSON.stringify(v === undefined ? undefined : copyOf(shape, v) ?? v)
  return kept(held.toolCall, SHAPES.toolCall) === kept(m.toolCall, SHAPES.toolCall) && kept(held.toolResult, SHAPES.toolResult) === kept(m.toolResult, SHAPES.toolResult)
}
