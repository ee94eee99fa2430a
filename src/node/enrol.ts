/**
 * Enrolment: with the wallet at hand, create (or re-certify) a home: the device key, the wallet's
 * certificate for it, and the vault keys derived from the wallet's seed signature. Afterwards the
 * home runs without the wallet.
 */
import { hostname } from 'node:os'
import { HomeCorruptError, WalletMismatchError } from '../errors.js'
import {
  deriveVaultKeys, deviceKeyFromBytes, deviceKeyToBytes, fromBase58, generateDeviceKey, issueCertificate,
  vaultSeedSignature, verifyCertificate, type Capability, type Certificate, type DeviceKey, type VaultKeys, type Wallet, type WalletAddress
} from '../identity/index.js'
import { ensureHomeDir, isInitialized, readHomeFile, writeHomeFile, homePath } from '../store/index.js'
import { decodeKeyFile, encodeKeyFile } from './keyfile.js'

export interface HomeIdentity {
  readonly home: string
  readonly wallet: WalletAddress
  readonly walletKey: Uint8Array
  readonly device: DeviceKey
  readonly certificate: Certificate
  readonly keys: VaultKeys
}

export interface EnrolOptions { readOnly?: boolean, label?: string, expiresAt?: number }

export async function loadIdentity (home: string): Promise<HomeIdentity> {
  const keyText = new TextDecoder().decode(await readHomeFile(home, 'vaultKeys'))
  const { wallet, keys } = decodeKeyFile(keyText, homePath(home, 'vaultKeys'))
  const device = deviceKeyFromBytes(await readHomeFile(home, 'deviceKey'))
  const walletKey = fromBase58(wallet)
  let certificate: Certificate
  try {
    certificate = verifyCertificate(await readHomeFile(home, 'certificate'), { wallet: walletKey, deviceKey: device.publicKey })
  } catch (err: any) {
    if (err?.code === 'HOME_NOT_INITIALIZED') throw err
    throw new HomeCorruptError(`the certificate in ${home} does not verify: ${err?.message}. Run \`mesh init\` with the wallet to re-issue it`, { home }, { cause: err })
  }
  return { home, wallet, walletKey, device, certificate, keys }
}

/** Creates the home, or re-issues its certificate (new label or capabilities) for the same wallet. */
export async function enrol (home: string, wallet: Wallet, opts: EnrolOptions = {}): Promise<HomeIdentity> {
  await ensureHomeDir(home)
  let device: DeviceKey
  if (await isInitialized(home)) {
    const existing = await loadIdentity(home)
    if (existing.wallet !== wallet.address) {
      throw new WalletMismatchError(`home ${home} belongs to wallet ${existing.wallet}, not ${wallet.address}`, { home, homeWallet: existing.wallet, wallet: wallet.address })
    }
    device = existing.device
  } else {
    try {
      device = deviceKeyFromBytes(await readHomeFile(home, 'deviceKey'))
    } catch {
      device = await generateDeviceKey()
      await writeHomeFile(home, 'deviceKey', deviceKeyToBytes(device))
    }
  }
  const keys = deriveVaultKeys(vaultSeedSignature(wallet))
  const caps: Capability[] = opts.readOnly === true ? ['read'] : ['read', 'write']
  const certificate = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: caps, label: opts.label ?? hostname(), expiresAt: opts.expiresAt })
  await writeHomeFile(home, 'vaultKeys', encodeKeyFile(wallet.address, keys))
  // The certificate is written last: its presence marks the home as initialized.
  await writeHomeFile(home, 'certificate', certificate.bytes)
  return { home, wallet: wallet.address, walletKey: wallet.publicKey, device, certificate, keys }
}
