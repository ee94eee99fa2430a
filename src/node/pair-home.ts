/**
 * The new device's end of pairing: the grant it received inside the PAKE channel becomes a home
 * that `mesh join` runs with, no wallet anywhere: the device key it made, the certificate (and
 * its chain), the read keys it is entitled to, the records the approver knew, and the approver
 * remembered as a peer to dial first. The certificate is written last: its presence marks the
 * home as set up (as enrol.ts does).
 */
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { arch, hostname, platform, release } from 'node:os'
import { HomeCorruptError, PairingFailedError } from '../errors.js'
import {
  certificateRecordSealer, deviceIdFromKey, deviceKem, deviceKeyToBytes, hasCapability, toBase58, verifyAnyCertificate,
  type Certificate, type DeviceKey, type VaultKeys, type WalletAddress
} from '../identity/index.js'
import { EntryStore, ensureHomeDir, fsyncDir, HOME_FILES, homePath, isInitialized, writeHomeFile } from '../store/index.js'
import type { Grant } from '../../protocols/pair/index.js'
import { encodeKeyFile } from './keyfile.js'
import { writeMirrorKeyFile } from './mirror.js'
import { Lane } from './lane.js'
import { refuseIfCertificateLost, unfinishedPairing } from './enrol.js'

export interface PairedHome { wallet: WalletAddress, certificate: Certificate, approver: string, bootstrap: string[] }

const key32 = (b: Uint8Array, what: string): Uint8Array => {
  if (b.byteLength !== 32) throw new PairingFailedError(`the grant's ${what} is not 32 bytes`, { reason: 'invalid' })
  return b
}

/** Checks a grant against this device's key, before anything is written. */
export function checkGrant (grant: Grant, device: DeviceKey): { certificate: Certificate, keys: VaultKeys, membershipKey?: undefined } | { certificate: Certificate, keys: undefined, membershipKey: Uint8Array } {
  const wallet = key32(grant.wallet, 'wallet key')
  let certificate: Certificate
  try {
    certificate = verifyAnyCertificate(grant.certificate, { wallet, deviceKey: device.publicKey })
  } catch (err: any) {
    throw new PairingFailedError(`the certificate granted does not verify for this device: ${err?.message}`, { reason: 'invalid' }, { cause: err })
  }
  if (isMirror(certificate)) return { certificate, keys: undefined, membershipKey: key32(grant.membershipKey, 'membership key') }
  const epochs = new Map<number, Uint8Array>()
  for (const e of grant.epochs) epochs.set(e.epoch, key32(e.key, `epoch ${e.epoch} key`))
  if (hasCapability(certificate, 'read') && !epochs.has(grant.currentEpoch)) throw new PairingFailedError(`the grant holds no key for its current epoch ${grant.currentEpoch}`, { reason: 'invalid' })
  return { certificate, keys: { epochs, currentEpoch: grant.currentEpoch, docIdKey: key32(grant.docIdKey, 'document-id key'), rendezvous: key32(grant.rendezvous, 'rendezvous key') } }
}

export async function writePairedHome (home: string, device: DeviceKey, grant: Grant): Promise<PairedHome> {
  if (await isInitialized(home)) throw new PairingFailedError(`home ${home} is already set up`, { reason: 'invalid', home }, { hint: { cli: 'pair into a new home (--home DIR)', mcp: 'pair into a new home' } })
  // One that lost its certificate keeps stored entries sealed under its own keys: never replaced.
  // One whose pairing stopped part-way holds only what that pairing wrote: taken up again here.
  await refuseIfCertificateLost(home, { pairing: true })
  const checked = checkGrant(grant, device)
  const { certificate, keys } = checked
  const wallet = toBase58(grant.wallet) as WalletAddress
  await beginPairing(home)
  await writeHomeFile(home, 'deviceKey', deviceKeyToBytes(device))
  // A blind mirror's home (mesh join --mirror): the membership key alone, no vault.keys, whatever
  // else the grant might hold.
  if (keys === undefined) await writeMirrorKeyFile(home, wallet, checked.membershipKey as Uint8Array)
  else await writeHomeFile(home, 'vaultKeys', encodeKeyFile(wallet, keys))
  const store = await EntryStore.open(join(home, 'data'), keys !== undefined ? { certificates: certificateRecordSealer(keys) } : {})
  try {
    // The vault verifies each again when it opens; what it cannot accept it logs and skips.
    for (const r of grant.records) await store.putCertificate(r)
  } finally {
    await store.close()
  }
  if (keys !== undefined) await Lane.create(home)
  const approver = grant.bootstrap.map(a => a.match(/\/p2p\/([^/]+)$/)?.[1]).find(id => id !== undefined)
  if (approver !== undefined) {
    const addrs = grant.bootstrap.filter(a => a.endsWith(`/p2p/${approver}`)).map(a => a.replace(/\/p2p\/[^/]+$/, ''))
    await writeHomeFile(home, 'peers', JSON.stringify([{ peerId: approver, label: grant.approver, capabilities: [], addrs, lastSeen: 0 }], null, 2))
  }
  await writeHomeFile(home, 'certificate', certificate.bytes)
  if (deviceIdFromKey(certificate.deviceKey) !== device.deviceId) throw new HomeCorruptError('certificate written for another device key', { home })
  // Set up: the mark goes (a crash before this leaves it beside the certificate, which wins).
  await rm(homePath(home, 'pairing'), { force: true })
  await fsyncDir(home)
  return { wallet, certificate, approver: grant.approver, bootstrap: grant.bootstrap }
}

/**
 * Marks the home as a pairing under way before anything of it is written, with the home's
 * entries from before (a config.json written for the `mesh join` to come stays). A pairing that
 * stopped part-way before this one (its mark there, no certificate) is cleared first: what it
 * wrote goes, what was there before it stays, and its list of those is kept.
 */
async function beginPairing (home: string): Promise<void> {
  const prior = await unfinishedPairing(home)
  const before = prior !== undefined ? prior.before : await entriesOf(home)
  if (prior !== undefined) await removeSince(home, before, HOME_FILES.pairing)
  await ensureHomeDir(home)
  await writeHomeFile(home, 'pairing', JSON.stringify(before === undefined ? {} : { before }) + '\n')
}

/** The names in `dir` (undefined: it is not there). */
export async function entriesOf (dir: string): Promise<string[] | undefined> {
  return await readdir(dir).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return undefined; throw err })
}

/**
 * Removes what appeared in `dir` since `before` was listed (all of it, if the folder was not
 * there then), but `keep`: what a pairing wrote, and nothing that was there before it.
 */
export async function removeSince (dir: string, before: readonly string[] | undefined, keep?: string): Promise<void> {
  for (const name of await entriesOf(dir) ?? []) {
    if (name !== keep && before?.includes(name) !== true) await rm(join(dir, name), { recursive: true, force: true })
  }
}

/** A certificate of a blind mirror: `mirror` and no `read`. */
const isMirror = (c: Certificate): boolean => hasCapability(c, 'mirror') && !hasCapability(c, 'read')

/** This device's X25519 key for epoch-key wraps, derived from its device key (identity/wrap.ts). */
export const kemOf = (device: DeviceKey): Uint8Array => deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey

/** What this device claims about itself in its request (shown to the approver as claims). */
export function claims (): { hostname: string, os: string, arch: string } {
  return { hostname: hostname(), os: `${platform()} ${release()}`, arch: arch() }
}
