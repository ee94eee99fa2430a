/**
 * The signed entry envelope: the unit the store keeps and the mesh carries, as bytes, unchanged.
 * `SignedEntry { body, signature }` where body is an encoded EntryBody and the author device
 * signs varint(len(DOMAIN.entry)) || DOMAIN.entry || body. This layer knows nothing of Yjs or of
 * the vault key: a node without the key can parse headers, check signatures, store and forward.
 */
import { createHash } from 'node:crypto'
import { EntryTooLargeError, InvalidEntryError, InvalidSignatureError } from '../errors.js'
import { equals, fromHex, toHex, varint as encodeVarint } from './bytes.js'
import { DOMAIN, ENTRY_VERSION } from './domains.js'
import type { Ed25519Signer } from './ed25519.js'
import { EntryBody as PbBody, SignedEntry as PbSigned } from './pb/entry.js'
import { signingInput, signWithDomain, verifyWithDomain } from './signed.js'
import { verifyMany, type SignedItem } from './verify-pool.js'

/**
 * `update`: one Yjs update. `updates`: several local updates of one author sealed together (a
 * device under load seals what one turn of its event loop produced as one entry). `snapshot`:
 * a snapshot header.
 */
export const ENTRY_KIND = { update: 1, snapshot: 2, updates: 3 } as const
export type EntryKind = typeof ENTRY_KIND[keyof typeof ENTRY_KIND]

/** Whether an entry of this kind carries Yjs updates inline (kinds `update` and `updates`). */
export const isUpdateKind = (kind: number): boolean => kind === ENTRY_KIND.update || kind === ENTRY_KIND.updates

/** Limits checked before anything else looks at the bytes. */
export const LIMITS = {
  /** An update entry, whole, on disk and on the wire. */
  maxEntryBytes: 1024 * 1024,
  /** Authors named in one snapshot's vector. */
  maxVectorItems: 4096,
  /** A snapshot's total ciphertext. */
  maxSnapshotBytes: 2 * 1024 * 1024 * 1024,
  nonceBytes: 12,
  /**
   * Lanes and sequence numbers are used as JavaScript numbers (map keys, vectors): beyond 2^53
   * two sequence numbers would compare equal, and a lane near 2^32 leaves no room for the next.
   * Checked where bytes become an entry, on both sides.
   */
  maxLane: 2 ** 31 - 1,
  maxSeq: 2n ** 53n - 1n
} as const

function checkPosition (lane: number, seq: bigint, what: string): void {
  if (lane > LIMITS.maxLane) throw new InvalidEntryError(`${what} lane ${lane} is above the limit of ${LIMITS.maxLane}`)
  if (seq > LIMITS.maxSeq) throw new InvalidEntryError(`${what} sequence number ${seq} is above the limit of ${LIMITS.maxSeq}`)
}

/**
 * Sequence numbers count per (document, author, lane). A device starts a new lane whenever it
 * cannot be sure its last lane's tail reached its own disk (after a crash or a failed write), so
 * it may send an entry before it is durable locally without ever reusing a (lane, seq).
 */
export interface VectorItem { author: Uint8Array, lane?: number, seq: bigint }

/** The key of one author's lane in per-author maps: the author's hex, then `.lane` unless 0. */
export function streamKey (s: { author: Uint8Array, lane?: number }): string {
  const lane = s.lane ?? 0
  return lane === 0 ? toHex(s.author) : `${toHex(s.author)}.${lane}`
}

export function parseStreamKey (key: string): { author: Uint8Array, lane: number } {
  const dot = key.indexOf('.')
  return dot < 0 ? { author: fromHex(key), lane: 0 } : { author: fromHex(key.slice(0, dot)), lane: Number(key.slice(dot + 1)) }
}

export interface EntryHeader {
  readonly version: number
  readonly kind: EntryKind
  readonly doc: Uint8Array
  readonly author: Uint8Array
  readonly lane: number
  readonly seq: bigint
  readonly epoch: number
  readonly nonce: Uint8Array
  readonly ciphertext: Uint8Array
  readonly covers: readonly VectorItem[]
  readonly snapshotSize: bigint
  readonly snapshotDigest: Uint8Array
  readonly chunkSize: number
  /**
   * Update kinds: the SHA-256 of the body and signature of this author's entry at `seq - 1` in
   * the same document and lane, when the author knew it (empty otherwise). A receiver holding this
   * entry verified may take that one, body and signature, as the author's without checking its
   * signature (crdt/SPEC.md, Entry).
   */
  readonly prev: Uint8Array
}

/** The length of an entry's `prev` when it names one: a SHA-256. */
export const PREV_BYTES = 32

/**
 * What the author's next entry in the same document and lane names as its `prev`: the SHA-256 of
 * this one's body followed by its signature. The signature is named too, so an entry taken on its
 * successor's word is stored with the very signature its author made: one that anyone can check
 * alone later (a load, a mirror, a peer sent it without its successor).
 */
export function prevOf (entry: Pick<Entry, 'body' | 'signature'>): Uint8Array {
  return new Uint8Array(createHash('sha256').update(entry.body).update(entry.signature).digest())
}

export interface Entry extends EntryHeader {
  /** The signed bytes exactly as stored and sent. */
  readonly bytes: Uint8Array
  readonly signature: Uint8Array
  readonly body: Uint8Array
}

export type EntryFields = Omit<EntryHeader, 'version' | 'lane' | 'covers' | 'snapshotSize' | 'snapshotDigest' | 'chunkSize' | 'prev'> &
Partial<Pick<EntryHeader, 'lane' | 'covers' | 'snapshotSize' | 'snapshotDigest' | 'chunkSize' | 'prev'>>

/**
 * An entry's header and encoded body before its signature: what an author may send ahead on its
 * own authenticated channel (protocols/sync/SPEC.md, Early entries) while it signs.
 */
export interface UnsignedEntry extends EntryHeader {
  readonly body: Uint8Array
}

/** Encodes an entry's body, unsigned; `signPrepared` signs it. */
export function prepareEntry (fields: EntryFields): UnsignedEntry {
  // Never sign what every receiver (and this store) would refuse.
  checkPosition(fields.lane ?? 0, fields.seq, 'entry')
  for (const c of fields.covers ?? []) checkPosition(c.lane ?? 0, c.seq, 'snapshot vector')
  const prev = fields.prev ?? new Uint8Array(0)
  checkPrev(fields.kind, fields.seq, prev)
  const body = PbBody.encode({
    version: ENTRY_VERSION,
    kind: fields.kind,
    doc: fields.doc as Uint8Array<ArrayBuffer>,
    author: fields.author as Uint8Array<ArrayBuffer>,
    seq: fields.seq,
    epoch: fields.epoch,
    nonce: fields.nonce as Uint8Array<ArrayBuffer>,
    ciphertext: fields.ciphertext as Uint8Array<ArrayBuffer>,
    covers: (fields.covers ?? []).map(c => ({ author: c.author as Uint8Array<ArrayBuffer>, seq: c.seq, lane: c.lane ?? 0 })),
    snapshotSize: fields.snapshotSize ?? 0n,
    snapshotDigest: (fields.snapshotDigest ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    chunkSize: fields.chunkSize ?? 0,
    lane: fields.lane ?? 0,
    prev: prev as Uint8Array<ArrayBuffer>
  })
  // The header from the fields themselves: decoding the body just encoded would only cost time.
  return {
    version: ENTRY_VERSION,
    kind: fields.kind,
    doc: fields.doc,
    author: fields.author,
    lane: fields.lane ?? 0,
    seq: fields.seq,
    epoch: fields.epoch,
    nonce: fields.nonce,
    ciphertext: fields.ciphertext,
    covers: (fields.covers ?? []).map(c => ({ author: c.author, seq: c.seq, lane: c.lane ?? 0 })),
    snapshotSize: fields.snapshotSize ?? 0n,
    snapshotDigest: fields.snapshotDigest ?? new Uint8Array(0),
    chunkSize: fields.chunkSize ?? 0,
    prev,
    body
  }
}

/** The size of the signed entry a body of `bodyBytes` makes (SignedEntry: the body, then a 64-byte signature). */
export function signedEntrySize (bodyBytes: number): number {
  return 1 + encodeVarint(bodyBytes).byteLength + bodyBytes + 2 + 64
}

/** Signs a prepared body: the entry as stored and sent. */
export function signPrepared (signer: Ed25519Signer, unsigned: UnsignedEntry): Entry {
  return withSignature(unsigned, signWithDomain(signer, DOMAIN.entry, unsigned.body))
}

export function signEntry (signer: Ed25519Signer, fields: EntryFields): Entry {
  return signPrepared(signer, prepareEntry(fields))
}

/**
 * The entry a received body and the signature that followed it make. The signature is not
 * checked here (checkEntrySignature is, by the admission): this only joins the two.
 */
export function withSignature (unsigned: UnsignedEntry, signature: Uint8Array): Entry {
  if (signature.byteLength !== 64) throw new InvalidEntryError('signature is not 64 bytes')
  const bytes = PbSigned.encode({ body: unsigned.body as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer> })
  checkEntrySize(bytes)
  return { ...unsigned, bytes, signature }
}

/** Parses a body received ahead of its signature (size first, then the same checks as any entry's). */
export function parseUnsignedEntry (body: Uint8Array): UnsignedEntry {
  if (body.byteLength > LIMITS.maxEntryBytes) throw new EntryTooLargeError(`entry body of ${body.byteLength} bytes exceeds the limit of ${LIMITS.maxEntryBytes}`)
  return { ...parseBody(body), body }
}

function parseBody (body: Uint8Array): EntryHeader {
  let b: PbBody
  try {
    b = PbBody.decode(body, { limits: { covers: LIMITS.maxVectorItems } })
  } catch (err) {
    throw new InvalidEntryError('entry body is not a valid encoding', {}, { cause: err })
  }
  if (b.version !== ENTRY_VERSION) throw new InvalidEntryError(`unsupported entry version ${b.version}`)
  if (!isUpdateKind(b.kind) && b.kind !== ENTRY_KIND.snapshot) throw new InvalidEntryError(`unknown entry kind ${b.kind}`)
  if (b.doc.byteLength !== 32) throw new InvalidEntryError('entry document id is not 32 bytes')
  if (b.author.byteLength !== 32) throw new InvalidEntryError('entry author is not a 32-byte key')
  if (b.nonce.byteLength !== LIMITS.nonceBytes) throw new InvalidEntryError('entry nonce is not 12 bytes')
  if (b.seq < 1n) throw new InvalidEntryError('entry sequence numbers start at 1')
  checkPosition(b.lane, b.seq, 'entry')
  for (const c of b.covers) {
    if (c.author.byteLength !== 32) throw new InvalidEntryError('snapshot vector names an author that is not a 32-byte key')
    checkPosition(c.lane, c.seq, 'snapshot vector')
  }
  checkPrev(b.kind, b.seq, b.prev)
  if (b.kind === ENTRY_KIND.snapshot) {
    if (b.ciphertext.byteLength !== 0) throw new InvalidEntryError('a snapshot header carries no inline ciphertext')
    if (b.snapshotDigest.byteLength !== 32) throw new InvalidEntryError('snapshot digest is not 32 bytes')
    if (b.chunkSize < 1024 || b.chunkSize > 1024 * 1024) throw new InvalidEntryError('snapshot chunk size out of range')
    if (b.snapshotSize > BigInt(LIMITS.maxSnapshotBytes)) throw new InvalidEntryError('snapshot too large')
  }
  return {
    version: b.version,
    kind: b.kind as EntryKind,
    doc: b.doc,
    author: b.author,
    lane: b.lane,
    seq: b.seq,
    epoch: b.epoch,
    nonce: b.nonce,
    ciphertext: b.ciphertext,
    covers: b.covers,
    snapshotSize: b.snapshotSize,
    snapshotDigest: b.snapshotDigest,
    chunkSize: b.chunkSize,
    prev: b.prev
  }
}

/** `prev` is empty, or the 32 bytes of a SHA-256 on an update entry that has an entry before it. */
function checkPrev (kind: number, seq: bigint, prev: Uint8Array): void {
  if (prev.byteLength === 0) return
  if (!isUpdateKind(kind)) throw new InvalidEntryError('only an update entry names the entry before it')
  if (prev.byteLength !== PREV_BYTES) throw new InvalidEntryError(`entry prev is not ${PREV_BYTES} bytes`)
  if (seq < 2n) throw new InvalidEntryError('the first entry of a lane has no entry before it')
}

/** The size limit every entry is held to, whole, before anything else looks at it. */
function checkEntrySize (bytes: Uint8Array): void {
  if (bytes.byteLength > LIMITS.maxEntryBytes) throw new EntryTooLargeError(`entry of ${bytes.byteLength} bytes exceeds the limit of ${LIMITS.maxEntryBytes}`)
}

function split (bytes: Uint8Array): PbSigned {
  checkEntrySize(bytes)
  // Only the one encoding mesh writes (PbSigned.encode of a body and a 64-byte signature): the
  // body (field 1) once, then the signature (field 2) once, lengths in their shortest varints,
  // nothing else. A protobuf decoder keeps the last of a repeated field, where entryPlace (a
  // stored record's place) reads the first: an envelope with two bodies would verify under one
  // and be filed under the other's document and position.
  const bad = (why: string): InvalidEntryError => new InvalidEntryError(`entry is not a valid signed envelope: ${why}`)
  if (bytes[0] !== 0x0a) throw bad('it does not start with its body')
  let len = 0
  let mul = 1
  let at = 1
  for (;;) {
    const b = bytes[at]
    if (b === undefined || at > 5) throw bad('the body\'s length is cut or too long')
    at++
    len += (b & 0x7f) * mul
    mul *= 128
    if ((b & 0x80) === 0) {
      if (b === 0 && at > 2) throw bad('the body\'s length is not in its shortest form')
      break
    }
  }
  const sigAt = at + len
  if (sigAt + 66 !== bytes.byteLength || bytes[sigAt] !== 0x12 || bytes[sigAt + 1] !== 64) throw bad('it is not a body followed by one 64-byte signature')
  return { body: bytes.subarray(at, sigAt), signature: bytes.subarray(sigAt + 2, sigAt + 66) } as PbSigned
}

/**
 * Size check, then the signature over the received body, then decoding. The author key is taken
 * from the body only to check the signature; whether that author may write is the caller's
 * (certificate) check.
 */
export function verifyEntry (bytes: Uint8Array): Entry {
  const entry = parseTrustedEntry(bytes)
  checkEntrySignature(entry)
  return entry
}

/**
 * Entries whose signature verifyEntrySignatures (on a worker thread) or checkRunSignatures checked:
 * by object, so only the very entry that was checked passes, parsed from bytes that nothing in
 * mesh writes into.
 */
const verified = new WeakSet<Entry>()

/** Throws InvalidSignatureError unless the entry's signature verifies under its author key. */
export function checkEntrySignature (entry: Entry): void {
  if (verified.has(entry)) return
  if (!verifyWithDomain(entry.author, DOMAIN.entry, entry.body, entry.signature)) {
    throw new InvalidSignatureError('entry signature does not verify under its author key', { author: toHex(entry.author) })
  }
}

/**
 * Whether `next` stands where a voucher for `entry` must (crdt/SPEC.md, Runs of entries): update
 * entries of one author, document and lane, `next` at the following seq and naming one by `prev`.
 * Whether its `prev` names `entry`'s very bytes is the hash's to say, checked apart.
 */
function follows (next: Entry, entry: Entry): boolean {
  return isUpdateKind(next.kind) && next.prev.byteLength === PREV_BYTES && isUpdateKind(entry.kind) && entry.seq + 1n === next.seq &&
    entry.lane === next.lane && equals(entry.doc, next.doc) && equals(entry.author, next.author)
}

/**
 * Checks the signatures of entries in order of their arrival, with one check for an unbroken run
 * of an author's lane: the newest entry of the run is checked, and each before it is taken on its
 * successor's word (crdt/SPEC.md, Runs of entries), as verifyEntrySignatures does for a batch.
 * One not vouched for so (the hash does not match, its successor was refused, it ends the list) is
 * checked on its own. Returns, per entry, undefined when it passed or the error its check threw;
 * an entry that passed then passes checkEntrySignature without a second check.
 */
export function checkRunSignatures (entries: readonly Entry[]): Array<Error | undefined> {
  const out: Array<Error | undefined> = new Array(entries.length).fill(undefined)
  let next: Entry | undefined
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as Entry
    if (next !== undefined && follows(next, e) && equals(next.prev, prevOf(e))) {
      verified.add(e)
      next = e
      continue
    }
    try {
      checkEntrySignature(e)
      verified.add(e)
      next = e
    } catch (err) {
      out[i] = err as Error
      next = undefined
    }
  }
  return out
}

/** Parses a header without checking the signature: for bytes this store already verified. */
export function parseTrustedEntry (bytes: Uint8Array): Entry {
  const s = split(bytes)
  return { ...parseBody(s.body), bytes, signature: s.signature, body: s.body }
}

/**
 * Where a stored entry sits (document, author, lane, seq), read straight from its protobuf bytes
 * without decoding the rest: a store rebuilding its index at open reads every record, and a full
 * decode of each was most of a 10,000-document vault's start-up. Only for bytes this node verified
 * before storing them; malformed bytes throw InvalidEntryError.
 */
export function entryPlace (bytes: Uint8Array): { doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, signature: Uint8Array } {
  const body = field(bytes, 0, bytes.byteLength, 1)
  if (body === undefined) throw new InvalidEntryError('entry has no body')
  const sig = field(bytes, 0, bytes.byteLength, 2)
  let doc: Uint8Array | undefined
  let author: Uint8Array | undefined
  let lane = 0
  let seq = 0
  let at = body[0]
  const end = body[1]
  while (at < end) {
    const [key, a1] = varint(bytes, at)
    const f = Math.floor(key / 8)
    const wire = key % 8
    if (wire === 0) {
      const [v, a2] = varint(bytes, a1)
      if (f === 5) seq = v
      else if (f === 13) lane = v
      at = a2
    } else if (wire === 2) {
      const [len, a2] = varint(bytes, a1)
      if (a2 + len > end) throw new InvalidEntryError('entry field runs past its body')
      if (f === 3) doc = bytes.subarray(a2, a2 + len)
      else if (f === 4) author = bytes.subarray(a2, a2 + len)
      at = a2 + len
    } else if (wire === 1) at = a1 + 8
    else if (wire === 5) at = a1 + 4
    else throw new InvalidEntryError(`entry field of wire type ${wire}`)
  }
  if (doc === undefined || author === undefined) throw new InvalidEntryError('entry without doc or author')
  return { doc, author, lane, seq: BigInt(seq), signature: sig === undefined ? new Uint8Array(0) : bytes.subarray(sig[0], sig[1]) }
}

/** [start, end) of the first length-delimited field `want` in bytes[from, to). */
function field (bytes: Uint8Array, from: number, to: number, want: number): [number, number] | undefined {
  let at = from
  while (at < to) {
    const [key, a1] = varint(bytes, at)
    const wire = key % 8
    if (wire === 2) {
      const [len, a2] = varint(bytes, a1)
      if (a2 + len > to) throw new InvalidEntryError('entry field runs past its end')
      if (Math.floor(key / 8) === want) return [a2, a2 + len]
      at = a2 + len
    } else if (wire === 0) at = varint(bytes, a1)[1]
    else if (wire === 1) at = a1 + 8
    else if (wire === 5) at = a1 + 4
    else throw new InvalidEntryError(`entry field of wire type ${wire}`)
  }
  return undefined
}

function varint (bytes: Uint8Array, at: number): [number, number] {
  let v = 0
  let mul = 1
  for (let i = 0; i < 10; i++) {
    const b = bytes[at + i]
    if (b === undefined) throw new InvalidEntryError('entry ends inside a varint')
    v += (b & 0x7f) * mul
    if ((b & 0x80) === 0) return [v, at + i + 1]
    mul *= 128
  }
  throw new InvalidEntryError('varint longer than 10 bytes')
}

/**
 * Checks many entries' signatures at once on a worker thread (verify-pool.ts), ahead of their
 * admission: true for each that verified (or that a verified entry of its author's run in the
 * batch names by its `prev`), and checkEntrySignature then passes that entry object without
 * checking it again. False says only that it did not verify there: the admission's own
 * check decides (and names the error). Rejects when the worker failed.
 */
export async function verifyEntrySignatures (entries: readonly Entry[]): Promise<boolean[]> {
  const items: SignedItem[] = entries.map(e => ({ publicKey: e.author, message: e.body, signature: e.signature }))
  // An update entry whose `prev` names the body and signature of its author's entry before it in
  // the same document and lane vouches for that entry, when both are in this batch: one signature check
  // at the end of an author's run (the worker still checks any entry whose hash does not match).
  // Mostly the entry just before it in the batch (a sender sends a lane's entries in order);
  // otherwise found by position, in a map made only then.
  let at: Map<number, number[]> | undefined
  const before = (e: Entry, j: number): number | undefined => {
    const p = entries[j - 1]
    if (p !== undefined && follows(e, p)) return j - 1
    if (at === undefined) {
      const m = new Map<number, number[]>()
      entries.forEach((x, i) => {
        if (!isUpdateKind(x.kind)) return
        const list = m.get(Number(x.seq))
        if (list === undefined) m.set(Number(x.seq), [i])
        else list.push(i)
      })
      at = m
    }
    return at.get(Number(e.seq) - 1)?.find(i => follows(e, entries[i] as Entry))
  }
  entries.forEach((e, j) => {
    if (!isUpdateKind(e.kind) || e.prev.byteLength !== PREV_BYTES) return
    const i = before(e, j)
    if (i !== undefined) (items[i] as SignedItem).vouch = { by: j, hash: e.prev }
  })
  // signingInput(domain, body) is the domain's prefix followed by the body.
  const ok = await verifyMany(signingInput(DOMAIN.entry, new Uint8Array(0)), items)
  entries.forEach((e, i) => { if (ok[i] === true) verified.add(e) })
  return ok
}
