/**
 * The vault keys file (`vault.keys`, mode 0600): derived keys by epoch, never the wallet. It
 * carries a digest of its keys (`check`): a key damaged on disk still decodes to 32 bytes, and
 * used, it opened nothing (the vault looked empty, `mesh doctor` found nothing) while new writes
 * were sealed under it. A file from before the digest has none and is read as it is.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { HomeCorruptError } from '../errors.js'
import { fromB64, fromBase58, LABEL, toB64, utf8, type VaultKeys, type WalletAddress } from '../identity/index.js'

interface KeyFileV1 {
  version: 1
  wallet: string
  currentEpoch: number
  epochs: Record<string, string>
  /** Absent in a paired device's home (see VaultKeys.keyWrap). */
  keyWrap?: string
  docIdKey: string
  rendezvous: string
  /** Keys of rotations that lost an epoch number's tie-break (VaultKeys.alternates), when any. */
  alternates?: Record<string, string[]>
  /** keyFileCheck() of the rest, base64. */
  check?: string
}

/** A digest of every key the file holds, in one order whatever order the file lists them in. */
function keyFileCheck (wallet: string, keys: VaultKeys): string {
  const sorted = <T>(m: ReadonlyMap<number, T>): Array<[number, T]> => [...m].sort((a, b) => a[0] - b[0])
  const parts = [
    wallet,
    keys.currentEpoch,
    sorted(keys.epochs).map(([e, k]) => [e, toB64(k)]),
    keys.keyWrap !== undefined ? toB64(keys.keyWrap) : null,
    toB64(keys.docIdKey),
    toB64(keys.rendezvous),
    sorted(keys.alternates ?? new Map<number, Uint8Array[]>()).map(([e, ks]) => [e, ks.map(toB64)])
  ]
  return keysCheck(LABEL.keyFileCheck, parts)
}

/**
 * The check a home's file of keys carries (vault.keys here, a mirror's mirror.json): sha256 of
 * its domain label, a newline and the JSON of what it holds, base64 (crdt/SPEC.md).
 */
export function keysCheck (label: string, parts: unknown): string {
  return toB64(sha256(utf8(`${label}\n${JSON.stringify(parts)}`)))
}

export function encodeKeyFile (wallet: WalletAddress, keys: VaultKeys): string {
  const f: KeyFileV1 = {
    version: 1,
    wallet,
    currentEpoch: keys.currentEpoch,
    epochs: Object.fromEntries([...keys.epochs].map(([e, k]) => [String(e), toB64(k)])),
    ...(keys.keyWrap !== undefined ? { keyWrap: toB64(keys.keyWrap) } : {}),
    docIdKey: toB64(keys.docIdKey),
    rendezvous: toB64(keys.rendezvous),
    ...(keys.alternates !== undefined && keys.alternates.size > 0 ? { alternates: Object.fromEntries([...keys.alternates].map(([e, ks]) => [String(e), ks.map(toB64)])) } : {}),
    check: keyFileCheck(wallet, keys)
  }
  return JSON.stringify(f, null, 2) + '\n'
}

/** What to do about a damaged vault.keys, said by every error that finds one. */
const damagedHint = {
  sep: '. ',
  cli: 'It holds the vault\'s keys for this device: put it back from a backup of the home if you have one; else move the home aside and set this machine up again (`mesh init --wallet PATH`, or `mesh pair`), then revoke this device\'s old entry (`mesh devices revoke`). What this device synced comes back from the others',
  mcp: 'No tool can mend it: a person restores the file, or sets this machine up again'
}

export function decodeKeyFile (text: string, path: string): { wallet: WalletAddress, keys: VaultKeys } {
  let f: KeyFileV1
  try {
    f = JSON.parse(text)
  } catch (err) {
    throw new HomeCorruptError(`${path} is not valid JSON`, { path }, { cause: err, hint: damagedHint })
  }
  const key = (s: unknown, what: string): Uint8Array => {
    const b = typeof s === 'string' ? fromB64(s) : new Uint8Array(0)
    if (b.byteLength !== 32) throw new HomeCorruptError(`${path}: ${what} is not a 32-byte key`, { path })
    return b
  }
  if (f?.version !== 1 || typeof f.wallet !== 'string') throw new HomeCorruptError(`${path}: unknown key file version`, { path })
  // The wallet's address (base58 of its 32-byte key) and epoch numbers (decimal uint32) checked
  // here: a damaged one was an INTERNAL error further on (a base58 decoder's), or epoch NaN.
  let walletKey: Uint8Array | undefined
  try { walletKey = fromBase58(f.wallet) } catch { walletKey = undefined }
  if (walletKey?.byteLength !== 32) throw new HomeCorruptError(`${path}: the wallet's address is damaged (not the base58 of a 32-byte key)`, { path })
  const epoch = (e: string): number => {
    if (!/^(0|[1-9][0-9]{0,9})$/.test(e) || Number(e) > 0xffffffff) throw new HomeCorruptError(`${path}: ${JSON.stringify(e.slice(0, 20))} is not an epoch number`, { path })
    return Number(e)
  }
  const epochs = new Map<number, Uint8Array>()
  for (const [e, k] of Object.entries(f.epochs ?? {})) epochs.set(epoch(e), key(k, `epoch ${e} key`))
  if (!epochs.has(f.currentEpoch)) throw new HomeCorruptError(`${path}: no key for the current epoch`, { path })
  const alternates = new Map<number, Uint8Array[]>()
  for (const [e, ks] of Object.entries(f.alternates ?? {})) alternates.set(epoch(e), (Array.isArray(ks) ? ks : []).map((k, i) => key(k, `epoch ${e} alternate key ${i}`)))
  const keys: VaultKeys = { epochs, currentEpoch: f.currentEpoch, ...(f.keyWrap !== undefined ? { keyWrap: key(f.keyWrap, 'key-wrap key') } : {}), docIdKey: key(f.docIdKey, 'doc-id key'), rendezvous: key(f.rendezvous, 'rendezvous key'), ...(alternates.size > 0 ? { alternates } : {}) }
  if (f.check !== undefined && f.check !== keyFileCheck(f.wallet, keys)) {
    throw new HomeCorruptError(`${path}: its keys are not the ones written there (they do not match the file's check): the file is damaged`, { path }, { hint: damagedHint })
  }
  return { wallet: f.wallet as WalletAddress, keys }
}
