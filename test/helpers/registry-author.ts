/**
 * Registry operations made by hand for tests of the registry's evaluation: an author (the wallet
 * or a device's signer) signing operations in sequence, each naming the operations given as its
 * past, the seed a device's KEM key derives from, and a run of enrolments made by a vault's device.
 */
import { deviceKem, generateDeviceKey, issueChainCertificate, signRegistryOp, toHex, type ChainCertificate, type DeviceKey, type OpBody, type RegistryOp } from '../../src/identity/index.js'
import type { MeshVault } from '../../src/sdk/index.js'

export const seedOf = (d: DeviceKey): Uint8Array => d.privateKey.raw.subarray(0, 32)

/** `signer`'s operations for the vault of `wallet` (its public key), numbered 1, 2, … as made. */
export function author (signer: { publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array }, wallet: Uint8Array): (body: OpBody, prev: RegistryOp[]) => RegistryOp {
  let seq = 0n
  return (body, prev) => signRegistryOp(signer, { wallet, seq: ++seq, prev: prev.map(o => o.hash), ...body })
}

/**
 * `n` enrolments of read-only devices signed by the admin device of `vault`, one after another,
 * continuing its own sequence (the registry a vault builds as it pairs devices), as records.
 */
export async function enrolments (vault: MeshVault, n: number): Promise<Uint8Array[]> {
  const v = vault.vault
  const me = v.identity.device
  const mine = v.identity.certificate as ChainCertificate
  let prev = v.certs.state.heads
  let seq = 0n
  for (const op of v.certs.registryOps()) if (toHex(op.author) === toHex(me.publicKey) && op.seq > seq) seq = op.seq
  const out: Uint8Array[] = []
  for (let i = 0; i < n; i++) {
    const d = await generateDeviceKey()
    const c = issueChainCertificate(me, mine, { deviceKey: d.publicKey, kemKey: deviceKem(seedOf(d)).publicKey, capabilities: ['read'], label: `d${i}` })
    const op = signRegistryOp(me.signer, { wallet: v.identity.walletKey, seq: ++seq, prev, enrol: { certificate: c.bytes } })
    prev = [op.hash]
    out.push(op.bytes)
  }
  return out
}
