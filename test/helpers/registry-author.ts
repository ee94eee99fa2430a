/**
 * Registry operations made by hand for tests of the registry's evaluation: an author (the wallet
 * or a device's signer) signing operations in sequence, each naming the operations given as its
 * past, and the seed a device's KEM key derives from.
 */
import { signRegistryOp, type DeviceKey, type OpBody, type RegistryOp } from '../../src/identity/index.js'

export const seedOf = (d: DeviceKey): Uint8Array => d.privateKey.raw.subarray(0, 32)

/** `signer`'s operations for the vault of `wallet` (its public key), numbered 1, 2, … as made. */
export function author (signer: { publicKey: Uint8Array, sign: (m: Uint8Array) => Uint8Array }, wallet: Uint8Array): (body: OpBody, prev: RegistryOp[]) => RegistryOp {
  let seq = 0n
  return (body, prev) => signRegistryOp(signer, { wallet, seq: ++seq, prev: prev.map(o => o.hash), ...body })
}
