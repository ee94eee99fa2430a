/**
 * Enrolment: with the wallet at hand, create (or re-certify) a home: the device key, the wallet's
 * certificate for it, and the vault keys derived from the wallet's seed signature. Afterwards the
 * home runs without the wallet.
 *
 * Re-certifying (a downgrade to read-only, a renewal, a new label) also records a cutoff: this
 * device's own per-document, per-lane vector at that moment, signed by the wallet and named by
 * the new certificate. What it wrote until then stays valid on every node whatever the new
 * certificate allows (certs.ts).
 */
import { hostname } from 'node:os'
import { join } from 'node:path'
import { DeviceRevokedError, HomeCorruptError, HomeNotInitializedError, InvalidInputError, messageTime, WalletMismatchError } from '../errors.js'
import { charAt } from '../char-at.js'
import { MAX_LABEL, UNSAFE_TEXT } from '../../protocols/pair/claims.js'
import { access, rename } from 'node:fs/promises'
import {
  certificateRecordSealer, deriveVaultKeys, deviceKem, deviceKeyFromBytes, deviceKeyToBytes, equals, fromBase58, generateDeviceKey, issueCertificate, issueChainCertificate, issueCutoff, parseStreamKey,
  recoveryKem, vaultSeedSignature, verifyAnyCertificate, type Capability, type Certificate, type Cutoff, type DeviceKey, type DocCutoff, type VaultKeys, type Wallet, type WalletAddress
} from '../identity/index.js'
import { CertRegistry } from './certs.js'
import { authorOp } from './registry-ops.js'
import { EntryStore, ensureHomeDir, fsyncDir, HOME_FILES, isInitialized, readHomeFile, readHomeText, writeHomeFile, homePath } from '../store/index.js'
import { decodeKeyFile, encodeKeyFile } from './keyfile.js'

export interface HomeIdentity {
  readonly home: string
  readonly wallet: WalletAddress
  readonly walletKey: Uint8Array
  readonly device: DeviceKey
  readonly certificate: Certificate
  readonly keys: VaultKeys
  /** Set by a re-enrolment: what this device had written, kept valid whatever the new certificate allows. */
  readonly cutoff?: Cutoff
}

/**
 * `admin`: whether a writer the wallet certifies is an admin (default yes: the first device, a
 * home from before the registry); `pathLen` the admin levels it may create below it (default 1).
 * A relabel passes what the device had, so it keeps its rights.
 */
export interface EnrolOptions { readOnly?: boolean, label?: string, expiresAt?: number, admin?: boolean, pathLen?: number }

/** The home's device key; a file that does not decode is the home's damage (HOME_CORRUPT, naming it), not bad input. */
export async function readDeviceKey (home: string): Promise<DeviceKey> {
  const bytes = await readHomeFile(home, 'deviceKey')
  try {
    return deviceKeyFromBytes(bytes)
  } catch (err: any) {
    throw new HomeCorruptError(`${homePath(home, 'deviceKey')} does not hold a device key: ${err?.message ?? err}`, { home, path: homePath(home, 'deviceKey') }, { cause: err })
  }
}

/**
 * The wallet a home's vault.keys names while its certificate (device.cert, the file whose
 * presence marks a home set up, written last) is gone: a home that was set up, or began to be,
 * and lost it. Only that wallet may set it up again, keeping its keys (enrol()): another, or one
 * generated for it, would replace the keys its stored entries are sealed under. Undefined for a
 * home with its certificate, or without vault.keys.
 */
export async function walletWithoutCertificate (home: string): Promise<WalletAddress | undefined> {
  return (await keysWithoutCertificate(home))?.wallet
}

/** The same, with the keys the home holds. A home that holds an unfinished pairing instead: UnfinishedPairing's error. */
async function keysWithoutCertificate (home: string): Promise<{ wallet: WalletAddress, keys: VaultKeys } | undefined> {
  if (await isInitialized(home)) return undefined
  if (await unfinishedPairing(home) !== undefined) throw unfinishedPairingError(home)
  return await keyFileOf(home)
}

/**
 * A pairing that stopped before its certificate was written (HOME_FILES.pairing): the home's
 * entries from before it began (undefined: there was no home), or undefined when there is none.
 */
export async function unfinishedPairing (home: string): Promise<{ before: string[] | undefined } | undefined> {
  if (await isInitialized(home)) return undefined
  const text = await readHomeText(home, 'pairing')
  if (text === undefined) return undefined
  try {
    const v = JSON.parse(text) as { before?: unknown }
    return { before: Array.isArray(v.before) ? v.before.filter((n): n is string => typeof n === 'string') : undefined }
  } catch {
    // Cut short as it was written: nothing of the pairing was written after it, nor was the home's.
    return { before: [] }
  }
}

/** What every command but `mesh pair` says of a home that holds an unfinished pairing. */
export function unfinishedPairingError (home: string): HomeNotInitializedError {
  return new HomeNotInitializedError(`home ${home} is not set up: a pairing into it stopped before it finished (no certificate was written)`, { home, unfinishedPairing: true, path: homePath(home, 'pairing') }, {
    hint: {
      sep: '. ',
      cli: `Pair this machine again: \`mesh pair --home ${home}\` clears what that one began, and asks for the device it was granted (\`mesh devices\` on the approving device lists it as never seen until then)`,
      mcp: 'A person pairs this machine again (`mesh pair`), which clears what that one began'
    }
  })
}

/** The wallet a home's vault belongs to (its vault.keys names it), if the home holds one: the one a paired device, which has no wallet, was paired into. */
export async function homeWallet (home: string): Promise<WalletAddress | undefined> {
  return (await keyFileOf(home))?.wallet
}

/** The home's vault.keys, read, if it holds one. */
async function keyFileOf (home: string): Promise<{ wallet: WalletAddress, keys: VaultKeys } | undefined> {
  const text = await readHomeText(home, 'vaultKeys')
  return text === undefined ? undefined : decodeKeyFile(text, homePath(home, 'vaultKeys'))
}

/**
 * Throws certificateLostError for a home that lost its certificate (walletWithoutCertificate), or
 * unfinishedPairingError for one whose pairing stopped part-way; what every opener of a home not
 * set up asks first. `pairing`: asked by `mesh pair`, which takes up an unfinished pairing's home.
 */
export async function refuseIfCertificateLost (home: string, opts: { pairing?: boolean } = {}): Promise<void> {
  if (opts.pairing === true && await unfinishedPairing(home) !== undefined) return
  const stranded = await walletWithoutCertificate(home)
  if (stranded !== undefined) throw certificateLostError(home, stranded)
}

/** What a command that needs a home set up says of one that lost its certificate (walletWithoutCertificate). */
export function certificateLostError (home: string, wallet: WalletAddress): HomeCorruptError {
  return new HomeCorruptError(`home ${home} has lost its certificate (${HOME_FILES.certificate}); its ${HOME_FILES.vaultKeys} belongs to wallet ${wallet}`, { home, homeWallet: wallet, path: homePath(home, 'certificate') }, {
    hint: {
      sep: '. ',
      cli: `Certify this device again with that wallet: \`mesh init --home ${home} --wallet PATH\`; a device paired without the wallet pairs again into a new home (\`mesh pair --home DIR\`)`,
      mcp: 'No tool can mend it: a person certifies this device again with that wallet, on this machine; a device paired without the wallet is paired again, into a new home'
    }
  })
}

/** Moves a certificate that does not verify aside (`device.cert.damaged-<ms>`), kept for a person; returns where. */
export async function setAsideCertificate (home: string): Promise<string> {
  const path = homePath(home, 'certificate')
  const aside = `${path}.damaged-${Date.now()}`
  await rename(path, aside)
  await fsyncDir(home)
  return aside
}

export async function loadIdentity (home: string): Promise<HomeIdentity> {
  const keyText = new TextDecoder().decode(await readHomeFile(home, 'vaultKeys'))
  const { wallet, keys } = decodeKeyFile(keyText, homePath(home, 'vaultKeys'))
  const device = await readDeviceKey(home)
  const walletKey = fromBase58(wallet)
  let certificate: Certificate
  try {
    // An expired certificate still opens its home, to read: the vault does not write with it.
    certificate = verifyAnyCertificate(await readHomeFile(home, 'certificate'), { wallet: walletKey, deviceKey: device.publicKey, expiry: false })
  } catch (err: any) {
    if (err?.code === 'HOME_NOT_INITIALIZED') throw err
    throw new HomeCorruptError(`the certificate in ${home} does not verify: ${err?.message}`, { home, file: homePath(home, 'certificate') }, {
      cause: err,
      hint: { sep: '. ', cli: 'Run `mesh init` with the wallet to re-issue it', mcp: 'No tool can mend it: a person re-issues it with the wallet, on this machine' }
    })
  }
  return { home, wallet, walletKey, device, certificate, keys }
}

/**
 * A device's label, refused (INVALID_INPUT) when no device could show it as it is: empty, with
 * control or bidi characters (a terminal would obey them), or longer than a certificate holds
 * (it was cut there without a word). The rule the pairing protocol applies to the label a new
 * device asks for (protocols/pair checkRequest), so a label given here is one pairing would take.
 * `named`: how the message names it (`--label` in the CLI).
 */
export function checkLabel (label: string, named = 'the label'): string {
  const cut = label.length > 40 ? `${label.slice(0, 40)}…` : label
  // Named by its flag, the fix is plain; otherwise (a hostname, the SDK's label) where to give another.
  const options = named === 'the label' ? { hint: { cli: 'give another with --label NAME', sep: '; ' } } : undefined
  // A control or bidi character is named as every refusal of one names it (U+001B at character
  // 5), the label not shown: it would have to be escaped to be, another notation to read.
  const c = charAt(label, UNSAFE_TEXT)
  if (c !== undefined) {
    throw new InvalidInputError(`${named} has a control or bidi character (${c.cp}) at character ${c.at + 1}, which a terminal showing it would obey; write the label without it`, { label: cut }, options)
  }
  const problem = label.trim() === ''
    ? 'is empty: other devices name this one by it'
    : label.length > MAX_LABEL ? `is ${label.length} characters long, over the ${MAX_LABEL} a certificate holds` : undefined
  if (problem === undefined) return label
  throw new InvalidInputError(`${named} "${cut}" ${problem}`, { label: cut }, options)
}

/** Creates the home, or re-issues its certificate (new label or capabilities) for the same wallet. */
export async function enrol (home: string, wallet: Wallet, opts: EnrolOptions = {}): Promise<HomeIdentity> {
  // Before anything is written: a label no certificate should carry.
  const label = checkLabel(opts.label ?? hostname())
  await ensureHomeDir(home)
  let device: DeviceKey
  let previous: Certificate | undefined
  // A home that lost its certificate: its own wallet only, and its keys are kept (a paired
  // device's hold epochs the wallet's seed alone does not give).
  const stranded = await keysWithoutCertificate(home)
  if (stranded !== undefined && stranded.wallet !== wallet.address) throw WalletMismatchError.forHome(home, stranded.wallet, wallet)
  const kept = stranded?.keys
  if (await isInitialized(home)) {
    const existing = await loadIdentity(home)
    if (existing.wallet !== wallet.address) {
      throw WalletMismatchError.forHome(home, existing.wallet, wallet)
    }
    // Revocation is terminal per device key: a certificate the wallet issued it now would be
    // refused by every peer, while this home printed it as granted.
    const revoked = await revocationOfHome(existing)
    if (revoked !== undefined) throw revokedHomeError(home, existing.certificate.label, revoked)
    device = existing.device
    previous = existing.certificate
  } else {
    try {
      device = deviceKeyFromBytes(await readHomeFile(home, 'deviceKey'))
    } catch {
      device = await generateDeviceKey()
      await writeHomeFile(home, 'deviceKey', deviceKeyToBytes(device))
    }
  }
  const seedSignature = vaultSeedSignature(wallet)
  const keys = previous !== undefined ? (await loadIdentity(home)).keys : kept ?? deriveVaultKeys(seedSignature)
  const caps: Capability[] = opts.readOnly === true ? ['read'] : ['read', 'write']
  // Strictly later than the certificate it replaces: the newest issue governs on every node.
  const issuedAt = Math.max(Date.now(), (previous?.issuedAt ?? 0) + 1)
  let cutoff: Cutoff | undefined
  if (previous !== undefined) cutoff = await recordCutoff(home, wallet, device.publicKey, issuedAt)
  // A downgrade to read-only keeps today's version 2 certificate, which names its cutoff. Anything
  // else is a version 3 certificate from the wallet, recorded in the registry: a writer becomes an
  // admin that enrols further devices without the wallet (issue 14), a first one writes the genesis.
  const certificate = previous !== undefined && opts.readOnly === true
    ? issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: caps, label, expiresAt: opts.expiresAt, issuedAt, cutoff: cutoff?.digest })
    : issueChainCertificate(wallet, undefined, {
      deviceKey: device.publicKey,
      kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey,
      capabilities: opts.readOnly === true || opts.admin === false ? caps : ['read', 'write', 'admin'],
      pathLen: opts.readOnly === true || opts.admin === false ? 0 : opts.pathLen ?? 1,
      label,
      expiresAt: opts.expiresAt,
      issuedAt
    })
  if (certificate.version === 3) await recordEnrolment(home, wallet, seedSignature, certificate.bytes)
  await writeHomeFile(home, 'vaultKeys', encodeKeyFile(wallet.address, keys))
  // The certificate is written last: its presence marks the home as initialized.
  await writeHomeFile(home, 'certificate', certificate.bytes)
  return { home, wallet: wallet.address, walletKey: wallet.publicKey, device, certificate, keys, cutoff }
}

/** How this home's device was revoked, as its registry on disk says; undefined if it was not. */
export async function revocationOfHome (id: HomeIdentity): Promise<{ at: number, by: string[], reason: string } | undefined> {
  // No log yet (a home from before the registry that never stored anything): no registry, no revoke.
  if (!(await exists(join(id.home, 'data', 'log')))) return undefined
  const store = await EntryStore.open(join(id.home, 'data'), { certificates: certificateRecordSealer(id.keys), readOnly: true })
  try {
    const certs = new CertRegistry(id.walletKey, id.keys)
    certs.add(id.certificate.bytes)
    for (const c of store.certificates()) {
      try { certs.add(c, { stored: true }) } catch { /* judged again when the vault opens; only a revoke read here counts */ }
    }
    return certs.revocationOf(id.device.publicKey)
  } finally {
    await store.close()
  }
}

async function exists (path: string): Promise<boolean> {
  try { await access(path); return true } catch (err: any) { if (err?.code === 'ENOENT') return false; throw err }
}

/**
 * DEVICE_REVOKED for a home whose device was revoked, asked to be certified again (a label, a
 * role): said as `mesh status` says it, with how to bring the machine back, which takes a new
 * device key. `when`: how the time is shown (the CLI shows local time).
 */
export function revokedHomeError (home: string, label: string, r: { at: number, by: readonly string[], reason: string }, when: (t: number) => string = messageTime): DeviceRevokedError {
  return new DeviceRevokedError(`this device (${label}, home ${home}) was revoked by ${r.by.join(', ')} at ${when(r.at)}${r.reason !== '' ? ` (${r.reason})` : ''}: its key can never be certified again, so this home cannot be given another label or role`, { home, revokedAt: r.at, revokedBy: [...r.by], reason: r.reason }, {
    hint: {
      sep: '. ',
      cli: `To bring this machine back, give it a new device key in a new home: pair it (\`mesh pair --home NEWDIR\`, approved on an admin device), or with the wallet \`mesh init --home NEWDIR --wallet PATH\`; then run it with \`mesh join --home NEWDIR\`. Or move ${home} aside (it keeps what this device held) and do the same with ${home}`
    }
  })
}

/**
 * Writes the wallet's registry operations for a wallet-issued certificate into the home's log: the
 * genesis (the recovery key) unless the log holds one, then the enrolment. Any genesis of a vault
 * names the same recovery key, so one made on a machine that had not yet synced the registry is
 * harmless. Called with the home locked.
 */
async function recordEnrolment (home: string, wallet: Wallet, seedSignature: Uint8Array, certificate: Uint8Array): Promise<void> {
  const store = await EntryStore.open(join(home, 'data'))
  try {
    const certs = new CertRegistry(wallet.publicKey)
    for (const c of store.certificates()) {
      // Sealed records (which this store, opened without the key, cannot read) are skipped by it.
      try { certs.add(c, { stored: true }) } catch { /* judged again when the vault opens; enrolment does not depend on it */ }
    }
    if (certs.state.recoveryKem === undefined) {
      const genesis = authorOp(certs, wallet.publicKey, wallet, { genesis: { recoveryKem: recoveryKem(seedSignature).publicKey } })
      certs.add(genesis.bytes)
      await store.putCertificate(genesis.bytes)
    }
    const op = authorOp(certs, wallet.publicKey, wallet, { enrol: { certificate } })
    await store.putCertificate(op.bytes)
  } finally {
    await store.close()
  }
}

/**
 * Signs this device's own vector (per document and lane, the highest sequence number it holds of
 * its own entries) as a cutoff and stores it in the home's log beside the certificates, so it is
 * sent to every peer before any entry. Called with the home locked.
 */
async function recordCutoff (home: string, wallet: Wallet, me: Uint8Array, issuedAt: number): Promise<Cutoff> {
  const store = await EntryStore.open(join(home, 'data'))
  try {
    const docs: DocCutoff[] = []
    // Snapshot numbers are this device's clock when it made them (vault-snapshots.ts): the issue time,
    // taken on this same clock, bounds them all, unless the clock went back since.
    let snapshotsThrough = BigInt(issuedAt)
    for (const doc of store.docIds()) {
      const lanes: Array<{ lane: number, seq: bigint }> = []
      for (const key of store.vector(doc).keys()) {
        const s = parseStreamKey(key)
        if (!equals(s.author, me)) continue
        const seq = store.maxSeq(doc, me, s.lane)
        if (seq > 0) lanes.push({ lane: s.lane, seq: BigInt(seq) })
      }
      if (lanes.length > 0) docs.push({ doc, lanes })
      for (const snap of store.snapshots(doc)) if (equals(snap.header.author, me) && snap.header.seq > snapshotsThrough) snapshotsThrough = snap.header.seq
    }
    const cutoff = issueCutoff(wallet, { device: me, issuedAt, docs, snapshotsThrough })
    await store.putCertificate(cutoff.bytes)
    // Its parts after it (a reader refuses a part before the cutoff that names it).
    for (const p of cutoff.partRecords ?? []) await store.putCertificate(p.bytes)
    return cutoff
  } finally {
    await store.close()
  }
}

/**
 * Creates the home of a device enrolled by an admin device, without the wallet (pairing by code):
 * its device key, the certificate the admin issued (with its chain), the vault keys it is
 * entitled to (the admin's epoch keys, the document-id and rendezvous keys; never a key-wrapping
 * key, which nothing uses), and the registry's records, so that it knows the registry before it
 * meets anyone. The certificate is written last: its presence marks the home as initialized.
 */
export async function writeEnrolledHome (home: string, e: { wallet: WalletAddress, device: DeviceKey, certificate: Uint8Array, keys: Pick<VaultKeys, 'epochs' | 'docIdKey' | 'rendezvous'>, records: readonly Uint8Array[] }): Promise<HomeIdentity> {
  await ensureHomeDir(home)
  const walletKey = fromBase58(e.wallet)
  const certificate = verifyAnyCertificate(e.certificate, { wallet: walletKey, deviceKey: e.device.publicKey, expiry: false })
  await writeHomeFile(home, 'deviceKey', deviceKeyToBytes(e.device))
  const epochs = new Map(e.keys.epochs)
  const keys: VaultKeys = { epochs, currentEpoch: Math.max(...epochs.keys()), keyWrap: new Uint8Array(32), docIdKey: e.keys.docIdKey, rendezvous: e.keys.rendezvous }
  const store = await EntryStore.open(join(home, 'data'))
  try {
    for (const r of e.records) await store.putCertificate(r)
  } finally {
    await store.close()
  }
  await writeHomeFile(home, 'vaultKeys', encodeKeyFile(e.wallet, keys))
  await writeHomeFile(home, 'certificate', certificate.bytes)
  return { home, wallet: e.wallet, walletKey, device: e.device, certificate, keys }
}
