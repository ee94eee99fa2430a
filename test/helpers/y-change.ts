/**
 * An update holding only what `fn` changes in a copy of `base` (an empty document when none): what
 * a member would send, for checks of one change against a document (crdt/validate.ts).
 */
import * as Y from 'yjs'

export function change (fn: (d: Y.Doc) => void, base?: Y.Doc): Uint8Array {
  const d = new Y.Doc()
  if (base !== undefined) Y.applyUpdate(d, Y.encodeStateAsUpdate(base))
  const sv = Y.encodeStateVector(d)
  fn(d)
  return Y.encodeStateAsUpdate(d, sv)
}
