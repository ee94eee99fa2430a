/** The sessions index: session key -> summary, so listing sessions reads one small document. */
import * as Y from 'yjs'

export interface SessionSummary { key: string, title: string, createdAt: number }

export class SessionsIndexDoc {
  readonly doc: Y.Doc
  private readonly sessions: Y.Map<SessionSummary>

  constructor (doc: Y.Doc = new Y.Doc()) {
    this.doc = doc
    this.sessions = doc.getMap('sessions')
  }

  put (s: SessionSummary): void { this.sessions.set(s.key, s) }
  has (key: string): boolean { return this.sessions.has(key) }
  get (key: string): SessionSummary | undefined { return this.sessions.get(key) }
  list (): SessionSummary[] { return [...this.sessions.values()].sort((a, b) => a.createdAt - b.createdAt || a.key.localeCompare(b.key)) }
}
