/**
 * A faulty or compromised member on real sockets: two nodes of one wallet, B connected to A and
 * proven, then B's own sync stopped and a sync stream of B's opened by hand, so whatever B's
 * device key signs and the vault key seals reaches A exactly as written, frame by frame.
 */
import type { Stream } from '@libp2p/interface'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, sealSnapshot, sealUpdate, sealUpdatesUnsigned, type SessionKey } from '../../crdt/index.js'
import { SYNC_PROTOCOL, SYNC_LIMITS } from '../../protocols/sync/index.js'
import { frame } from '../../protocols/sync/frames.js'
import { SyncMessage } from '../../protocols/sync/pb/sync.js'
import { signPrepared, type VectorItem, type Wallet } from '../../src/identity/index.js'
import { generateWallet, startNode, until, type TestNode } from './nodes.js'

export interface Rogue {
  a: TestNode
  b: TestNode
  /** B's device key signs, the vault key seals: a valid member's entry of any content. */
  entry: (doc: Uint8Array, seq: bigint, update: Uint8Array, lane?: number) => Uint8Array
  snapshot: (doc: Uint8Array, seq: bigint, state: Uint8Array, covers: VectorItem[]) => { header: Uint8Array, ciphertext: Uint8Array }
  /** B's entry as its body (sent ahead of its signature) and the signature that follows it. */
  early: (doc: Uint8Array, seq: bigint, update: Uint8Array, lane?: number) => { body: Uint8Array, signature: Uint8Array }
  sendEntries: (entries: Uint8Array[]) => void
  /** Any frame, as written (fields of SyncMessage). */
  send: (m: Record<string, unknown>) => void
  sendSnapshot: (header: Uint8Array, ciphertext: Uint8Array) => void
  /** Ends the hand-made stream (B's own sync stays stopped). */
  close: () => void
  /** The hand-made stream itself: what A sends arrives on it (pause it to stop reading). */
  stream: Stream
}

const EMPTY: Record<string, unknown> = { certificates: [], vectors: [], vectorsDone: false, entries: [], snapshotHeader: new Uint8Array(0), snapshotChunk: new Uint8Array(0), wantVectors: false, earlyEntries: [], signatures: [] }

/** Starts A and B; `prepare` runs while B still syncs normally (B's honest writes reach A). */
export async function rogueMember (nodes: TestNode[], opts: { wallet?: Wallet, prepare?: (a: TestNode, b: TestNode) => Promise<void> } = {}): Promise<Rogue> {
  const wallet = opts.wallet ?? generateWallet()
  const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
  const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
  await b.node.dial(a.node.addresses()[0] as string)
  const aId = a.node.libp2p.peerId
  await until(() => b.node.libp2p.services.membership.isProven(aId) && a.node.libp2p.services.membership.isProven(b.node.libp2p.peerId), 'A and B to prove each other')
  if (opts.prepare !== undefined) await opts.prepare(a, b)
  await (b.node.libp2p.services.sync as unknown as { stop: () => Promise<void> }).stop()
  const bId = b.node.libp2p.peerId.toString()
  await until(() => a.node.libp2p.services.sync.sessionWith(bId) === undefined, "A to end B's own session")
  const st = await b.node.libp2p.getConnections(aId)[0]!.newStream(SYNC_PROTOCOL)
  const put = (m: Record<string, unknown>): void => { st.send(frame(SyncMessage.encode({ ...EMPTY, ...m } as any))) }
  const keys = b.vault.vault.identity.keys
  const signer = b.vault.vault.identity.device.signer
  return {
    a,
    b,
    entry: (doc, seq, update, lane) => sealUpdate({ keys, signer }, doc, seq, update, { lane }).bytes,
    snapshot: (doc, seq, state, covers) => {
      const s = sealSnapshot({ keys, signer }, doc, seq, state, covers)
      return { header: s.header.bytes, ciphertext: s.ciphertext }
    },
    early: (doc, seq, update, lane) => {
      const unsigned = sealUpdatesUnsigned({ keys, author: signer.publicKey }, doc, seq, [update], { lane })
      return { body: unsigned.body, signature: signPrepared(signer, unsigned).signature }
    },
    sendEntries: (entries) => { put({ entries }) },
    send: put,
    sendSnapshot: (header, ct) => {
      put({ snapshotHeader: header })
      for (let at = 0; at < ct.byteLength; at += SYNC_LIMITS.chunkBytes) put({ snapshotChunk: ct.subarray(at, at + SYNC_LIMITS.chunkBytes) })
    },
    close: () => { st.abort(new Error('done')) },
    stream: st
  }
}

/**
 * A session A creates with one message, once B holds it: `say(text)` is an update of B's appending
 * `text` to B's state of it then, for B's hand-made entries to carry.
 */
export async function sharedSession (a: TestNode, b: TestNode, key: SessionKey, first: string): Promise<(text: string) => Uint8Array> {
  const s = await a.vault.sessions.create(key)
  await s.append({ role: 'user', content: first })
  await s.close()
  await until(async () => {
    if (!(await b.vault.sessions.exists(key))) return false
    const h = await b.vault.sessions.open(key)
    try { return h.messageCount() === 1 } finally { await h.close() }
  }, 'B to get the session')
  const rb = await b.vault.vault.acquire(DOC_NAMES.session(key))
  const base = Y.encodeStateAsUpdate(rb.doc)
  await b.vault.vault.release(rb)
  return (text) => {
    const d = new Y.Doc(); Y.applyUpdate(d, base)
    return updateOf(x => { new SessionDoc(x).appendMessages([{ role: 'assistant', content: text }], 'b') }, d)
  }
}

/** A Yjs update that makes `doc` (a fresh doc when absent) do `fn`. */
export function updateOf (fn: (doc: Y.Doc) => void, base?: Y.Doc): Uint8Array {
  const d = base ?? new Y.Doc()
  let out: Uint8Array | undefined
  const f = (u: Uint8Array): void => { out = out === undefined ? u : Y.mergeUpdates([out, u]) }
  d.on('update', f)
  try { d.transact(() => { fn(d) }) } finally { d.off('update', f) }
  if (out === undefined) throw new Error('the change made no update')
  return out
}

/**
 * 14 bytes that pass every check above Yjs and throw inside it: one item whose content is a
 * type of an unknown type ref (`typeRefs[…] is not a function` in yjs 13.6).
 */
export function poisonUpdate (root = 'sessions'): Uint8Array {
  const name = new TextEncoder().encode(root)
  // clients 1 | structs 1 | client 12345 (varint) | clock 0 | info 7 (ContentType, parent is a root name) | 1 | name | typeRef 99 | empty delete set
  return Uint8Array.from([1, 1, 0xb9, 0x60, 0, 7, 1, name.length, ...name, 99, 0])
}
