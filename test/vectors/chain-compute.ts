/**
 * Known answers for issue 14's identity formats: a certificate chain (wallet → admin → device),
 * registry operations (genesis, enrol, revoke, epoch), a device KEM key, the recovery key and an
 * epoch-key wrap with a fixed ephemeral key. `node dist/test/vectors/chain-compute.js` prints them;
 * chain-vectors.json is that output, frozen, and chain-vectors.test.ts checks every byte.
 * Kept apart from vectors.json so that the pairing vectors (CPace) can grow there independently.
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import {
  deviceKem, epochCommitment, issueChainCertificate, recoveryKem, RECOVERY_RECIPIENT, sealPrevious, signerFromSeed, signRegistryOp, toHex,
  vaultSeedSignature, walletFromSeed, wrapEpochKey, deriveVaultKeys
} from '../../src/identity/index.js'

export const CHAIN_INPUTS = {
  walletSeed: '0101010101010101010101010101010101010101010101010101010101010101',
  adminSeed: '0202020202020202020202020202020202020202020202020202020202020202',
  deviceSeed: '0303030303030303030303030303030303030303030303030303030303030303',
  issuedAt: 1767225600000,
  deviceIssuedAt: 1767225660000,
  expiresAt: 1798761600000,
  revokedAt: 1767229200000,
  doc: '0707070707070707070707070707070707070707070707070707070707070707',
  epochKey: '0909090909090909090909090909090909090909090909090909090909090909',
  epoch: 259,
  ephemeral: '0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a',
  recoveryEphemeral: '0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'
}

export async function computeChainVectors (): Promise<Record<string, unknown>> {
  const I = CHAIN_INPUTS
  const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
  const wallet = walletFromSeed(hex(I.walletSeed))
  const seedSig = vaultSeedSignature(wallet)
  const adminPub = (await generateKeyPairFromSeed('Ed25519', hex(I.adminSeed))).publicKey.raw
  const devicePub = (await generateKeyPairFromSeed('Ed25519', hex(I.deviceSeed))).publicKey.raw
  const admin = signerFromSeed(hex(I.adminSeed), adminPub)
  const adminKem = deviceKem(hex(I.adminSeed))
  const deviceKemPair = deviceKem(hex(I.deviceSeed))
  const recovery = recoveryKem(seedSig)
  const adminCert = issueChainCertificate(wallet, undefined, { deviceKey: adminPub, kemKey: adminKem.publicKey, capabilities: ['read', 'write', 'admin'], label: 'vector-desktop', issuedAt: I.issuedAt, pathLen: 1 })
  const deviceCert = issueChainCertificate(admin, adminCert, { deviceKey: devicePub, kemKey: deviceKemPair.publicKey, capabilities: ['read', 'write'], label: 'vector-laptop', issuedAt: I.deviceIssuedAt, expiresAt: I.expiresAt })
  const w = wallet.publicKey
  const genesis = signRegistryOp(wallet, { wallet: w, seq: 1n, prev: [], at: I.issuedAt, genesis: { recoveryKem: recovery.publicKey } })
  const enrolAdmin = signRegistryOp(wallet, { wallet: w, seq: 2n, prev: [genesis.hash], at: I.issuedAt, enrol: { certificate: adminCert.bytes } })
  const enrolDevice = signRegistryOp(admin, { wallet: w, seq: 1n, prev: [enrolAdmin.hash], at: I.deviceIssuedAt, enrol: { certificate: deviceCert.bytes } })
  const revoke = signRegistryOp(admin, {
    wallet: w, seq: 2n, prev: [enrolDevice.hash], at: I.revokedAt,
    revoke: { devices: [{ device: devicePub, docs: [{ doc: hex(I.doc), lanes: [{ lane: 0, seq: 40n }, { lane: 1, seq: 2n }] }], snapshotsThrough: BigInt(I.revokedAt), registrySeq: 0n }], reason: 'stolen' }
  })
  const ctx = { wallet: w, epoch: I.epoch }
  const key = hex(I.epochKey)
  const wrapAdmin = wrapEpochKey(key, { recipient: adminPub, kem: adminKem.publicKey }, ctx, hex(I.ephemeral))
  const wrapRecovery = wrapEpochKey(key, { recipient: RECOVERY_RECIPIENT, kem: recovery.publicKey }, ctx, hex(I.recoveryEphemeral))
  const epoch0 = deriveVaultKeys(seedSig).epochs.get(0) as Uint8Array
  const epoch = signRegistryOp(admin, {
    wallet: w, seq: 3n, prev: [revoke.hash], at: I.revokedAt,
    epoch: { epoch: I.epoch, discharges: [revoke.hash], wraps: [wrapAdmin, wrapRecovery], previous: sealPrevious(key, I.epoch, new Map([[0, epoch0]])), commitment: epochCommitment(key, I.epoch) }
  })
  return {
    inputs: I,
    adminPublicKey: toHex(adminPub),
    devicePublicKey: toHex(devicePub),
    adminKem: toHex(adminKem.publicKey),
    deviceKem: toHex(deviceKemPair.publicKey),
    recoveryKem: toHex(recovery.publicKey),
    adminCertificate: toHex(adminCert.bytes),
    adminCertificateDigest: toHex(adminCert.digest),
    deviceCertificate: toHex(deviceCert.bytes),
    genesis: toHex(genesis.bytes),
    enrolAdmin: toHex(enrolAdmin.bytes),
    enrolDevice: toHex(enrolDevice.bytes),
    revoke: toHex(revoke.bytes),
    revokeHash: revoke.id,
    wrapAdmin: { enc: toHex(wrapAdmin.enc), ciphertext: toHex(wrapAdmin.ciphertext) },
    wrapRecovery: { enc: toHex(wrapRecovery.enc), ciphertext: toHex(wrapRecovery.ciphertext) },
    epochCommitment: toHex(epochCommitment(key, I.epoch)),
    epoch: toHex(epoch.bytes)
  }
}

if (process.argv[1]?.endsWith('chain-compute.js') === true) {
  process.stdout.write(JSON.stringify(await computeChainVectors(), null, 2) + '\n')
}
