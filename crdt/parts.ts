/**
 * A document's state as a sequence of Yjs updates ("parts") instead of one: applying a
 * 100,000-message session's state as one update holds the event loop for about a second, and a
 * node that does so answers no ping, socket or API call meanwhile. Each part is a valid Yjs V1
 * update that integrates completely once the parts before it are applied (a causally closed
 * extension of them: every struct's origins and parent are in it or earlier), carrying the
 * deletions of the structs it writes. A reader applies them one at a time, giving its loop a
 * turn in between. Format: crdt/SPEC.md, Snapshot state.
 *
 * @example
 * const enc = new StatePartsEncoder(doc)
 * for (let p = enc.next(); p !== undefined; p = enc.next()) parts.push(p) // a turn between parts
 * for (const p of stateParts(framed)) Y.applyUpdate(other, p)
 */
import * as Y from 'yjs'
import { InvalidEntryError } from '../src/errors.js'
import { concat, u32be } from '../src/identity/index.js'
import { splitFrames } from './frames.js'

/**
 * Opens a snapshot plaintext made of parts. Eight 0xFF bytes are a varint past 2^53, which no
 * Yjs decoder accepts, so no single-update state (format 1) starts with them, and a reader that
 * knows only format 1 refuses such a state as undecodable instead of misreading it.
 */
export const PARTS_MAGIC: Uint8Array = new Uint8Array(8).fill(0xff)
/** About how many bytes of structs one part holds (applies in ~1-2 ms here, ~10-30 ms on a loaded machine; a struct is never cut for it). */
export const PART_BYTES = 64 * 1024

/** Whether a snapshot plaintext is in parts (format 2) rather than one Yjs update (format 1). */
export function isParts (plain: Uint8Array): boolean {
  if (plain.byteLength < PARTS_MAGIC.byteLength) return false
  for (let i = 0; i < PARTS_MAGIC.byteLength; i++) if (plain[i] !== 0xff) return false
  return true
}

const PART_ERRORS = { cut: 'snapshot state ends inside a part length', bad: 'snapshot state names an empty part or one past its end' }

/** The Yjs updates a snapshot plaintext holds, in the order they apply: format 1 is one. Throws InvalidEntryError on broken framing. */
export function stateParts (plain: Uint8Array): Uint8Array[] {
  if (!isParts(plain)) return [plain]
  const out = splitFrames(plain, PARTS_MAGIC.byteLength, PART_ERRORS)
  if (out.length === 0) throw new InvalidEntryError('snapshot state in parts holds no part')
  return out
}

/**
 * stateParts for a plaintext that arrives in pieces (a stored snapshot decrypted a chunk at a
 * time, load.ts): each part is handed out once its last byte is in, as a view into the piece it
 * lies in or, when it spans pieces, a copy of its own. Nothing holds the whole plaintext, except
 * a format-1 state, which is one update and so one part: it is joined at `end()`.
 */
export class PartsReader {
  /** Bytes received and not handed out yet: the start of a part (or of the magic) cut by a piece's end. */
  private rest: Uint8Array[] = []
  private restBytes = 0
  /** Whether the state is in parts; undefined until its first eight bytes are in. */
  private framed: boolean | undefined
  private parts = 0

  /** The parts complete with `piece`, in order. Throws InvalidEntryError on broken framing. */
  push (piece: Uint8Array): Uint8Array[] {
    this.rest.push(piece)
    this.restBytes += piece.byteLength
    if (this.framed === undefined) {
      if (this.restBytes < PARTS_MAGIC.byteLength) return []
      const head = this.join()
      this.framed = isParts(head)
      if (this.framed) this.keep(head.subarray(PARTS_MAGIC.byteLength))
    }
    if (!this.framed) return []
    const out: Uint8Array[] = []
    for (;;) {
      if (this.restBytes < 4) break
      const head = this.rest[0] as Uint8Array
      const lenBytes = head.byteLength >= 4 ? head : this.join()
      const n = new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0)
      if (n === 0) throw new InvalidEntryError(PART_ERRORS.bad)
      if (this.restBytes < 4 + n) break
      const first = this.rest[0] as Uint8Array
      // Within one piece: a view into it. Across pieces: those pieces joined, the part a view into that.
      const bytes = first.byteLength >= 4 + n ? first : this.join()
      out.push(bytes.subarray(4, 4 + n))
      this.keep(bytes.subarray(4 + n))
    }
    this.parts += out.length
    return out
  }

  /** The last part (a format-1 state: the whole). Throws InvalidEntryError when the state ends inside a part or holds none. */
  end (): Uint8Array[] {
    if (this.framed !== true) {
      if (this.restBytes === 0 && this.framed === undefined) return [new Uint8Array(0)]
      return [this.join()]
    }
    if (this.restBytes > 0) throw new InvalidEntryError(this.restBytes < 4 ? PART_ERRORS.cut : PART_ERRORS.bad)
    if (this.parts === 0) throw new InvalidEntryError('snapshot state in parts holds no part')
    return []
  }

  /** The bytes held, as one array (the pieces joined when there are several). */
  private join (): Uint8Array {
    const all = this.rest.length === 1 ? this.rest[0] as Uint8Array : concat(this.rest)
    this.rest = [all]
    return all
  }

  /** Replaces the first held piece by what is left of it. */
  private keep (left: Uint8Array): void {
    const had = (this.rest[0] as Uint8Array).byteLength
    this.rest.shift()
    if (left.byteLength > 0) this.rest.unshift(left)
    this.restBytes -= had - left.byteLength
  }
}

/** Joins parts into a snapshot plaintext (tests and small documents; the vault streams them). */
export function frameParts (parts: readonly Uint8Array[]): Uint8Array {
  return concat([PARTS_MAGIC, ...parts.flatMap(p => [u32be(p.byteLength), p])])
}

type Struct = Y.Item | Y.GC

/**
 * Encodes a document's state, as it is when constructed, into parts, one per `next()` call, each
 * computed synchronously from the document as it is then. The document may change between calls
 * (the caller yields to its loop): structs made after construction are left out; a struct merged
 * or split since is written from the clock reached and cut at the clock the state ended at;
 * an item deleted since is written deleted (a deletion the state's covers do not name, applied
 * again by its entry, which changes nothing).
 */
export class StatePartsEncoder {
  /** Per client, the clock the state ends at. */
  private readonly end = new Map<number, number>()
  /** Per client, the next clock to write. */
  private readonly at = new Map<number, number>()
  private readonly pending: Uint8Array[] = []

  constructor (private readonly doc: Y.Doc, private readonly partBytes = PART_BYTES) {
    for (const [client, structs] of doc.store.clients) {
      const last = structs[structs.length - 1]
      if (last === undefined) continue
      this.end.set(client, last.id.clock + last.length)
      this.at.set(client, 0)
    }
    // What Yjs holds back (structs waiting for others, deletions of unknown items) belongs to the
    // state as encodeStateAsUpdate writes it: it goes last, held back again by the reader.
    const s = doc.store
    if (s.pendingStructs !== null) this.pending.push(Y.convertUpdateFormatV2ToV1(s.pendingStructs.update))
    if (s.pendingDs !== null) this.pending.push(Y.convertUpdateFormatV2ToV1(s.pendingDs))
  }

  /** The next part, or undefined once every part was handed out. An empty document is one empty update. */
  next (): Uint8Array | undefined {
    if (!this.done()) { this.handedOut++; return this.part() }
    const p = this.pending.shift()
    if (p !== undefined) { this.handedOut++; return p }
    if (this.handedOut > 0) return undefined
    this.handedOut++
    return Y.encodeStateAsUpdate(new Y.Doc())
  }

  private handedOut = 0

  private done (): boolean {
    for (const [client, end] of this.end) if ((this.at.get(client) ?? 0) < end) return false
    return true
  }

  /** Whether every struct an item refers to (its origins and parent item) is written already. */
  private ready (s: Struct): boolean {
    if (!(s instanceof Y.Item)) return true
    const has = (id: Y.ID | null): boolean => id === null || id.clock < (this.at.get(id.client) ?? 0)
    const parent = s.parent instanceof Y.AbstractType ? s.parent._item : null
    return has(s.origin) && has(s.rightOrigin) && has(parent === null ? null : parent.id)
  }

  private part (): Uint8Array {
    const written = new Map<number, { enc: Y.UpdateEncoderV1, start: number, count: number }>()
    const ds = new Map<number, Array<[number, number]>>()
    let bytes = 0
    let forced = false
    for (;;) {
      let progress = false
      for (const [client, end] of this.end) {
        let clock = this.at.get(client) ?? 0
        if (clock >= end) continue
        const structs = this.doc.store.clients.get(client) as Struct[]
        let i = Y.findIndexSS(structs as any, clock)
        while (clock < end && bytes < this.partBytes) {
          const s = structs[i] as Struct
          // A struct waits until what it refers to is in; with nothing ready anywhere (never in a
          // document Yjs built, whose structs refer only to earlier ones) one is written anyway,
          // and the reader's Yjs holds it back until the rest arrives.
          if (!forced && !this.ready(s)) break
          forced = false
          let w = written.get(client)
          if (w === undefined) { w = { enc: new Y.UpdateEncoderV1(), start: clock, count: 0 }; written.set(client, w) }
          const before = encodedLength(w.enc)
          const stop = Math.min(s.id.clock + s.length, end)
          cut(s, stop).write(w.enc, clock - s.id.clock)
          w.count++
          bytes += encodedLength(w.enc) - before
          if (s.deleted) addRange(ds, client, clock, stop)
          clock = stop
          this.at.set(client, clock)
          progress = true
          i++
        }
        if (bytes >= this.partBytes) break
      }
      if (bytes >= this.partBytes || this.done()) break
      if (!progress) forced = true
    }
    return encodePart(written, ds)
  }
}

/** A struct ending at `stop`: itself, or a copy of its head when it grew past the state's end since (a merge). */
function cut (s: Struct, stop: number): Struct {
  const len = stop - s.id.clock
  if (len === s.length) return s
  if (s instanceof Y.GC) return new Y.GC(s.id, len)
  const content = s.content.copy()
  content.splice(len)
  return new Y.Item(s.id, null, s.origin, null, s.rightOrigin, s.parent, s.parentSub, content)
}

function addRange (ds: Map<number, Array<[number, number]>>, client: number, from: number, to: number): void {
  let l = ds.get(client)
  if (l === undefined) { l = []; ds.set(client, l) }
  const last = l[l.length - 1]
  if (last !== undefined && last[1] === from) last[1] = to
  else l.push([from, to])
}

/**
 * Bytes written so far (lib0's Encoder: full buffers in `bufs`, the current one up to `cpos`).
 * Read from its fields: lib0's `length()` is not re-exported by yjs and lib0 is not a direct
 * dependency; the fields have been these since lib0 0.1.
 */
function encodedLength (e: Y.UpdateEncoderV1): number {
  const r = e.restEncoder as unknown as { cpos: number, bufs: Uint8Array[] }
  let n = r.cpos
  for (const b of r.bufs) n += b.byteLength
  return n
}

/** A Yjs V1 update: per client `count, client, first clock, structs…`, then the delete set. */
function encodePart (written: Map<number, { enc: Y.UpdateEncoderV1, start: number, count: number }>, ds: Map<number, Array<[number, number]>>): Uint8Array {
  const head: number[] = []
  const chunks: Uint8Array[] = []
  const flush = (): void => { if (head.length > 0) { chunks.push(Uint8Array.from(head)); head.length = 0 } }
  varUint(head, written.size)
  for (const [client, w] of written) {
    varUint(head, w.count)
    varUint(head, client)
    varUint(head, w.start)
    flush()
    chunks.push(w.enc.toUint8Array())
  }
  varUint(head, ds.size)
  for (const [client, ranges] of ds) {
    varUint(head, client)
    varUint(head, ranges.length)
    for (const [from, to] of ranges) { varUint(head, from); varUint(head, to - from) }
  }
  flush()
  return concat(chunks)
}

function varUint (out: number[], n: number): void {
  while (n > 127) {
    out.push(128 | (n % 128))
    n = Math.floor(n / 128)
  }
  out.push(n)
}
