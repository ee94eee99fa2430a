/**
 * Cutoffs: per document and lane, what a device had written at the moment its rights changed,
 * signed by the wallet. An entry of that device at or below its cutoff stays valid forever,
 * whatever the certificate that follows allows (a downgrade to read-only, a renewal, later a
 * revocation); entries above it are judged by the newer certificate. The wallet signs it because
 * the wallet made the change: a re-enrolment runs on the device itself, which knows its own
 * vector. Verifiable without the vault key, so a node that cannot read (a blind mirror) enforces
 * it too.
 *
 * @example
 * const c = issueCutoff(wallet, { device, issuedAt, docs: [{ doc, lanes: [{ lane: 0, seq: 40n }] }], snapshotsThrough: BigInt(issuedAt) })
 * const cert = issueCertificate(wallet, { deviceKey: device, capabilities: ['read'], label, issuedAt, cutoff: cutoffDigest(c) })
 */
import { createHash } from 'node:crypto'
import { InvalidCertificateError, InvalidSignatureError, WrongWalletError } from '../errors.js'
import { equals, toBase58, toHex } from './bytes.js'
import { deviceIdFromKey, type DeviceId } from './certificate.js'
import { MAX_CUTOFF_BYTES, MAX_CUTOFF_DOCS, MAX_CUTOFF_PARTS, makeCutoffPart, splitCutoffDocs, type CutoffPart } from './cutoff-part.js'
import { decodeRun, encodeRun, type DocCutoff } from './cutoff-runs.js'
import { CUTOFF_VERSION, CUTOFF_VERSION_PARTS, CUTOFF_VERSION_RUNS, DOMAIN } from './domains.js'
import { Cutoff as PbCutoff, SignedCutoff as PbSigned } from './pb/certificate.js'
import { isCanonical, notCanonical, signWithDomain, verifyWithDomain } from './signed.js'
import type { Wallet } from './wallet.js'

/** Lanes of one document a version 1 cutoff lists (one LaneSeq each); version 2 lists more as a run. */
const MAX_LANES = 64

export interface Cutoff {
  readonly device: Uint8Array
  readonly deviceId: DeviceId
  readonly issuedAt: number
  /** By document id hex. */
  readonly docs: ReadonlyMap<string, DocCutoff>
  /**
   * The device's snapshots numbered at or below this stay valid, in any document. Snapshot numbers
   * are its clock in ms when it made them, so the issue time bounds every earlier one, including
   * those its own store dropped as dominated that other nodes still hold.
   */
  readonly snapshotsThrough: bigint
  /** Version 3: SHA-256 of each part (cutoff-part.ts) holding more of its documents; the cutoff is whole once all are held. */
  readonly parts: readonly Uint8Array[]
  /** Set by issueCutoff when it split the documents: the part records to store and send after this one. */
  readonly partRecords?: readonly CutoffPart[]
  /** SHA-256 of the signed body: what a version 2 certificate names. */
  readonly digest: Uint8Array
  /** The signed bytes exactly as received. */
  readonly bytes: Uint8Array
}

export interface CutoffFields { device: Uint8Array, issuedAt: number, docs: readonly DocCutoff[], snapshotsThrough: bigint }

const digestOf = (body: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(body).digest())

export function issueCutoff (wallet: Pick<Wallet, 'publicKey' | 'sign'>, f: CutoffFields): Cutoff {
  // One record when everything fits (versions 1 and 2, byte for byte what homes hold); otherwise a
  // version 3 head that names its parts, every document in a part.
  const chunks = splitCutoffDocs(f.docs, MAX_CUTOFF_BYTES - 512)
  if (chunks.length === 1) return sign(wallet, f, f.docs, [])
  if (chunks.length > MAX_CUTOFF_PARTS) throw new InvalidCertificateError(`a cutoff names at most ${MAX_CUTOFF_PARTS * MAX_CUTOFF_DOCS} documents in ${MAX_CUTOFF_PARTS} parts`)
  const parts = chunks.map(c => makeCutoffPart(f.device, c))
  return { ...sign(wallet, f, [], parts.map(p => p.digest)), partRecords: parts }
}

function sign (wallet: Pick<Wallet, 'publicKey' | 'sign'>, f: CutoffFields, docs: readonly DocCutoff[], parts: readonly Uint8Array[]): Cutoff {
  if (docs.length > MAX_CUTOFF_DOCS) throw new InvalidCertificateError(`a cutoff names at most ${MAX_CUTOFF_DOCS} documents, not ${docs.length}`)
  // Version 1 (byte for byte what homes hold) unless a document has more lanes than it may list.
  const runs = parts.length > 0 || docs.some(d => d.lanes.length > MAX_LANES)
  const body = PbCutoff.encode({
    version: parts.length > 0 ? CUTOFF_VERSION_PARTS : runs ? CUTOFF_VERSION_RUNS : CUTOFF_VERSION,
    wallet: wallet.publicKey as Uint8Array<ArrayBuffer>,
    device: f.device as Uint8Array<ArrayBuffer>,
    issuedAt: BigInt(f.issuedAt),
    docs: docs.map(d => runs ? encodeRun(d) : { doc: d.doc as Uint8Array<ArrayBuffer>, lanes: d.lanes.map(l => ({ lane: l.lane, seq: l.seq })), firstLane: 0, seqs: [] }),
    snapshotsThrough: f.snapshotsThrough,
    parts: parts as Array<Uint8Array<ArrayBuffer>>
  })
  if (body.byteLength > MAX_CUTOFF_BYTES - 128) throw new InvalidCertificateError(`a cutoff of ${body.byteLength} bytes exceeds ${MAX_CUTOFF_BYTES}`)
  const signature = signWithDomain(wallet, DOMAIN.cutoff, body)
  const bytes = PbSigned.encode({ cutoff: body, signature: signature as Uint8Array<ArrayBuffer> })
  return decodeVerified(bytes, body)
}

/** Whether signed-record bytes are a cutoff rather than a certificate (see certificate.proto). */
export function isCutoffRecord (bytes: Uint8Array): boolean {
  try {
    return PbSigned.decode(bytes).cutoff.byteLength > 0
  } catch {
    // Not decodable as a cutoff: the certificate path reports what is wrong with it.
    return false
  }
}

/** Verifies signed cutoff bytes under the expected wallet, then decodes them. */
export function verifyCutoff (bytes: Uint8Array, opts: { wallet: Uint8Array }): Cutoff {
  if (bytes.byteLength > MAX_CUTOFF_BYTES) throw new InvalidCertificateError(`cutoff of ${bytes.byteLength} bytes exceeds ${MAX_CUTOFF_BYTES}`)
  let signed: PbSigned
  let claimed: Uint8Array
  try {
    signed = PbSigned.decode(bytes)
    claimed = PbCutoff.decode(signed.cutoff, { limits: { docs: MAX_CUTOFF_DOCS, parts: MAX_CUTOFF_PARTS } } as any).wallet
  } catch (err) {
    throw new InvalidCertificateError('cutoff is not a valid encoding', {}, { cause: err })
  }
  if (!isCanonical(PbSigned, signed, bytes)) throw new InvalidCertificateError(notCanonical('cutoff'))
  if (!equals(claimed, opts.wallet)) throw new WrongWalletError(`cutoff belongs to wallet ${toBase58(claimed)}, not ${toBase58(opts.wallet)}`)
  if (!verifyWithDomain(opts.wallet, DOMAIN.cutoff, signed.cutoff, signed.signature)) throw new InvalidSignatureError('cutoff signature does not verify under the wallet')
  return decodeVerified(bytes, signed.cutoff)
}

function decodeVerified (bytes: Uint8Array, body: Uint8Array): Cutoff {
  let c: PbCutoff
  try {
    c = PbCutoff.decode(body, { limits: { docs: MAX_CUTOFF_DOCS, parts: MAX_CUTOFF_PARTS } } as any)
  } catch (err) {
    throw new InvalidCertificateError('cutoff body is not a valid encoding', {}, { cause: err })
  }
  // One cutoff has one body, and one digest (what a version 2 certificate names).
  if (!isCanonical(PbCutoff, c, body)) throw new InvalidCertificateError(notCanonical('cutoff body'))
  if (c.version !== CUTOFF_VERSION && c.version !== CUTOFF_VERSION_RUNS && c.version !== CUTOFF_VERSION_PARTS) throw new InvalidCertificateError(`unsupported cutoff version ${c.version}`)
  // Parts exist only in version 3, which names at least one (a reader before it refuses the version,
  // rather than judge the documents of parts it cannot see as not kept).
  if ((c.version === CUTOFF_VERSION_PARTS) !== (c.parts.length > 0) || c.parts.some(p => p.byteLength !== 32)) throw new InvalidCertificateError('cutoff names its parts malformed')
  if (c.device.byteLength !== 32) throw new InvalidCertificateError('cutoff device key is not 32 bytes')
  const docs = new Map<string, DocCutoff>()
  for (const d of c.docs) {
    if (d.doc.byteLength !== 32) throw new InvalidCertificateError('cutoff names a malformed document')
    if (c.version === CUTOFF_VERSION) {
      // Version 1 has no run: a reader of it never looks at fields 3 and 4.
      if (d.lanes.length > MAX_LANES || d.firstLane !== 0 || d.seqs.length > 0) throw new InvalidCertificateError('cutoff names a malformed document')
      docs.set(toHex(d.doc), { doc: d.doc, lanes: d.lanes.map(l => ({ lane: l.lane, seq: l.seq })) })
      continue
    }
    docs.set(toHex(d.doc), { doc: d.doc, lanes: decodeRun(d) })
  }
  return { device: c.device, deviceId: deviceIdFromKey(c.device), issuedAt: Number(c.issuedAt), docs, snapshotsThrough: c.snapshotsThrough, parts: c.parts, digest: digestOf(body), bytes }
}

/**
 * The union of a device's cutoffs, by maximum per component: every cutoff was made by the wallet
 * from what the device had written, so everything any of them kept stays kept (issue 14's
 * revocations merge the same way).
 */
export class CutoffVector {
  private readonly lanes = new Map<string, bigint>()
  private snapshots = 0n

  merge (c: Pick<Cutoff, 'docs' | 'snapshotsThrough'>): void {
    for (const [doc, d] of c.docs) {
      for (const l of d.lanes) {
        const k = `${doc}.${l.lane}`
        if ((this.lanes.get(k) ?? 0n) < l.seq) this.lanes.set(k, l.seq)
      }
    }
    if (this.snapshots < c.snapshotsThrough) this.snapshots = c.snapshotsThrough
  }

  /** Another vector holding the same, to merge more into without changing this one. */
  clone (): CutoffVector {
    const c = new CutoffVector()
    for (const [k, v] of this.lanes) c.lanes.set(k, v)
    c.snapshots = this.snapshots
    return c
  }

  /** Whether an update entry at (doc, lane, seq) is at or below the cutoff. */
  holds (doc: Uint8Array, lane: number, seq: bigint): boolean {
    return seq <= (this.lanes.get(`${toHex(doc)}.${lane}`) ?? 0n)
  }

  /** The last seq of (doc, lane) the cutoff keeps (0: none). */
  bound (doc: Uint8Array, lane: number): bigint {
    return this.lanes.get(`${toHex(doc)}.${lane}`) ?? 0n
  }

  /** Whether a snapshot numbered `seq` (of any document) is at or below the cutoff. */
  holdsSnapshot (seq: bigint): boolean {
    return seq <= this.snapshots
  }
}
