/** Builds vaults and raw entries for tests, with real homes on disk. */
import { sealUpdate } from '../../crdt/index.js'
import { generateDeviceKey, generateWallet, issueCertificate, type Capability, type DeviceKey, type Wallet } from '../../src/identity/index.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { tempDir } from './tmp.js'
import { join } from 'node:path'

export async function newVault (opts: { wallet?: Wallet, readOnly?: boolean, label?: string, snapshotEvery?: number, snapshotOnClose?: number, home?: string } = {}): Promise<{ vault: MeshVault, wallet: Wallet, home: string, cleanup: () => Promise<void> }> {
  const t = await tempDir()
  const wallet = opts.wallet ?? generateWallet()
  const home = opts.home ?? join(t.dir, 'home')
  const vault = await openVault({ home, wallet, readOnly: opts.readOnly, label: opts.label ?? 'test', snapshotEvery: opts.snapshotEvery, snapshotOnClose: opts.snapshotOnClose })
  return { vault, wallet, home, cleanup: async () => { await vault.close(); await t.cleanup() } }
}

/** A second device of a wallet, outside any home: its key and certificate. */
export async function foreignDevice (wallet: Wallet, caps: Capability[] = ['read', 'write']): Promise<{ key: DeviceKey, cert: Uint8Array }> {
  const key = await generateDeviceKey()
  const cert = issueCertificate(wallet, { deviceKey: key.publicKey, capabilities: caps, label: 'other' })
  return { key, cert: cert.bytes }
}

export { sealUpdate }
