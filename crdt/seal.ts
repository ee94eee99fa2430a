/**
 * Sealing a Yjs update into a log entry and opening it again. ChaCha20-Poly1305 (node:crypto,
 * ~430 MiB/s here against tweetnacl's ~50) under a per-document key of the entry's epoch, with a
 * fresh random 96-bit nonce: keys are per document, so the birthday bound (2^32 entries) is per
 * document and epoch, far beyond any session. The AAD binds the ciphertext to its header so a
 * member cannot move it to another document, author or position without re-encrypting.
 * Snapshots are sealed in 64 KiB chunks under one signature over the digest of all chunks.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { DecryptError, InvalidEntryError } from '../src/errors.js'
import { splitFrames } from './frames.js'
import {
  concat, docKey, docKeys, ENTRY_KIND, equals, LABEL, prepareEntry, signEntry, signPrepared, u32be, u64be, utf8,
  type Ed25519Signer, type Entry, type UnsignedEntry, type VaultKeys, type VectorItem
} from '../src/identity/index.js'

const TAG = 16
export const SNAPSHOT_CHUNK = 64 * 1024

// Nonces come from a pool refilled 4 KiB at a time: one CSPRNG call per 341 entries instead of
// one per entry (~10 µs each here). Bytes are handed out once and never reused.
let pool = new Uint8Array(0)
let poolAt = 0
function freshNonce (): Uint8Array {
  if (poolAt + 12 > pool.byteLength) { pool = new Uint8Array(randomBytes(4092)); poolAt = 0 }
  const n = pool.slice(poolAt, poolAt + 12)
  poolAt += 12
  return n
}

export interface SealContext {
  readonly keys: VaultKeys
  readonly signer: Ed25519Signer
}

const ENTRY_AAD_LABEL = utf8(LABEL.entryAad)

/**
 * `label ‖ doc ‖ author ‖ u32be(lane) ‖ u64be(seq) ‖ u32be(epoch) ‖ u8(kind)`, written into one
 * buffer: it is built for every entry sealed or opened (10,000 in a catch-up), and the pieces'
 * own buffers and views were a measurable part of that.
 */
function entryAad (doc: Uint8Array, author: Uint8Array, lane: number, seq: bigint, epoch: number, kind: number): Uint8Array {
  const l = ENTRY_AAD_LABEL.byteLength
  const out = new Uint8Array(l + doc.byteLength + author.byteLength + 17)
  out.set(ENTRY_AAD_LABEL, 0)
  out.set(doc, l)
  out.set(author, l + doc.byteLength)
  const at = l + doc.byteLength + author.byteLength
  const view = new DataView(out.buffer)
  view.setUint32(at, lane >>> 0, false)
  view.setBigUint64(at + 4, seq, false)
  view.setUint32(at + 12, epoch >>> 0, false)
  out[at + 16] = kind
  return out
}

function seal (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG })
  c.setAAD(aad, { plaintextLength: plaintext.byteLength })
  const head = c.update(plaintext)
  const tail = c.final()
  return concat([head, tail, c.getAuthTag()])
}

function open (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.byteLength < TAG) throw new DecryptError('ciphertext shorter than its tag')
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG })
  d.setAAD(aad, { plaintextLength: sealed.byteLength - TAG })
  d.setAuthTag(sealed.subarray(sealed.byteLength - TAG))
  try {
    const head = d.update(sealed.subarray(0, sealed.byteLength - TAG))
    const tail = d.final()
    return tail.byteLength === 0 ? new Uint8Array(head.buffer, head.byteOffset, head.byteLength) : concat([head, tail])
  } catch (err) {
    throw new DecryptError('entry does not decrypt under the vault key (tampered, or sealed by another vault)', {}, { cause: err })
  }
}

/** `nonce` is for known-answer vectors only: a reused nonce under one key breaks the AEAD. */
export function sealUpdate (ctx: SealContext, doc: Uint8Array, seq: bigint, update: Uint8Array, opts: { lane?: number, nonce?: Uint8Array } = {}): Entry {
  return sealUpdates(ctx, doc, seq, [update], opts)
}

/** Most updates one `updates` entry may carry. */
export const MAX_UPDATES_PER_ENTRY = 4096

/**
 * Seals one or more Yjs updates of this author as one entry: kind `update` for one (its
 * plaintext is the update itself), kind `updates` for several (the plaintext is each update
 * prefixed with its u32be length, in the order they were made).
 */
export function sealUpdates (ctx: SealContext, doc: Uint8Array, seq: bigint, updates: readonly Uint8Array[], opts: { lane?: number, nonce?: Uint8Array, prev?: Uint8Array } = {}): Entry {
  return signPrepared(ctx.signer, sealUpdatesUnsigned({ keys: ctx.keys, author: ctx.signer.publicKey }, doc, seq, updates, opts))
}

/**
 * As sealUpdates, without the signature: the encrypted entry's body, which its author may send
 * ahead on its own authenticated channel while it signs (`signPrepared` makes the entry).
 */
export function sealUpdatesUnsigned (ctx: { keys: VaultKeys, author: Uint8Array }, doc: Uint8Array, seq: bigint, updates: readonly Uint8Array[], opts: { lane?: number, nonce?: Uint8Array, prev?: Uint8Array } = {}): UnsignedEntry {
  if (updates.length === 0 || updates.length > MAX_UPDATES_PER_ENTRY) throw new InvalidEntryError(`an entry carries 1 to ${MAX_UPDATES_PER_ENTRY} updates, not ${updates.length}`)
  const kind = updates.length === 1 ? ENTRY_KIND.update : ENTRY_KIND.updates
  const plaintext = updates.length === 1 ? updates[0] as Uint8Array : concat(updates.flatMap(u => [u32be(u.byteLength), u]))
  const epoch = ctx.keys.currentEpoch
  const key = docKey(ctx.keys, epoch, doc)
  const lane = opts.lane ?? 0
  const nonce = opts.nonce ?? freshNonce()
  const ciphertext = seal(key, nonce, entryAad(doc, ctx.author, lane, seq, epoch, kind), plaintext)
  return prepareEntry({ kind, doc, author: ctx.author, lane, seq, epoch, nonce, ciphertext, prev: opts.prev })
}

/** Decrypts a verified entry of kind `update`. Call only after the signature and certificate checks. */
export function openUpdate (keys: VaultKeys, entry: Entry): Uint8Array {
  if (entry.kind !== ENTRY_KIND.update) throw new InvalidEntryError('not an update entry')
  return openPlaintext(keys, entry)
}

/** Decrypts a verified entry of kind `update` or `updates` into its Yjs updates, in order. */
export function openUpdates (keys: VaultKeys, entry: Entry): Uint8Array[] {
  if (entry.kind === ENTRY_KIND.update) return [openPlaintext(keys, entry)]
  if (entry.kind !== ENTRY_KIND.updates) throw new InvalidEntryError('not an update entry')
  const out = splitFrames(openPlaintext(keys, entry), 0, { cut: 'updates entry ends inside a length', bad: 'updates entry names an empty update or one past its end' })
  if (out.length < 2 || out.length > MAX_UPDATES_PER_ENTRY) throw new InvalidEntryError(`an updates entry carries 2 to ${MAX_UPDATES_PER_ENTRY} updates, not ${out.length}`)
  return out
}

function openPlaintext (keys: VaultKeys, entry: Entry): Uint8Array {
  const aad = entryAad(entry.doc, entry.author, entry.lane, entry.seq, entry.epoch, entry.kind)
  const candidates = docKeys(keys, entry.epoch, entry.doc)
  // Almost always one key; two rotations that drew the same epoch number leave two.
  for (let i = 0; i < candidates.length - 1; i++) {
    try { return open(candidates[i] as Uint8Array, entry.nonce, aad, entry.ciphertext) } catch { /* sealed under another key of this epoch number */ }
  }
  return open(candidates[candidates.length - 1] as Uint8Array, entry.nonce, aad, entry.ciphertext)
}

function chunkNonce (base: Uint8Array, index: number): Uint8Array {
  const n = new Uint8Array(base)
  const dv = new DataView(n.buffer)
  dv.setUint32(8, (dv.getUint32(8) ^ index) >>> 0)
  return n
}

function chunkAad (doc: Uint8Array, author: Uint8Array, seq: bigint, epoch: number, index: number, last: boolean): Uint8Array {
  return concat([utf8(LABEL.snapshotAad), doc, author, u64be(seq), u32be(epoch), u32be(index), Uint8Array.of(last ? 1 : 0)])
}

export interface SealedSnapshot {
  /** The signed header entry (kind snapshot). */
  readonly header: Entry
  /** The concatenated sealed chunks. */
  readonly ciphertext: Uint8Array
}

export function sealSnapshot (ctx: SealContext, doc: Uint8Array, seq: bigint, state: Uint8Array, covers: readonly VectorItem[]): SealedSnapshot {
  const sealer = new SnapshotSealer(ctx, doc, seq)
  sealer.update(state)
  const { header, chunks } = sealer.final(covers)
  return { header, ciphertext: concat(chunks) }
}

/**
 * Seals a snapshot's plaintext as it is produced, in pieces of any size (a large state is
 * encoded and sealed in slices, the event loop given turns in between): every full chunk is
 * sealed once a byte beyond it arrived (the last chunk's AAD says it is last); `final()` seals
 * the rest and signs the header over the digest of all chunks. The same bytes as sealSnapshot.
 */
export class SnapshotSealer {
  private readonly key: Uint8Array
  private readonly epoch: number
  private readonly base = new Uint8Array(randomBytes(12))
  private readonly hash = createHash('sha256')
  private readonly chunks: Uint8Array[] = []
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private index = 0
  private bytes = 0

  constructor (private readonly ctx: SealContext, private readonly doc: Uint8Array, private readonly seq: bigint) {
    this.epoch = ctx.keys.currentEpoch
    this.key = docKey(ctx.keys, this.epoch, doc)
  }

  /** Ciphertext bytes sealed so far. */
  get sealedBytes (): number { return this.bytes }

  update (plain: Uint8Array): void {
    this.pending.push(plain)
    this.pendingBytes += plain.byteLength
    while (this.pendingBytes > SNAPSHOT_CHUNK) this.sealChunk(false)
  }

  /** The chunks sealed since the last call, handed over (a caller that writes them as they come holds none). */
  take (): Uint8Array[] { return this.chunks.splice(0) }

  /** The last chunk sealed and the signed header; `chunks` are those not yet taken. */
  final (covers: readonly VectorItem[]): { header: Entry, chunks: Uint8Array[] } {
    this.sealChunk(true)
    const header = signEntry(this.ctx.signer, {
      kind: ENTRY_KIND.snapshot,
      doc: this.doc,
      author: this.ctx.signer.publicKey,
      seq: this.seq,
      epoch: this.epoch,
      nonce: this.base,
      ciphertext: new Uint8Array(0),
      covers,
      snapshotSize: BigInt(this.bytes),
      snapshotDigest: new Uint8Array(this.hash.digest()),
      chunkSize: SNAPSHOT_CHUNK
    })
    return { header, chunks: this.chunks }
  }

  /** Seals the next chunk (the first SNAPSHOT_CHUNK bytes pending, or all of them when last). */
  private sealChunk (last: boolean): void {
    const all = this.pending.length === 1 ? this.pending[0] as Uint8Array : concat(this.pending)
    const n = last ? all.byteLength : SNAPSHOT_CHUNK
    const pt = all.subarray(0, n)
    const i = this.index++
    const ct = seal(this.key, chunkNonce(this.base, i), chunkAad(this.doc, this.ctx.signer.publicKey, this.seq, this.epoch, i, last), pt)
    this.hash.update(ct)
    this.chunks.push(ct)
    this.bytes += ct.byteLength
    this.pending = n < all.byteLength ? [all.subarray(n)] : []
    this.pendingBytes = all.byteLength - n
  }
}

/** Checks the ciphertext against the signed header's size and digest, and decrypts every chunk. */
export function openSnapshot (keys: VaultKeys, header: Entry, ciphertext: Uint8Array): Uint8Array {
  const opener = new SnapshotOpener(keys, header)
  opener.update(ciphertext)
  return opener.final()
}

/**
 * Opens a snapshot as its ciphertext arrives, in pieces of any size: each sealed chunk is
 * decrypted (and so authenticated under the vault key) once its last byte is in, and the digest
 * grows with every piece. `final()` checks the size and the signed digest and only then hands
 * the state out. Nothing it returns or keeps is trusted before that.
 *
 * With `handOver`, it keeps no state: each chunk's plaintext is handed over by `take()` as it is
 * decrypted, and `final()` only checks. A 100,000-message session's state is 111 MB, and held in
 * one allocation it was new external memory to V8 at once, answered with a full collection whose
 * pause held the event loop ~90 ms as a reopen began. Its caller must have checked the whole
 * ciphertext against the signed digest before using what it takes (snapshot-open.ts reads a
 * stored snapshot twice for that), and discard it if `final()` throws.
 */
export class SnapshotOpener {
  private key: Uint8Array
  private readonly candidates: Uint8Array[]
  private readonly hash = createHash('sha256')
  private readonly size: number
  private readonly stride: number
  private readonly count: number
  private readonly out: Uint8Array
  /** Decrypted chunks not taken yet (handOver only). */
  private plain: Uint8Array[] = []
  /**
   * A chunk cut by a piece's end, assembled here (allocated once, a chunk long): nothing of a
   * piece is kept after update() returns, so a caller may read the next piece into its buffer.
   */
  private asm: Uint8Array | undefined
  private asmBytes = 0
  private got = 0
  private index = 0
  private o = 0

  /** `header` as parsed (parseEntry bounds its chunk size to 1 KiB – 1 MiB and its size). */
  constructor (keys: VaultKeys, private readonly header: Entry, private readonly opts: { handOver?: boolean } = {}) {
    if (header.kind !== ENTRY_KIND.snapshot) throw new InvalidEntryError('not a snapshot header')
    this.candidates = docKeys(keys, header.epoch, header.doc)
    this.key = this.candidates[0] as Uint8Array
    this.size = Number(header.snapshotSize)
    this.stride = header.chunkSize + TAG
    this.count = Math.max(1, Math.ceil(this.size / this.stride))
    if (this.size < this.count * TAG) throw new DecryptError('snapshot ciphertext is shorter than its chunk tags')
    this.out = new Uint8Array(opts.handOver === true ? 0 : this.size - this.count * TAG)
  }

  /** With handOver: the plaintext of the chunks decrypted since the last call, in order (each its own allocation). */
  take (): Uint8Array[] { return this.plain.splice(0) }

  update (piece: Uint8Array): void {
    if (this.got + piece.byteLength > this.size) throw new DecryptError('snapshot ciphertext is longer than its signed size')
    this.got += piece.byteLength
    this.hash.update(piece)
    let at = 0
    while (at < piece.byteLength) {
      const len = Math.min(this.stride, this.size - this.index * this.stride)
      const take = Math.min(len - this.asmBytes, piece.byteLength - at)
      if (this.asmBytes === 0 && take === len) {
        this.openChunk(piece.subarray(at, at + take))
      } else {
        this.asm ??= new Uint8Array(this.stride)
        this.asm.set(piece.subarray(at, at + take), this.asmBytes)
        this.asmBytes += take
        if (this.asmBytes === len) { this.asmBytes = 0; this.openChunk(this.asm.subarray(0, len)) }
      }
      at += take
    }
  }

  private openChunk (ct: Uint8Array): void {
    const h = this.header
    const i = this.index++
    const aad = chunkAad(h.doc, h.author, h.seq, h.epoch, i, i === this.count - 1)
    let pt: Uint8Array | undefined
    // The first chunk picks the key among an epoch number's keys (one, unless two rotations drew it).
    if (i === 0) {
      for (const k of this.candidates.slice(0, -1)) {
        try { pt = open(k, chunkNonce(h.nonce, i), aad, ct); this.key = k; break } catch { /* another key of this epoch number */ }
      }
      if (pt === undefined) this.key = this.candidates[this.candidates.length - 1] as Uint8Array
    }
    pt ??= open(this.key, chunkNonce(h.nonce, i), aad, ct)
    if (this.opts.handOver === true) { this.plain.push(pt); return }
    this.out.set(pt, this.o)
    this.o += pt.byteLength
  }

  /**
   * The plaintext of the chunks decrypted so far (empty with handOver): a view that only grows.
   * Each chunk is authenticated on its own (its index and whether it is the last are in its AAD),
   * but only `final()` says the whole state is the signed one: use it on what may be thrown away.
   */
  decrypted (): Uint8Array { return this.out.subarray(0, this.o) }

  /** The decrypted state (empty with handOver), once every byte arrived and the digest matches the signed one. */
  final (): Uint8Array {
    checkSnapshotCiphertext(this.header, this.got, new Uint8Array(this.hash.digest()))
    return this.out
  }
}

/** A snapshot's whole ciphertext, by its size and SHA-256, against what its signed header says; throws DecryptError. */
export function checkSnapshotCiphertext (header: Entry, size: number, digest: Uint8Array): void {
  if (BigInt(size) !== header.snapshotSize) throw new DecryptError('snapshot ciphertext has the wrong size')
  if (!equals(digest, header.snapshotDigest)) throw new DecryptError('snapshot ciphertext does not match its signed digest')
}
