/**
 * Computes the known-answer vectors from fixed inputs. `node dist/test/vectors/compute.js`
 * prints them; test/vectors/vectors.json is that output, frozen, and vectors.test.ts checks
 * that today's code still produces every byte of it.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sealUpdate, sealUpdates } from '../../crdt/index.js'
import {
  deriveVaultKeys, docIdFor, docKey, issueCertificate, issueCutoff, prevOf, rendezvousFor, signerFromSeed, toHex, utf8,
  VAULT_SEED_MESSAGE, vaultSeedSignature, walletFromSeed
} from '../../src/identity/index.js'

export const INPUTS = {
  walletSeed: '0101010101010101010101010101010101010101010101010101010101010101',
  deviceSeed: '0202020202020202020202020202020202020202020202020202020202020202',
  issuedAt: 1767225600000,
  label: 'vector-laptop',
  docName: 'mesh/doc/session/v1/agent:main:vectors',
  day: '2026-01-01',
  seq: 1,
  nonce: '000102030405060708090a0b',
  update: 'hello, mesh',
  /** An entry of kind `updates`: these two updates, in lane 1, sequence 2. */
  updates: ['hello, ', 'mesh'],
  updatesNonce: '0c0d0e0f1011121314151617',
  /** The next entry of that lane (sequence 3): it names the `updates` entry's body by its SHA-256 (`prev`). */
  chainedUpdate: '!',
  chainedNonce: '18191a1b1c1d1e1f20212223',
  /** The device re-enrolled read-only a millisecond later: its cutoff (40 in lane 0, 2 in lane 1) and version 2 certificate. */
  reissuedAt: 1767225600001,
  cutoffLanes: [[0, 40], [1, 2]] as Array<[number, number]>
}

export async function computeVectors (): Promise<Record<string, unknown>> {
  const wallet = walletFromSeed(Buffer.from(INPUTS.walletSeed, 'hex'))
  const sig = vaultSeedSignature(wallet)
  const keys = deriveVaultKeys(sig)
  const devKey = await generateKeyPairFromSeed('Ed25519', Buffer.from(INPUTS.deviceSeed, 'hex'))
  const devicePublicKey = devKey.publicKey.raw
  const cert = issueCertificate(wallet, { deviceKey: devicePublicKey, capabilities: ['read', 'write'], label: INPUTS.label, issuedAt: INPUTS.issuedAt })
  const doc = docIdFor(keys, INPUTS.docName)
  const signer = signerFromSeed(Buffer.from(INPUTS.deviceSeed, 'hex'), devicePublicKey)
  const entry = sealUpdate({ keys, signer }, doc, BigInt(INPUTS.seq), utf8(INPUTS.update), { nonce: Buffer.from(INPUTS.nonce, 'hex') })
  const cutoff = issueCutoff(wallet, { device: devicePublicKey, issuedAt: INPUTS.reissuedAt, docs: [{ doc, lanes: INPUTS.cutoffLanes.map(([lane, seq]) => ({ lane, seq: BigInt(seq) })) }], snapshotsThrough: BigInt(INPUTS.reissuedAt) })
  const certV2 = issueCertificate(wallet, { deviceKey: devicePublicKey, capabilities: ['read'], label: INPUTS.label, issuedAt: INPUTS.reissuedAt, cutoff: cutoff.digest })
  const updatesEntry = sealUpdates({ keys, signer }, doc, 2n, INPUTS.updates.map(utf8), { lane: 1, nonce: Buffer.from(INPUTS.updatesNonce, 'hex') })
  const chainedEntry = sealUpdates({ keys, signer }, doc, 3n, [utf8(INPUTS.chainedUpdate)], { lane: 1, nonce: Buffer.from(INPUTS.chainedNonce, 'hex'), prev: prevOf(updatesEntry) })
  return {
    inputs: INPUTS,
    walletAddress: wallet.address,
    walletPublicKey: toHex(wallet.publicKey),
    vaultSeedMessage: VAULT_SEED_MESSAGE,
    vaultSeedSignature: toHex(sig),
    vaultKeyEpoch0: toHex(keys.epochs.get(0) as Uint8Array),
    keyWrapKey: toHex(keys.keyWrap as Uint8Array),
    docIdKey: toHex(keys.docIdKey),
    rendezvousKey: toHex(keys.rendezvous),
    rendezvousOfDay: toHex(rendezvousFor(keys, INPUTS.day)),
    docId: toHex(doc),
    docKeyEpoch0: toHex(docKey(keys, 0, doc)),
    devicePublicKey: toHex(devicePublicKey),
    deviceId: peerIdFromPrivateKey(devKey).toString(),
    certificate: toHex(cert.bytes),
    entry: toHex(entry.bytes),
    updatesEntry: toHex(updatesEntry.bytes),
    chainedEntry: toHex(chainedEntry.bytes),
    cutoff: toHex(cutoff.bytes),
    cutoffDigest: toHex(cutoff.digest),
    certificateV2: toHex(certV2.bytes)
  }
}

if (process.argv[1]?.endsWith('compute.js') === true) {
  process.stdout.write(JSON.stringify(await computeVectors(), null, 2) + '\n')
}
