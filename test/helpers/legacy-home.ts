/**
 * A home as the release before issue 14 made it (main at e01fe5f, `mesh init`): a device key, a
 * version 1 certificate signed by the wallet, vault.keys with the seed-derived keys, a lane file,
 * and no registry. This is that release's first-enrolment path (src/node/enrol.ts then), kept here
 * step for step; test/vectors/vectors.json proves issueCertificate and the key derivation still
 * produce its bytes, and the entry format (epoch 0) is unchanged.
 */
import {
  deriveVaultKeys, deviceKeyToBytes, generateDeviceKey, issueCertificate, vaultSeedSignature, type Wallet
} from '../../src/identity/index.js'
import { encodeKeyFile } from '../../src/node/keyfile.js'
import { Lane } from '../../src/node/lane.js'
import { ensureHomeDir, writeHomeFile } from '../../src/store/index.js'

export async function legacyHome (home: string, wallet: Wallet, opts: { label: string, readOnly?: boolean }): Promise<{ deviceKey: Uint8Array, deviceId: string }> {
  await ensureHomeDir(home)
  const device = await generateDeviceKey()
  await writeHomeFile(home, 'deviceKey', deviceKeyToBytes(device))
  const keys = deriveVaultKeys(vaultSeedSignature(wallet))
  const certificate = issueCertificate(wallet, { deviceKey: device.publicKey, capabilities: opts.readOnly === true ? ['read'] : ['read', 'write'], label: opts.label, issuedAt: Date.now() })
  if (certificate.version !== 1) throw new Error('the release before issue 14 wrote version 1 certificates')
  await writeHomeFile(home, 'vaultKeys', encodeKeyFile(wallet.address, keys))
  await writeHomeFile(home, 'certificate', certificate.bytes)
  await Lane.create(home)
  return { deviceKey: device.publicKey, deviceId: device.deviceId }
}
