/**
 * Registry operations as bytes: signing one (in domain mesh/registry-op/v1, over its protobuf
 * body), and verifying received bytes before decoding them, with every size limit and shape
 * check. Whether an operation's author had the authority is the evaluation's (registry.ts);
 * crdt/SPEC.md §Registry is the normative text.
 *
 * @example
 * const op = signRegistryOp(walletSigner, { wallet, seq: 1n, prev: [], genesis: { recoveryKem } })
 * verifyRegistryOp(op.bytes, { wallet }) // the same operation, decoded from its bytes
 */
import { createHash } from 'node:crypto'
import { InvalidRegistryOpError, WrongWalletError } from '../errors.js'
import { equals, toBase58, toHex } from './bytes.js'
import { verifyChainCertificate, type ChainCertificate } from './chain.js'
import { MAX_CUTOFF_DOCS, MAX_CUTOFF_PARTS } from './cutoff-part.js'
import type { DocCutoff } from './cutoff-runs.js'
import { DOMAIN, REGISTRY_OP_VERSION } from './domains.js'
import type { Ed25519Signer } from './ed25519.js'
import { RegistryOp as PbOp, SignedRegistryOp as PbSignedOp } from './pb/chain.js'
import { isCanonical, notCanonical, signWithDomain, verifyWithDomain } from './signed.js'
import type { Wrap } from './wrap.js'

export const MAX_REGISTRY_OP_BYTES = 256 * 1024
export const MAX_PREV = 64
const MAX_WRAPS = 1024

export type RegistryOpKind = 'genesis' | 'enrol' | 'revoke' | 'epoch' | 'grant'

export interface RevokeCutoff {
  readonly device: Uint8Array
  readonly docs: readonly DocCutoff[]
  readonly snapshotsThrough: bigint
  /**
   * SHA-256 of each cutoff part (cutoff-part.ts) holding more of its documents, when they do not
   * fit in this operation; empty (or absent when signing) otherwise. The revocation is effective at once; the documents of a
   * part not held yet are judged as not kept until it is (certs.ts).
   */
  readonly parts?: readonly Uint8Array[]
  /** Informational: the revoked device's highest registry operation its revoker held (the causal past decides). */
  readonly registrySeq: bigint
}

export interface EpochBody {
  readonly epoch: number
  readonly discharges: readonly Uint8Array[]
  readonly wraps: readonly Wrap[]
  readonly previous: Uint8Array
  readonly commitment: Uint8Array
}

export interface GrantBody { readonly epoch: number, readonly commitment: Uint8Array, readonly wraps: readonly Wrap[] }

export interface OpBody {
  genesis?: { recoveryKem: Uint8Array }
  enrol?: { certificate: Uint8Array }
  revoke?: { devices: readonly RevokeCutoff[], reason: string }
  epoch?: EpochBody
  grant?: GrantBody
}

export interface RegistryOp {
  readonly kind: RegistryOpKind
  readonly wallet: Uint8Array
  readonly author: Uint8Array
  readonly seq: bigint
  readonly prev: readonly Uint8Array[]
  /** The author's clock, ms: for display only, never for ordering. */
  readonly at: number
  readonly genesis?: { recoveryKem: Uint8Array }
  /** The enrolled certificate, its chain verified (expiry is judged per use). */
  readonly enrol?: { certificate: ChainCertificate }
  readonly revoke?: { devices: readonly RevokeCutoff[], reason: string }
  readonly epoch?: EpochBody
  readonly grant?: GrantBody
  /** SHA-256 of the signed bytes: what `prev` and `discharges` name. */
  readonly hash: Uint8Array
  readonly id: string
  readonly bytes: Uint8Array
}

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/** Whether signed-record bytes are a registry operation (fields 8-9). */
export function isRegistryRecord (bytes: Uint8Array): boolean {
  try {
    return PbSignedOp.decode(bytes).op.byteLength > 0
  } catch {
    // Not decodable as an operation: another record kind.
    return false
  }
}

const b = (x: Uint8Array): Uint8Array<ArrayBuffer> => x as Uint8Array<ArrayBuffer>
const pbWraps = (ws: readonly Wrap[]): any[] => ws.map(w => ({ recipient: b(w.recipient), enc: b(w.enc), ciphertext: b(w.ciphertext) }))

/**
 * Signs an operation. `author` is the wallet or a device signer; `seq` and `prev` come from the
 * author's view of the registry (Registry.next()).
 */
export function signRegistryOp (author: Pick<Ed25519Signer, 'publicKey' | 'sign'>, f: { wallet: Uint8Array, seq: bigint, prev: readonly Uint8Array[], at?: number } & OpBody): RegistryOp {
  const body = PbOp.encode({
    version: REGISTRY_OP_VERSION,
    wallet: b(f.wallet),
    author: b(author.publicKey),
    seq: f.seq,
    prev: f.prev.map(b),
    at: BigInt(f.at ?? Date.now()),
    genesis: f.genesis !== undefined ? { recoveryKem: b(f.genesis.recoveryKem) } : undefined,
    enrol: f.enrol !== undefined ? { certificate: b(f.enrol.certificate) } : undefined,
    revoke: f.revoke !== undefined
      ? {
          reason: f.revoke.reason,
          devices: f.revoke.devices.map(d => ({
            device: b(d.device),
            docs: d.docs.map(x => ({ doc: b(x.doc), lanes: x.lanes.map(l => ({ lane: l.lane, seq: l.seq })) })),
            snapshotsThrough: d.snapshotsThrough,
            registrySeq: d.registrySeq,
            parts: (d.parts ?? []).map(b)
          }))
        }
      : undefined,
    epoch: f.epoch !== undefined ? { epoch: f.epoch.epoch, discharges: f.epoch.discharges.map(b), wraps: pbWraps(f.epoch.wraps), previous: b(f.epoch.previous), commitment: b(f.epoch.commitment) } : undefined,
    grant: f.grant !== undefined ? { epoch: f.grant.epoch, commitment: b(f.grant.commitment), wraps: pbWraps(f.grant.wraps) } : undefined
  })
  const signature = signWithDomain(author, DOMAIN.registryOp, body)
  return verifyRegistryOp(PbSignedOp.encode({ op: body, signature: b(signature) }), { wallet: f.wallet })
}

const wrapsOf = (ws: Array<{ recipient: Uint8Array, enc: Uint8Array, ciphertext: Uint8Array }>): Wrap[] => {
  if (ws.length > MAX_WRAPS) throw new InvalidRegistryOpError(`more than ${MAX_WRAPS} wraps`)
  const seen = new Set<string>()
  for (const w of ws) {
    if (w.recipient.byteLength !== 32 || w.enc.byteLength !== 32 || w.ciphertext.byteLength !== 48) throw new InvalidRegistryOpError('a malformed wrap')
    const k = toHex(w.recipient)
    if (seen.has(k)) throw new InvalidRegistryOpError('two wraps to one recipient')
    seen.add(k)
  }
  return ws.map(w => ({ recipient: w.recipient, enc: w.enc, ciphertext: w.ciphertext }))
}

/**
 * Verifies signed operation bytes (the author's signature over the received body, the expected
 * wallet, one well-formed operation; an enrolment's certificate chain), then decodes them.
 * Whether the author had the authority is the registry's evaluation, not this function's.
 */
export function verifyRegistryOp (bytes: Uint8Array, opts: { wallet: Uint8Array }): RegistryOp {
  if (bytes.byteLength > MAX_REGISTRY_OP_BYTES) throw new InvalidRegistryOpError(`registry operation of ${bytes.byteLength} bytes exceeds ${MAX_REGISTRY_OP_BYTES}`)
  let signed: PbSignedOp
  let o: PbOp
  try {
    signed = PbSignedOp.decode(bytes)
    o = PbOp.decode(signed.op, { limits: { prev: MAX_PREV, revoke: { devices$: { docs: MAX_CUTOFF_DOCS, parts: MAX_CUTOFF_PARTS } } } } as any)
  } catch (err) {
    throw new InvalidRegistryOpError('registry operation is not a valid encoding', {}, { cause: err })
  }
  // An operation is named by the SHA-256 of its bytes (its id, what `prev` and `discharges` name):
  // another encoding of the same signed operation would be another operation (a discharged revoke
  // owed again). One encoding only, of the envelope and of the signed body.
  if (!isCanonical(PbSignedOp, signed, bytes)) throw new InvalidRegistryOpError(notCanonical('registry operation'))
  if (!isCanonical(PbOp, o, signed.op)) throw new InvalidRegistryOpError(notCanonical('registry operation body'))
  if (o.version !== REGISTRY_OP_VERSION) throw new InvalidRegistryOpError(`unsupported registry operation version ${o.version}`)
  if (o.wallet.byteLength !== 32 || o.author.byteLength !== 32 || signed.signature.byteLength !== 64) throw new InvalidRegistryOpError('registry operation is missing a key or its signature')
  if (!equals(o.wallet, opts.wallet)) throw new WrongWalletError(`registry operation belongs to wallet ${toBase58(o.wallet)}, not ${toBase58(opts.wallet)}`)
  if (!verifyWithDomain(o.author, DOMAIN.registryOp, signed.op, signed.signature)) throw new InvalidRegistryOpError('registry operation signature does not verify under its author')
  if (o.seq < 1n) throw new InvalidRegistryOpError('registry operation sequence numbers start at 1')
  if (o.prev.some(p => p.byteLength !== 32)) throw new InvalidRegistryOpError('prev names operations by 32-byte digests')
  const kinds = (['genesis', 'enrol', 'revoke', 'epoch', 'grant'] as const).filter(k => o[k] !== undefined)
  if (kinds.length !== 1) throw new InvalidRegistryOpError(`a registry operation is exactly one operation, not ${kinds.length}`)
  const kind = kinds[0] as RegistryOpKind
  const hash = sha256(bytes)
  const base = { kind, wallet: o.wallet, author: o.author, seq: o.seq, prev: o.prev, at: Number(o.at), hash, id: toHex(hash), bytes }
  switch (kind) {
    case 'genesis': {
      if (!equals(o.author, opts.wallet)) throw new InvalidRegistryOpError('only the wallet writes the genesis')
      if (o.genesis?.recoveryKem.byteLength !== 32) throw new InvalidRegistryOpError('a genesis names a 32-byte recovery key')
      return { ...base, genesis: { recoveryKem: o.genesis.recoveryKem } }
    }
    case 'enrol': {
      let certificate: ChainCertificate
      try {
        certificate = verifyChainCertificate(o.enrol?.certificate ?? new Uint8Array(0), { wallet: opts.wallet, expiry: false })
      } catch (err: any) {
        throw new InvalidRegistryOpError(`an enrolment's certificate does not verify: ${err?.message}`, { reason: err?.code }, { cause: err })
      }
      return { ...base, enrol: { certificate } }
    }
    case 'revoke': {
      const r = o.revoke as NonNullable<PbOp['revoke']>
      if (r.devices.length === 0) throw new InvalidRegistryOpError('a revoke names at least one device')
      const devices = r.devices.map(d => {
        if (d.device.byteLength !== 32 || d.docs.length > MAX_CUTOFF_DOCS) throw new InvalidRegistryOpError('a malformed revocation cutoff')
        if (d.docs.some(x => x.doc.byteLength !== 32)) throw new InvalidRegistryOpError('a cutoff names documents by 32-byte ids')
        if (d.parts.length > MAX_CUTOFF_PARTS || d.parts.some(p => p.byteLength !== 32)) throw new InvalidRegistryOpError(`a cutoff names at most ${MAX_CUTOFF_PARTS} parts by 32-byte digests`)
        return { device: d.device, docs: d.docs.map(x => ({ doc: x.doc, lanes: x.lanes.map(l => ({ lane: l.lane, seq: l.seq })) })), snapshotsThrough: d.snapshotsThrough, registrySeq: d.registrySeq, parts: d.parts }
      })
      return { ...base, revoke: { devices, reason: r.reason.slice(0, 256) } }
    }
    case 'epoch': {
      const e = o.epoch as NonNullable<PbOp['epoch']>
      if (e.epoch < 1) throw new InvalidRegistryOpError('epoch 0 is the wallet-derived key: a rotation makes epoch 1 or later')
      if (e.commitment.byteLength !== 32 || e.discharges.some(d => d.byteLength !== 32)) throw new InvalidRegistryOpError('a malformed epoch operation')
      return { ...base, epoch: { epoch: e.epoch, discharges: e.discharges, wraps: wrapsOf(e.wraps), previous: e.previous, commitment: e.commitment } }
    }
    case 'grant': {
      const g = o.grant as NonNullable<PbOp['grant']>
      if (g.commitment.byteLength !== 32) throw new InvalidRegistryOpError('a malformed grant')
      return { ...base, grant: { epoch: g.epoch, commitment: g.commitment, wraps: wrapsOf(g.wraps) } }
    }
  }
  throw new InvalidRegistryOpError(`unknown registry operation ${String(kind)}`)
}
