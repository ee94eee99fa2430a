/**
 * The documents' names (hex id -> name), which label the node's events, progress and peers only:
 * a session's key, and `session list`, `memory` and `skills` for the fixed documents.
 * Owns when they are reread: when an event first needs one (not at start, where opening the
 * sessions index of a 10,000-session vault held the event loop for a tenth of a second), once for
 * everyone who asks meanwhile, and again when the sessions index arrives, since a session is named
 * by the index, which often arrives just after the session itself.
 */
import { logger } from '@libp2p/logger'
import { DOC_NAMES } from '../../crdt/index.js'
import { docIdFor, toHex } from '../identity/index.js'
import type { NodeVault } from './mesh-types.js'
import type { Timers } from './timers.js'

const log = logger('mesh:node')

/** How the fixed documents are shown (a session is shown by its key): their names are the vault's, not a person's. */
const SHOWN = new Map<string, string>([[DOC_NAMES.sessionsIndex, 'session list'], [DOC_NAMES.memory, 'memory'], [DOC_NAMES.skills, 'skills']])

/** A name as docNames() gives it, as shown: a session's key, or `session list`, `memory`, `skills`. */
export const shownName = (name: string): string => SHOWN.get(name) ?? name

/** The names as shown, in place: the fixed documents' replaced by SHOWN's. */
function shown (names: Map<string, string>): Map<string, string> {
  for (const [hex, name] of names) { const s = SHOWN.get(name); if (s !== undefined) names.set(hex, s) }
  return names
}

export class DocNames {
  private names = new Map<string, string>()
  /** Reports of documents received before the sessions index named them. */
  private readonly awaitingIndex: Array<() => void> = []
  /** The sessions index's document id (hex), derived once: every received document is compared with it. */
  private indexHex: string | undefined | null = null
  private readonly unnamed: Array<() => void> = []
  private renaming = false

  constructor (private readonly vault: NodeVault, private readonly timers: Timers, private readonly stopped: () => boolean) {}

  get (hex: string): string | undefined { return this.names.get(hex) }
  has (hex: string): boolean { return this.names.has(hex) }
  /** Names the caller has just read (MeshNode.peers() reads them afresh) replace the ones held. */
  set (names: Map<string, string>): void { this.names = shown(names) }

  /**
   * Calls `report` once the document `hex`, just received, is named, or once it is clear that it
   * will not be soon: the index's next arrival or 5 s, whichever comes first.
   */
  whenNamed (hex: string, report: () => void): void {
    if (this.isIndex(hex) && this.awaitingIndex.length > 0) {
      // The index arrived: what waited for a name is named now (or never will be by this index).
      const waiting = this.awaitingIndex.splice(0)
      this.refresh(() => { for (const r of waiting) r() })
    }
    if (this.names.has(hex)) { report(); return }
    // A session's name is in the sessions index, which often arrives just after the session: one
    // still unnamed after a reread waits (a few seconds at most) for the index's next arrival.
    this.refresh(() => {
      if (this.names.has(hex) || this.stopped()) { report(); return }
      this.awaitingIndex.push(report)
      this.timers.after(5000, () => { const i = this.awaitingIndex.indexOf(report); if (i >= 0) { this.awaitingIndex.splice(i, 1); this.refresh(report) } })
    })
  }

  private isIndex (hex: string): boolean {
    if (this.indexHex === null) this.indexHex = this.vault.identity.keys !== undefined ? toHex(docIdFor(this.vault.identity.keys, DOC_NAMES.sessionsIndex)) : undefined
    return this.indexHex === hex
  }

  /**
   * Rereads the documents' names (a session is named by the index, which may have just arrived),
   * once for everyone who asks meanwhile, then calls each `then`: a fresh node receiving 10,000
   * documents would otherwise reread the sessions index once per document.
   */
  refresh (then?: () => void): void {
    if (then !== undefined) this.unnamed.push(then)
    if (this.renaming || this.stopped()) return
    this.renaming = true
    const refresh = (): void => {
      const waiting = this.unnamed.splice(0)
      void this.vault.docNames().then(names => { this.names = shown(names) }, (err: unknown) => { log('naming documents failed: %e', err) }).finally(() => {
        for (const r of waiting) r()
        if (this.unnamed.length > 0 && !this.stopped()) refresh()
        else this.renaming = false
      })
    }
    refresh()
  }
}
