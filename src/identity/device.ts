/**
 * The device key: each home's own libp2p Ed25519 private key, which is the machine's PeerId.
 * Persisted as libp2p's protobuf encoding; the same key signs this device's log entries.
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Ed25519PrivateKey, PrivateKey } from '@libp2p/interface'
import { InvalidInputError } from '../errors.js'
import { equals } from './bytes.js'
import { publicKeyOfSeed, signerFromSeed, type Ed25519Signer } from './ed25519.js'
import type { DeviceId } from './certificate.js'

export interface DeviceKey {
  readonly privateKey: Ed25519PrivateKey
  readonly publicKey: Uint8Array
  readonly deviceId: DeviceId
  readonly signer: Ed25519Signer
}

function fromPrivate (pk: PrivateKey): DeviceKey {
  if (pk.type !== 'Ed25519') throw new InvalidInputError(`device key must be Ed25519, got ${pk.type}`)
  const raw = pk.raw // 64 bytes: seed || public key
  const publicKey = pk.publicKey.raw
  // libp2p takes the stored public half as it is: a damaged seed would sign every entry (and the
  // transport's handshake) with a key no one can verify under this PeerId, and each append would
  // "succeed" and then never open.
  if (!equals(publicKeyOfSeed(raw.subarray(0, 32)), publicKey)) throw new InvalidInputError('the device key\'s secret half does not give its public half (the file is damaged)')
  return {
    privateKey: pk,
    publicKey,
    deviceId: peerIdFromPrivateKey(pk).toString() as DeviceId,
    signer: signerFromSeed(raw.subarray(0, 32), publicKey)
  }
}

export async function generateDeviceKey (): Promise<DeviceKey> {
  return fromPrivate(await generateKeyPair('Ed25519'))
}

export function deviceKeyFromBytes (bytes: Uint8Array): DeviceKey {
  let pk: PrivateKey
  try {
    pk = privateKeyFromProtobuf(bytes)
  } catch (err) {
    throw new InvalidInputError('device key file is not a libp2p private key', {}, { cause: err })
  }
  return fromPrivate(pk)
}

export function deviceKeyToBytes (key: DeviceKey): Uint8Array {
  return privateKeyToProtobuf(key.privateKey)
}
