/**
 * The extent of a Yjs update (format 1) read straight off its bytes: how many structs it holds
 * and the longest clock span of one struct and of one deleted range, without decoding any
 * content. `Y.decodeUpdate` builds every struct with its content to answer the same (a 12 MB
 * snapshot's strings decoded, its items allocated); a received snapshot's parts are held to
 * bounds before they are applied to the scratch document that checks their shapes, which
 * decodes them anyway (snapshot-verify.ts).
 *
 * A string's span is counted in its UTF-8 bytes, never fewer than the UTF-16 units Yjs counts,
 * so an update within bounds here is within them for Yjs. Bytes that end early, a struct or
 * content kind Yjs does not know, or an `any` value of an unknown type throw, as Yjs throws;
 * what Yjs alone refuses (a JSON string that does not parse) is refused when it is applied.
 */

export interface UpdateExtent {
  /** Structs of every kind (items, GC and skip). */
  structs: number
  /** The longest clock span of one struct. */
  maxSpan: number
  /** The longest deleted range of the delete set. */
  maxDeleted: number
}

/** Format 1's content kinds (the low five bits of a struct's info byte). */
const GC = 0
const SKIP = 10

class Bytes {
  pos = 0
  constructor (private readonly a: Uint8Array) {}

  u8 (): number {
    if (this.pos >= this.a.byteLength) throw new RangeError('unexpected end of the update')
    return this.a[this.pos++] as number
  }

  /** lib0's varUint: 7 bits a byte, at most 2^53. */
  uint (): number {
    let n = 0
    let mult = 1
    for (;;) {
      const r = this.u8()
      n += (r & 0x7f) * mult
      mult *= 128
      if (r < 0x80) return n
      if (n > Number.MAX_SAFE_INTEGER) throw new RangeError('integer out of range in the update')
    }
  }

  /** lib0's varInt (sign in the first byte): skipped. */
  skipInt (): void {
    while ((this.u8() & 0x80) !== 0) { /* continuation */ }
  }

  /** Skips `n` bytes. */
  skip (n: number): void {
    if (n > this.a.byteLength - this.pos) throw new RangeError('unexpected end of the update')
    this.pos += n
  }

  /** A varString or varUint8Array: its byte length, skipped. */
  bytes (): number {
    const n = this.uint()
    this.skip(n)
    return n
  }

  /** lib0's `any`, skipped (nested values by an explicit stack, not recursion). */
  any (): void {
    // Each frame: values still to skip in a container, and whether each comes after a key (an object).
    const stack: Array<{ left: number, keyed: boolean }> = [{ left: 1, keyed: false }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { left: number, keyed: boolean }
      if (top.left === 0) { stack.pop(); continue }
      top.left--
      if (top.keyed) this.bytes()
      const t = this.u8()
      switch (t) {
        case 127: case 126: case 121: case 120: break // undefined, null, false, true
        case 125: this.skipInt(); break
        case 124: this.skip(4); break
        case 123: case 122: this.skip(8); break // float64, bigint64
        case 119: case 116: this.bytes(); break // string, Uint8Array
        case 118: stack.push({ left: this.uint(), keyed: true }); break // object: n × (key, value)
        case 117: stack.push({ left: this.uint(), keyed: false }); break // array
        default: throw new RangeError(`unknown value type ${t} in the update`)
      }
    }
  }
}

/** Scans a Yjs update (format 1); throws what does not read as one. */
export function scanUpdate (update: Uint8Array): UpdateExtent {
  const d = new Bytes(update)
  let structs = 0
  let maxSpan = 0
  const clients = d.uint()
  for (let c = 0; c < clients; c++) {
    const n = d.uint()
    d.uint() // client
    d.uint() // first clock
    for (let i = 0; i < n; i++) {
      const info = d.u8()
      const ref = info & 0x1f
      let span: number
      if (ref === GC || ref === SKIP) span = d.uint()
      else {
        if ((info & 0x80) !== 0) { d.uint(); d.uint() } // origin
        if ((info & 0x40) !== 0) { d.uint(); d.uint() } // right origin
        if ((info & 0xc0) === 0) {
          if (d.uint() === 1) d.bytes() // parent: a root's name
          else { d.uint(); d.uint() } // or an item's id
          if ((info & 0x20) !== 0) d.bytes() // parentSub
        }
        span = content(d, ref)
      }
      structs++
      if (span > maxSpan) maxSpan = span
    }
  }
  let maxDeleted = 0
  const dsClients = d.uint()
  for (let c = 0; c < dsClients; c++) {
    d.uint() // client
    const n = d.uint()
    for (let i = 0; i < n; i++) {
      d.uint() // clock
      const len = d.uint()
      if (len > maxDeleted) maxDeleted = len
    }
  }
  return { structs, maxSpan, maxDeleted }
}

/** Skips an item's content; returns its length in clock ticks (a string's in UTF-8 bytes, see above). */
function content (d: Bytes, ref: number): number {
  switch (ref) {
    case 1: return d.uint() // deleted
    case 2: { // JSON: n strings
      const n = d.uint()
      for (let i = 0; i < n; i++) d.bytes()
      return n
    }
    case 3: d.bytes(); return 1 // binary
    case 4: return d.bytes() // string
    case 5: d.bytes(); return 1 // embed (JSON)
    case 6: d.bytes(); d.bytes(); return 1 // format: key, JSON
    case 7: { // type: its kind, and a name for an XML element or hook
      const t = d.uint()
      if (t === 3 || t === 5) d.bytes()
      else if (t > 6) throw new RangeError(`unknown type ${t} in the update`)
      return 1
    }
    case 8: { // any: n values
      const n = d.uint()
      for (let i = 0; i < n; i++) d.any()
      return n
    }
    case 9: d.bytes(); d.any(); return 1 // subdocument: guid, options
    default: throw new RangeError(`unknown content kind ${ref} in the update`)
  }
}
