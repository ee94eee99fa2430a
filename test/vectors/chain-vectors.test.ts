/** Frozen known answers for certificate chains, registry operations and epoch-key wraps (chain-vectors.json). */
import { readFileSync } from 'node:fs'
import { x25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import {
  deviceKem, evaluateRegistry, fromHex, recoveryKem, toHex, unwrapEpochKey, vaultSeedSignature, verifyChainCertificate, verifyRegistryOp, walletFromSeed, wrapsFor, RECOVERY_RECIPIENT
} from '../../src/identity/index.js'
import { computeChainVectors } from './chain-compute.js'

const frozen = JSON.parse(readFileSync(new URL('./chain-vectors.json', import.meta.url), 'utf8'))

describe('chain, registry and wrap vectors', () => {
  it('today\'s code reproduces every frozen byte', async () => {
    expect(await computeChainVectors()).toEqual(frozen)
  })

  it('the frozen chain, registry and wraps verify and open on their own', () => {
    const wallet = walletFromSeed(fromHex(frozen.inputs.walletSeed))
    const c = verifyChainCertificate(fromHex(frozen.deviceCertificate), { wallet: wallet.publicKey, now: frozen.inputs.deviceIssuedAt })
    expect([c.depth, c.label, toHex(c.issuerKey), toHex(c.parent as Uint8Array)]).toEqual([1, 'vector-laptop', frozen.adminPublicKey, frozen.adminCertificateDigest])
    const ops = ['genesis', 'enrolAdmin', 'enrolDevice', 'revoke', 'epoch'].map(k => verifyRegistryOp(fromHex(frozen[k]), { wallet: wallet.publicKey }))
    const st = evaluateRegistry(ops, { wallet: wallet.publicKey })
    expect(st.devices.get(frozen.devicePublicKey)?.active).toBe(false)
    expect(st.owed).toEqual([])
    const ctx = { wallet: wallet.publicKey, epoch: frozen.inputs.epoch }
    const mine = wrapsFor(st, fromHex(frozen.adminPublicKey))[0]
    expect(toHex(unwrapEpochKey(mine?.wrap as any, deviceKem(fromHex(frozen.inputs.adminSeed)), ctx))).toBe(frozen.inputs.epochKey)
    const rec = wrapsFor(st, RECOVERY_RECIPIENT)[0]
    expect(toHex(unwrapEpochKey(rec?.wrap as any, recoveryKem(vaultSeedSignature(wallet)), ctx))).toBe(frozen.inputs.epochKey)
  })

  it('noble\'s X25519 agrees with node:crypto\'s on the wrap\'s shared secret', async () => {
    const { createPrivateKey, createPublicKey, diffieHellman } = await import('node:crypto')
    const e = fromHex(frozen.inputs.ephemeral)
    const kem = fromHex(frozen.adminKem)
    const jwk = (d: Uint8Array | undefined, x: Uint8Array) => ({ kty: 'OKP', crv: 'X25519', x: Buffer.from(x).toString('base64url'), ...(d !== undefined ? { d: Buffer.from(d).toString('base64url') } : {}) })
    const ours = diffieHellman({ privateKey: createPrivateKey({ key: jwk(e, x25519.getPublicKey(e)), format: 'jwk' } as any), publicKey: createPublicKey({ key: jwk(undefined, kem), format: 'jwk' } as any) })
    expect(toHex(new Uint8Array(ours))).toBe(toHex(x25519.getSharedSecret(e, kem)))
    expect(toHex(x25519.getPublicKey(e))).toBe(frozen.wrapAdmin.enc)
  })
})
