/**
 * Cutoff parts: a cutoff too large for one bounded record (a device that wrote to more than 4,096
 * documents) is carried as a signed head that names, by SHA-256, the bodies of its parts. A part
 * is unsigned: the head's signature covers its digest, so a part counts only where a signed head
 * (a version 3 SignedCutoff, or a revoke's Cutoff) names it, and a part nobody names is refused.
 * Each part is bounded like a cutoff (4,096 documents, 256 KiB) and is refused by size before it
 * is decoded. crdt/SPEC.md §Cutoff parts is the normative text.
 *
 * @example
 * const parts = splitCutoffDocs(docs).map(chunk => makeCutoffPart(device, chunk))
 * // the head names parts.map(p => p.digest); a receiver: decodeCutoffPart(bytes).digest
 */
import { createHash } from 'node:crypto'
import { InvalidCertificateError } from '../errors.js'
import { toHex } from './bytes.js'
import { decodeRun, encodeRun, type DocCutoff } from './cutoff-runs.js'
import { CUTOFF_PART_VERSION } from './domains.js'
import { isCanonical, notCanonical } from './signed.js'
import { CutoffPart as PbPart, CutoffPartRecord as PbPartRecord, DocCutoff as PbDocCutoff } from './pb/certificate.js'

/** A record (signed cutoff, part, revoke) names at most this many documents. */
export const MAX_CUTOFF_DOCS = 4096
export const MAX_CUTOFF_BYTES = 256 * 1024
/** Parts one head names: 64 × 4,096 = 262,144 documents per device and revocation. */
export const MAX_CUTOFF_PARTS = 64
/** What a part's documents may take, leaving room for its version, device and framing. */
const PART_BODY_BUDGET = MAX_CUTOFF_BYTES - 256

export interface CutoffPart {
  readonly device: Uint8Array
  /** By document id hex. */
  readonly docs: ReadonlyMap<string, DocCutoff>
  /** SHA-256 of the body: what a head names. */
  readonly digest: Uint8Array
  /** The record's bytes (CutoffPartRecord). */
  readonly bytes: Uint8Array
}

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/**
 * Splits a cutoff's documents into chunks that each fit one record: at most MAX_CUTOFF_DOCS
 * documents and `budget` bytes of encoded documents. One chunk when everything fits.
 */
export function splitCutoffDocs (docs: readonly DocCutoff[], budget = PART_BODY_BUDGET, opts: { list?: boolean } = {}): DocCutoff[][] {
  const out: DocCutoff[][] = []
  let cur: DocCutoff[] = []
  let bytes = 0
  for (const d of docs) {
    // The document's encoding plus its tag and length prefix (at most 4 bytes below 256 KiB).
    // `list`: sized as a revoke carries it inline (lanes listed, no run).
    const encoded = opts.list === true ? { doc: d.doc as Uint8Array<ArrayBuffer>, lanes: d.lanes.map(l => ({ lane: l.lane, seq: l.seq })), firstLane: 0, seqs: [] } : encodeRun(d)
    const size = PbDocCutoff.encode(encoded).byteLength + 5
    if (size > budget) throw new InvalidCertificateError(`a cutoff document of ${size} bytes exceeds one record`)
    if (cur.length === MAX_CUTOFF_DOCS || bytes + size > budget) { out.push(cur); cur = []; bytes = 0 }
    cur.push(d)
    bytes += size
  }
  if (cur.length > 0 || out.length === 0) out.push(cur)
  return out
}

/** Makes the part record for some of a device's documents. */
export function makeCutoffPart (device: Uint8Array, docs: readonly DocCutoff[]): CutoffPart {
  if (docs.length > MAX_CUTOFF_DOCS) throw new InvalidCertificateError(`a cutoff part names at most ${MAX_CUTOFF_DOCS} documents, not ${docs.length}`)
  const body = PbPart.encode({ version: CUTOFF_PART_VERSION, device: device as Uint8Array<ArrayBuffer>, docs: docs.map(encodeRun) })
  return decodeCutoffPart(PbPartRecord.encode({ part: body }))
}

/** Whether signed-record bytes are a cutoff part (field 10) rather than another record kind. */
export function isCutoffPartRecord (bytes: Uint8Array): boolean {
  try {
    return PbPartRecord.decode(bytes).part.byteLength > 0
  } catch {
    // Not decodable as a part: the other record kinds report what is wrong with it.
    return false
  }
}

/**
 * Decodes part record bytes: refused by size before anything is decoded, then by shape. Whether a
 * head names it (its only authentication) is the caller's check, by `digest`.
 */
export function decodeCutoffPart (bytes: Uint8Array): CutoffPart {
  if (bytes.byteLength > MAX_CUTOFF_BYTES) throw new InvalidCertificateError(`cutoff part of ${bytes.byteLength} bytes exceeds ${MAX_CUTOFF_BYTES}`)
  let p: PbPart
  let record: PbPartRecord
  try {
    record = PbPartRecord.decode(bytes)
    p = PbPart.decode(record.part, { limits: { docs: MAX_CUTOFF_DOCS } } as any)
  } catch (err) {
    throw new InvalidCertificateError('cutoff part is not a valid encoding', {}, { cause: err })
  }
  // A head names the body by digest; the record around it has one encoding too (as every record).
  const body = record.part
  if (!isCanonical(PbPartRecord, record, bytes)) throw new InvalidCertificateError(notCanonical('cutoff part'))
  if (!isCanonical(PbPart, p, body)) throw new InvalidCertificateError(notCanonical('cutoff part body'))
  if (p.version !== CUTOFF_PART_VERSION) throw new InvalidCertificateError(`unsupported cutoff part version ${p.version}`)
  if (p.device.byteLength !== 32) throw new InvalidCertificateError('cutoff part device key is not 32 bytes')
  const docs = new Map<string, DocCutoff>()
  for (const d of p.docs) docs.set(toHex(d.doc), { doc: d.doc, lanes: decodeRun(d) })
  return { device: p.device, docs, digest: sha256(body), bytes }
}
