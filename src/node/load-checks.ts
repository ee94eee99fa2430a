/**
 * The checks a load and the admission path share: what an entry's updates show without the
 * document (checkUpdate) and against the open document (checkAgainstDoc).
 */
import { checkAgainstDoc, checkUpdate, type DocKind } from '../../crdt/index.js'
import type { Replica } from './replica.js'

/** What checkUpdate finds in any of an entry's updates. */
export function staticProblem (kind: DocKind, updates: readonly Uint8Array[]): string | undefined {
  for (const u of updates) {
    const p = checkUpdate(kind, u)
    if (p !== undefined) return p
  }
  return undefined
}

/** What checkAgainst finds in any of an entry's updates, against the replica's document as it is. */
export function againstDoc (r: Replica, updates: readonly Uint8Array[]): { problem?: string, complete: boolean } {
  let complete = true
  for (const u of updates) {
    const p = checkAgainstDoc(r.kind, r.doc, u)
    if (p.problem !== undefined) return p
    complete &&= p.complete
  }
  // Several updates of one entry build on each other (the second's items sit in the first's):
  // checked against the document alone, only the first is exact.
  return { complete: complete && updates.length === 1 }
}
