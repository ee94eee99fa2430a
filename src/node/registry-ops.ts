/**
 * What a node writes into the registry (identity/registry.ts), and what it takes out of it:
 * - enrolDevice: an admin device certifies another device (pairing by code, a mirror) and
 *   publishes the enrolment, without the wallet;
 * - revokeDevices: a revoke signed by this admin device (or by the wallet, published by any member),
 *   with each revoked device's cutoff: per document and lane, the highest of its entries this node
 *   holds, which stay valid everywhere; everything it writes later is refused;
 * - rotation: a new epoch key wrapped to every remaining reader and to the recovery key, never to
 *   a key all devices hold, discharging every owed revocation; a device that can write makes one
 *   before its own next write whenever a debt is open (so no honest device seals under a key a
 *   revoked device holds once it knows of the revocation);
 * - unwrapping: the epoch keys wrapped to this device, added to its keys and kept in vault.keys,
 *   and the current epoch settled on the highest valid one held (settleEpochKeys).
 */
import { logger } from '@libp2p/logger'
import { InvalidRegistryOpError, NotAdminError, ReadOnlyError } from '../errors.js'
import {
  addCollidedKey, addEpochKey, currentEpochOf, deviceKem, epochCommitment, equals, issueChainCertificate, isChainCertificate, kemPublicOf, legacyKem, newEpochKey, nextEpochNumber,
  fromHex, makeCutoffPart, MAX_PREV, openPrevious, splitCutoffDocs, MAX_CUTOFF_PARTS, parseStreamKey, toHex, RECOVERY_RECIPIENT, sealPrevious, signRegistryOp, unwrapEpochKey, wrapEpochKey, wrapsFor, checkCommitment, formedWith, recordOf, setCurrentEpoch,
  type Capability, type ChainCertificate, type CutoffPart, type KemKeyPair, type Ed25519Signer, type OpBody, type RegistryOp, type RevokeCutoff, type Wallet, type Wrap
} from '../identity/index.js'
import type { EntryStore } from '../store/index.js'
import type { CertRegistry } from './certs.js'
import type { HomeIdentity } from './enrol.js'

const log = logger('mesh:node:registry')

/**
 * Signs an operation as `author`, after everything this node holds (its heads, the operations in
 * force that none names), numbered after the author's own. It names at most MAX_PREV heads, the
 * most a peer decodes; any left over stay heads for the next operation.
 */
export function authorOp (certs: CertRegistry, wallet: Uint8Array, author: Pick<Ed25519Signer, 'publicKey' | 'sign'>, body: OpBody, at = Date.now(), first: readonly Uint8Array[] = []): RegistryOp {
  let seq = 0n
  for (const op of certs.registryOps()) if (equals(op.author, author.publicKey) && op.seq > seq) seq = op.seq
  // Every operation in force is in the past of the heads: only when they are too many to name does
  // an operation that must be in this one's past (`first`) get named by itself.
  const heads = certs.state.heads
  const prev = heads.length <= MAX_PREV ? heads : [...first, ...heads.filter(h => !first.some(f => equals(f, h)))].slice(0, MAX_PREV)
  return signRegistryOp(author, { wallet, seq: seq + 1n, prev, at, ...body })
}

export interface EnrolRequest {
  deviceKey: Uint8Array
  /** The device's X25519 key (deviceKem of its seed); required unless it is a mirror. */
  kemKey?: Uint8Array
  capabilities: readonly Capability[]
  label: string
  expiresAt?: number
  /** Admin levels allowed below an admin it creates (0 unless this device's certificate allows more). */
  pathLen?: number
  /** SHA-256 of the pairing transcript. */
  pairing?: Uint8Array
}

/**
 * This device's certificate, when it may enrol devices; else NotAdminError saying why. Checked
 * before a pairing starts too, so a device that cannot approve does not burn the new one's code.
 */
export function adminCertificate (id: HomeIdentity, certs: CertRegistry): ChainCertificate {
  const mine = certs.get(id.device.publicKey) ?? id.certificate
  if (!isChainCertificate(mine) || !mine.capabilities.includes('admin')) {
    throw new NotAdminError(`this device (${mine.label}) is not an admin: it cannot enrol devices`, { deviceId: mine.deviceId }, isChainCertificate(mine) ? undefined : { hint: { sep: ' ', cli: '(run `mesh init` here once with the wallet to make it one)' } })
  }
  if (certs.isRevoked(id.device.publicKey)) throw new NotAdminError('this device was revoked: it cannot enrol devices')
  return mine
}

/**
 * Certifies a device from this admin device and signs its enrolment. Throws NotAdminError when
 * this device is no admin (or holds a version 1/2 certificate: `mesh init` with the wallet makes
 * it one). The caller publishes the operation (Vault.publish) and hands the certificate (with
 * its chain) and the registry's records to the new device.
 */
export function enrolDevice (id: HomeIdentity, certs: CertRegistry, req: EnrolRequest): { certificate: ChainCertificate, op: RegistryOp } {
  const mine = adminCertificate(id, certs)
  const certificate = issueChainCertificate(id.device, mine, { ...req, kemKey: req.kemKey })
  const op = authorOp(certs, id.walletKey, id.device.signer, { enrol: { certificate: certificate.bytes } })
  return { certificate, op }
}

/**
 * What connected peers reported holding, per document (hex) and stream (`streamKey`): the sync
 * sessions' view of each peer's vectors (protocols/sync).
 */
export type PeerVectors = ReadonlyMap<string, ReadonlyMap<string, bigint>>

/**
 * A revoked device's cutoff: per document and lane, the highest of its entries this node holds or
 * a connected, unrevoked peer reported holding (`heldElsewhere`, never the revoked device's own
 * report). An entry it wrote before the revocation that reached only another peer stays valid, and
 * comes to this node with the next sync; one written later, by a thief, is still refused.
 */
export function cutoffFor (store: EntryStore, certs: CertRegistry, device: Uint8Array, heldElsewhere: readonly PeerVectors[] = []): RevokeCutoff {
  const best = new Map<string, Map<number, bigint>>()
  const note = (docHex: string, lane: number, seq: bigint): void => {
    if (seq <= 0n) return
    let lanes = best.get(docHex)
    if (lanes === undefined) { lanes = new Map(); best.set(docHex, lanes) }
    if ((lanes.get(lane) ?? 0n) < seq) lanes.set(lane, seq)
  }
  let snapshotsThrough = 0n
  for (const doc of store.docIds()) {
    for (const key of store.vector(doc).keys()) {
      const s = parseStreamKey(key)
      if (!equals(s.author, device)) continue
      note(toHex(doc), s.lane, BigInt(store.maxSeq(doc, device, s.lane)))
    }
    for (const snap of store.snapshots(doc)) if (equals(snap.header.author, device) && snap.header.seq > snapshotsThrough) snapshotsThrough = snap.header.seq
  }
  for (const vectors of heldElsewhere) {
    for (const [docHex, streams] of vectors) {
      for (const [key, seq] of streams) {
        const s = parseStreamKey(key)
        if (equals(s.author, device)) note(docHex, s.lane, seq)
      }
    }
  }
  const docs: RevokeCutoff['docs'][number][] = [...best].map(([hex, lanes]) => ({ doc: fromHex(hex), lanes: [...lanes].map(([lane, seq]) => ({ lane, seq })) }))
  let registrySeq = 0n
  for (const op of certs.registryOps()) if (equals(op.author, device) && op.seq > registrySeq) registrySeq = op.seq
  return { device, docs, snapshotsThrough, registrySeq }
}

/**
 * Signs a revoke of `devices` by this device (an admin) or, given, by the wallet (any member may
 * publish the wallet's revoke, even a read-only one). `cutoffParts`: the part records a revoked
 * device's cutoff took when it did not fit the operation (crdt/SPEC.md §Cutoff parts), to publish
 * right after it.
 */
export function revokeDevices (id: HomeIdentity, certs: CertRegistry, store: EntryStore, devices: readonly Uint8Array[], opts: { reason?: string, wallet?: Wallet, heldElsewhere?: readonly PeerVectors[] } = {}): RegistryOp & { cutoffParts: readonly Uint8Array[] } {
  let author: Pick<Ed25519Signer, 'publicKey' | 'sign'>
  if (opts.wallet !== undefined) {
    author = opts.wallet
  } else {
    const mine = certs.get(id.device.publicKey)
    if (mine === undefined || !mine.capabilities.includes('admin') || certs.isRevoked(id.device.publicKey)) {
      // devices_revoke takes no wallet (mcp-devices.ts): an agent is told what a person does instead.
      throw new NotAdminError(`this device (${mine?.label ?? id.certificate.label}) is not an admin`, {}, {
        hint: { cli: 'revoke from an admin device, or pass the wallet (--wallet PATH)', mcp: 'revoke from an admin device (the devices tool lists the admin capability of each), or a person revokes it on this device with the wallet' }
      })
    }
    author = id.device.signer
  }
  const parts: CutoffPart[] = []
  const cutoffs = devices.map(d => {
    const c = cutoffFor(store, certs, d, opts.heldElsewhere)
    // Inline while one device's documents fit an operation shared with the others (what every
    // revoke was before parts); otherwise every document goes into parts the revoke names.
    const inline = splitCutoffDocs(c.docs, Math.floor(INLINE_BUDGET / devices.length), { list: true })
    if (inline.length === 1) return c
    const chunks = splitCutoffDocs(c.docs)
    if (chunks.length > MAX_CUTOFF_PARTS) throw new InvalidRegistryOpError(`a revoked device's cutoff spans more than ${MAX_CUTOFF_PARTS} parts`)
    const mine = chunks.map(chunk => makeCutoffPart(d, chunk))
    parts.push(...mine)
    return { ...c, docs: [], parts: mine.map(p => p.digest) }
  })
  const op = authorOp(certs, id.walletKey, author, { revoke: { devices: cutoffs, reason: opts.reason ?? '' } })
  return { ...op, cutoffParts: parts.map(p => p.bytes) }
}

/** What one operation's inline cutoffs may take together, leaving room for its keys, prev and reason. */
const INLINE_BUDGET = 192 * 1024

/**
 * A rotation discharging every owed revocation, made by this device; undefined when nothing is
 * owed. Throws ReadOnlyError when this device cannot rotate (no `write`, or revoked).
 */
export function rotation (id: HomeIdentity, certs: CertRegistry, random?: number): { op: RegistryOp, epoch: number, key: Uint8Array } | undefined {
  const st = certs.state
  if (st.owed.length === 0) return undefined
  const mine = certs.get(id.device.publicKey) ?? id.certificate
  if (!mine.capabilities.includes('write') || certs.isRevoked(id.device.publicKey)) throw new ReadOnlyError(`this device (${mine.label}) cannot rotate the vault key: a device that can write does`)
  const key = newEpochKey()
  // `random`: tests force two rotations onto one number. The generation is one above the highest
  // valid Epoch's, which must be in this one's causal past (the registry's rule): named first if
  // the heads are too many to name them all.
  const epoch = nextEpochNumber(st, random)
  let top: RegistryOp | undefined
  for (const [e, rec] of st.epochs) if (top === undefined || e > (top.epoch?.epoch ?? 0)) top = rec.op
  const ctx = { wallet: id.walletKey, epoch }
  const wraps: Wrap[] = []
  for (const c of certs.all()) {
    if (!c.capabilities.includes('read') || certs.isRevoked(c.deviceKey)) continue
    wraps.push(wrapEpochKey(key, { recipient: c.deviceKey, kem: kemPublicOf(c) }, ctx))
  }
  if (st.recoveryKem !== undefined) wraps.push(wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: st.recoveryKem }, ctx))
  // The earlier keys carried: epoch 0's and those of well-formed rotations (valid, or refused
  // later for their author, whose key still opens what was sealed under it while it was current),
  // never one held for a number no such Epoch committed to (a holder would refuse it anyway).
  const previous = new Map([...id.keys.epochs].filter(([e, k]) => e < epoch && (e === 0 || formedWith(st, e, k))))
  const op = authorOp(certs, id.walletKey, id.device.signer, {
    epoch: { epoch, discharges: st.owed.map(o => o.hash), wraps, previous: sealPrevious(key, epoch, previous), commitment: epochCommitment(key, epoch) }
  }, Date.now(), top !== undefined ? [top.hash] : [])
  return { op, epoch, key }
}

/**
 * Unwraps every epoch key wrapped to this device that it does not hold yet, with its KEM key (the
 * one its version 3 certificate names, or its ed25519 key's Montgomery form for a version 1/2
 * one) and the earlier keys each rotation carries. Returns the epochs added.
 */
export function unwrapMine (id: HomeIdentity, certs: CertRegistry, recovery?: KemKeyPair): number[] {
  const seed = id.device.privateKey.raw.subarray(0, 32)
  const added: number[] = []
  const st = certs.state
  const candidates = [
    ...wrapsFor(st, id.device.publicKey).map(w => ({ ...w, pairs: [deviceKem(seed), legacyKem(seed)] })),
    // With the wallet at hand (a home opened with it), the recovery wraps open too.
    ...(recovery !== undefined ? wrapsFor(st, RECOVERY_RECIPIENT).map(w => ({ ...w, pairs: [recovery] })) : [])
  ]
  for (const w of candidates) {
    const pairs = w.pairs
    // This very key held already (as the epoch's, or as a collided rotation's): nothing to do.
    const held = id.keys.epochs.get(w.epoch)
    if (held !== undefined && checkCommitment(held, w.epoch, w.commitment)) continue
    if ((id.keys.alternates?.get(w.epoch) ?? []).some(k => checkCommitment(k, w.epoch, w.commitment))) continue
    const ctx = { wallet: id.walletKey, epoch: w.epoch }
    let key: Uint8Array | undefined
    for (const p of pairs) {
      try { key = unwrapEpochKey(w.wrap, p, ctx); break } catch { /* the other KEM key of this device, or a wrap not for it */ }
    }
    if (key === undefined || !checkCommitment(key, w.epoch, w.commitment)) {
      log.error('the wrap of epoch %d to this device does not open: ask an admin for a grant', w.epoch)
      continue
    }
    // Two rotations drew this number: the canonical one's key becomes the epoch's, the other stays to open what was sealed under it.
    if (held === undefined ? addEpochKey(id.keys, w.epoch, key) : addCollidedKey(id.keys, w.epoch, key, w.canonical)) added.push(w.epoch)
    const rec = w.record
    if (rec?.op.epoch !== undefined && rec.op.epoch.previous.byteLength > 0) {
      let carried: Map<number, Uint8Array>
      try {
        carried = openPrevious(key, w.epoch, rec.op.epoch.previous)
      } catch (err) {
        log.error('the earlier keys carried by epoch %d do not open: %e', w.epoch, err)
        continue
      }
      for (const [e, k] of carried) if (takeCarried(id, st, w.epoch, e, k)) added.push(e)
    }
  }
  return added
}

/**
 * An earlier key carried in an Epoch's `previous`, taken only for a number below the carrying
 * epoch's that a well-formed Epoch announces, and only if it is the key that Epoch committed to:
 * the rotation's author chose what `previous` holds, and a key for a number of its choosing (above
 * every real one) would otherwise be taken as genuine. The key of an Epoch refused for its author
 * (revoked concurrently) is kept to open what honest devices sealed under it while it was current,
 * under its number (or aside, when another key is held there), and is never current
 * (currentEpochOf takes valid rotations only). Epoch 0's, derived from the wallet, every device
 * holds already.
 */
function takeCarried (id: HomeIdentity, st: CertRegistry['state'], carrier: number, e: number, k: Uint8Array): boolean {
  const found = e < carrier ? recordOf(st, e, k) : undefined
  if (found === undefined) {
    if (e < carrier && e !== 0 && formedWith(st, e, k)) return id.keys.epochs.get(e) === undefined ? addEpochKey(id.keys, e, k) : addCollidedKey(id.keys, e, k, false)
    if (e !== 0) log.error('epoch %d carries a key for epoch %d that no valid rotation announces: not taken', carrier, e)
    return false
  }
  return id.keys.epochs.get(e) === undefined ? addEpochKey(id.keys, e, k) : addCollidedKey(id.keys, e, k, found.canonical)
}

/**
 * Makes this device's keys agree with the registry: for each valid rotation's number, the key held
 * as that epoch's is one a valid rotation committed to (one held aside for it is put in place of
 * one no rotation announced), and the current epoch is the highest valid one whose key is held
 * (currentEpochOf), whatever number a key was saved under before. Returns whether anything changed.
 */
export function settleEpochKeys (id: HomeIdentity, certs: CertRegistry): boolean {
  const st = certs.state
  const keys = id.keys
  let changed = false
  for (const e of st.epochs.keys()) {
    const held = keys.epochs.get(e)
    if (held === undefined || recordOf(st, e, held) !== undefined) continue
    const fits = (keys.alternates?.get(e) ?? []).map(k => ({ k, r: recordOf(st, e, k) })).filter(x => x.r !== undefined)
    const best = fits.find(x => x.r?.canonical === true) ?? fits[0]
    if (best !== undefined && addCollidedKey(keys, e, best.k, true)) changed = true
  }
  const current = currentEpochOf(st, keys)
  if (keys.epochs.has(current) && setCurrentEpoch(keys, current)) {
    log('the current epoch is now %d', current)
    changed = true
  }
  return changed
}

/**
 * Grants healing missed wraps (Jazz's auto-healing): for every epoch this device holds, a wrap to
 * each non-revoked reader that has none, e.g. a device enrolled, or met, after the rotation (a
 * machine set up later with the wallet, a device paired in a partition). One operation per epoch.
 */
export function grants (id: HomeIdentity, certs: CertRegistry): RegistryOp[] {
  const st = certs.state
  const mine = certs.get(id.device.publicKey) ?? id.certificate
  if (!mine.capabilities.includes('read') || certs.isRevoked(id.device.publicKey)) return []
  const out: RegistryOp[] = []
  const records = [...st.epochs.values(), ...[...st.collided.values()].flat()]
  for (const rec of records) {
    const epoch = rec.epoch
    const commitment = rec.op.epoch?.commitment
    if (commitment === undefined) continue
    // The key this rotation committed to, if held (the epoch's, or a collided rotation's).
    const key = [id.keys.epochs.get(epoch), ...(id.keys.alternates?.get(epoch) ?? [])].find(k => k !== undefined && checkCommitment(k, epoch, commitment))
    if (key === undefined) continue
    const have = new Set(rec.wraps.map(w => toHex(w.wrap.recipient)))
    const wraps: Wrap[] = []
    for (const c of certs.all()) {
      if (!c.capabilities.includes('read') || certs.isRevoked(c.deviceKey) || have.has(toHex(c.deviceKey))) continue
      wraps.push(wrapEpochKey(key, { recipient: c.deviceKey, kem: kemPublicOf(c) }, { wallet: id.walletKey, epoch }))
    }
    if (wraps.length > 0) out.push(authorOp(certs, id.walletKey, id.device.signer, { grant: { epoch, commitment, wraps } }))
  }
  return out
}
