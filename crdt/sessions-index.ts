/** The sessions index: session key -> summary, so listing sessions reads one small document. */
import * as Y from 'yjs'
import { copyOf, fits, SHAPES } from './validate.js'

export interface SessionSummary { key: string, title: string, createdAt: number }

export class SessionsIndexDoc {
  readonly doc: Y.Doc
  private readonly sessions: Y.Map<SessionSummary>

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.sessions = doc.getMap('sessions')
  }

  put (s: SessionSummary): void { this.sessions.set(s.key, s) }
  /** Summaries of the wrong shape (a faulty member's write) read as absent. */
  has (key: string): boolean { return this.get(key) !== undefined }
  get (key: string): SessionSummary | undefined {
    return copyOf<SessionSummary>(SHAPES.summary, this.sessions.get(key))
  }

  /** How many summaries fit (as list() would give them), without copying or sorting them. */
  count (): number {
    let n = 0
    for (const s of this.sessions.values() as Iterable<unknown>) if (fits(SHAPES.summary, s)) n++
    return n
  }

  /** The keys of the summaries that fit, in no order: list()'s keys, without copying or sorting. */
  keys (): string[] {
    const out: string[] = []
    for (const s of this.sessions.values() as Iterable<unknown>) if (fits(SHAPES.summary, s)) out.push((s as SessionSummary).key)
    return out
  }

  list (): SessionSummary[] {
    return ([...this.sessions.values()] as unknown[]).flatMap(s => copyOf<SessionSummary>(SHAPES.summary, s) ?? []).sort((a, b) => a.createdAt - b.createdAt || a.key.localeCompare(b.key))
  }
}
