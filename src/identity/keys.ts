/**
 * The key hierarchy. The wallet signs VAULT_SEED_MESSAGE once; HKDF-SHA256 over that signature
 * gives the epoch-0 vault key, the key-wrapping key (kept for old homes, never used: every device
 * holds it, so a revoked device could open anything wrapped under it), the document-id key and the
 * rendezvous key. Later epochs are random keys wrapped to each reader's own X25519 key (wrap.ts). The same wallet reproduces them anywhere.
 * Per-document AEAD keys are derived from the epoch's vault key and the document id, so that the
 * 96-bit random nonces of ChaCha20-Poly1305 are bounded per document rather than per vault.
 */
import { createHmac } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { UnknownEpochError } from '../errors.js'
import { toHex, utf8 } from './bytes.js'
import { LABEL } from './domains.js'

export type DocId = Uint8Array & { readonly __brand: 'DocId' }

export interface VaultKeys {
  /** epoch -> 32-byte vault key */
  readonly epochs: ReadonlyMap<number, Uint8Array>
  /**
   * What new entries and snapshots are sealed under: the highest epoch the registry holds valid
   * whose key is held (registry.ts currentEpochOf), never merely the highest number held.
   */
  readonly currentEpoch: number
  /**
   * Held only by a home enrolled with the wallet. A paired device never receives it: every device
   * holding one key that wraps later epochs is what revocation must not rely on.
   */
  readonly keyWrap?: Uint8Array
  readonly docIdKey: Uint8Array
  readonly rendezvous: Uint8Array
  /**
   * Keys of rotations that drew an epoch number another rotation drew too (two devices rotating
   * concurrently) and lost the tie-break (crdt/SPEC.md, Registry): `epochs` holds the winner's,
   * which every writer uses from then on; entries already sealed under these stay readable.
   */
  readonly alternates?: ReadonlyMap<number, readonly Uint8Array[]>
}

const SALT = utf8(LABEL.salt)
const derive = (ikm: Uint8Array, info: string | Uint8Array, length = 32): Uint8Array =>
  hkdf(sha256, ikm, SALT, typeof info === 'string' ? utf8(info) : info, length)

export function deriveVaultKeys (seedSignature: Uint8Array): VaultKeys {
  return {
    epochs: new Map([[0, derive(seedSignature, LABEL.vaultKey(0))]]),
    currentEpoch: 0,
    keyWrap: derive(seedSignature, LABEL.keyWrap),
    docIdKey: derive(seedSignature, LABEL.docId),
    rendezvous: derive(seedSignature, LABEL.rendezvous)
  }
}

/** Opaque document id: a keyed hash of the document's name, so stored entries reveal no names. */
export function docIdFor (keys: Pick<VaultKeys, 'docIdKey'>, name: string): DocId {
  return new Uint8Array(createHmac('sha256', keys.docIdKey).update(name, 'utf8').digest()) as DocId
}

export function epochKey (keys: VaultKeys, epoch: number): Uint8Array {
  const k = keys.epochs.get(epoch)
  if (k === undefined) throw new UnknownEpochError(`no vault key for epoch ${epoch}`, { epoch })
  return k
}

/** Per vault key: its HKDF-Extract (the same for every document) and the document keys derived from it. */
const docKeyCache = new WeakMap<Uint8Array, { prk: Uint8Array, docs: Map<string, Uint8Array> }>()

/** The AEAD key of one document in one epoch. */
export function docKey (keys: VaultKeys, epoch: number, doc: Uint8Array): Uint8Array {
  return docKeyOf(epochKey(keys, epoch), doc)
}

/**
 * Every AEAD key an entry of this epoch may be sealed under, the canonical one first: more than
 * one only after two rotations drew the same number (`alternates`). Opening tries each; AEAD
 * fails fast on the wrong one.
 */
export function docKeys (keys: VaultKeys, epoch: number, doc: Uint8Array): Uint8Array[] {
  const alt = keys.alternates?.get(epoch) ?? []
  const primary = keys.epochs.get(epoch)
  if (primary === undefined && alt.length === 0) throw new UnknownEpochError(`no vault key for epoch ${epoch}`, { epoch })
  return [...(primary !== undefined ? [primary] : []), ...alt].map(k => docKeyOf(k, doc))
}

const DOC_KEY_INFO = utf8(LABEL.docKey)
const ONE = new Uint8Array([1])

/**
 * derive(vk, docKey label ‖ doc), in two steps: HKDF-Extract (HMAC-SHA256 keyed with the salt)
 * depends only on the vault key, so it is kept; the Expand of a 32-byte key is one HMAC-SHA256
 * of info ‖ 0x01 (RFC 5869, L ≤ HashLen), of node:crypto. A fresh node derives a key for each of
 * 10,000 documents it receives: 128 ms of its catch-up's profile with both steps in JavaScript
 * each time. The same bytes as derive() (test/vectors/, test/unit/keys.test.ts).
 */
function docKeyOf (vk: Uint8Array, doc: Uint8Array): Uint8Array {
  let c = docKeyCache.get(vk)
  if (c === undefined) {
    c = { prk: new Uint8Array(createHmac('sha256', SALT).update(vk).digest()), docs: new Map() }
    docKeyCache.set(vk, c)
  }
  const id = toHex(doc)
  let k = c.docs.get(id)
  if (k === undefined) {
    k = new Uint8Array(createHmac('sha256', c.prk).update(DOC_KEY_INFO).update(doc).update(ONE).digest())
    c.docs.set(id, k)
  }
  return k
}

/**
 * The DHT rendezvous of a given UTC day: only members can compute it. From the first rotation on
 * it is derived from the current epoch's key (HKDF, "mesh/rendezvous/v2"), so a revoked device,
 * which holds only earlier epochs, no longer finds the mesh through the DHT. (A member that was
 * offline during a rotation reaches a first member through its peer book, mDNS, a bootstrap
 * address or its relay, learns the epoch at that first sync, and then the DHT again: the DHT is
 * members-only, so nobody finds the mesh through it from nothing; protocols/membership/SPEC.md.)
 */
export function rendezvousFor (keys: Pick<VaultKeys, 'rendezvous'> & Partial<Pick<VaultKeys, 'epochs' | 'currentEpoch'>>, day: string): Uint8Array {
  const current = keys.currentEpoch !== undefined && keys.currentEpoch > 0 ? keys.epochs?.get(keys.currentEpoch) : undefined
  const key = current !== undefined ? derive(current, LABEL.rendezvousEpoch) : keys.rendezvous
  return new Uint8Array(createHmac('sha256', key).update(day, 'utf8').digest())
}

export function utcDay (t = Date.now()): string {
  return new Date(t).toISOString().slice(0, 10)
}

/**
 * A second key for an epoch number (a rotation that drew the same number): kept as an alternate,
 * or, when it is the canonical one (`canonical`), made the epoch's key with the one held so far
 * kept as an alternate. Returns whether anything changed.
 */
export function addCollidedKey (keys: VaultKeys, epoch: number, key: Uint8Array, canonical: boolean): boolean {
  const held = keys.epochs.get(epoch)
  const alts = new Map(keys.alternates ?? [])
  const list = [...(alts.get(epoch) ?? [])]
  if (held === undefined) return addEpochKey(keys, epoch, key)
  if (equalBytes(held, key) || list.some(k => equalBytes(k, key))) {
    if (!canonical || equalBytes(held, key)) return false
    list.splice(list.findIndex(k => equalBytes(k, key)), 1)
  }
  if (canonical) {
    list.push(held)
    ;(keys.epochs as Map<number, Uint8Array>).set(epoch, key)
  } else {
    list.push(key)
  }
  alts.set(epoch, list)
  ;(keys as { alternates?: ReadonlyMap<number, readonly Uint8Array[]> }).alternates = alts
  return true
}

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => a.byteLength === b.byteLength && a.every((x, i) => x === b[i])

/**
 * Adds an epoch key learned from the registry (an unwrapped rotation) to a vault's keys, in place:
 * the vault, its certificate view and every replica share this one object, so all of them see the
 * new epoch at once. The current epoch does not move: which one new entries are sealed under is
 * the registry's to say (currentEpochOf in registry.ts, set with setCurrentEpoch), never the
 * highest number a key is held for, which a member could pick.
 */
export function addEpochKey (keys: VaultKeys, epoch: number, key: Uint8Array): boolean {
  if (keys.epochs.get(epoch) !== undefined) return false
  ;(keys.epochs as Map<number, Uint8Array>).set(epoch, key)
  return true
}

/** Makes `epoch`, whose key is held, the one new entries are sealed under. Returns whether it changed. */
export function setCurrentEpoch (keys: VaultKeys, epoch: number): boolean {
  if (keys.epochs.get(epoch) === undefined) throw new UnknownEpochError(`no vault key for epoch ${epoch}`, { epoch })
  if (keys.currentEpoch === epoch) return false
  ;(keys as { currentEpoch: number }).currentEpoch = epoch
  return true
}
