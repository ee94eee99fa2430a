/** Frozen known answers: every derivation, signature and byte layout, checked against vectors.json. */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import nacl from 'tweetnacl'
import { describe, expect, it } from 'vitest'
import { openUpdate, openUpdates } from '../../crdt/index.js'
import { deriveVaultKeys, fromBase58, fromHex, fromUtf8, signingInput, toHex, DOMAIN, verify, verifyCertificate, verifyCutoff, verifyEntry } from '../../src/identity/index.js'
import { computeVectors } from './compute.js'

const frozen = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'))

describe('known-answer vectors', () => {
  it('today\'s code reproduces every frozen byte', async () => {
    expect(await computeVectors()).toEqual(frozen)
  })

  it('the frozen certificate and entry verify and open on their own', () => {
    const walletKey = fromBase58(frozen.walletAddress)
    const cert = verifyCertificate(fromHex(frozen.certificate), { wallet: walletKey, deviceId: frozen.deviceId, now: frozen.inputs.issuedAt })
    expect(cert.label).toBe('vector-laptop')
    const entry = verifyEntry(fromHex(frozen.entry))
    const keys = deriveVaultKeys(fromHex(frozen.vaultSeedSignature))
    expect(fromUtf8(openUpdate(keys, entry))).toBe(frozen.inputs.update)
    const several = verifyEntry(fromHex(frozen.updatesEntry))
    expect([several.kind, several.lane, several.seq]).toEqual([3, 1, 2n])
    expect(openUpdates(keys, several).map(fromUtf8)).toEqual(frozen.inputs.updates)
    // The next entry of that lane names the one before it: the SHA-256 of its body and signature.
    const chained = verifyEntry(fromHex(frozen.chainedEntry))
    expect([chained.lane, chained.seq, toHex(chained.prev)]).toEqual([1, 3n, createHash('sha256').update(several.body).update(several.signature).digest('hex')])
    expect(fromUtf8(openUpdate(keys, chained))).toBe(frozen.inputs.chainedUpdate)
    const cutoff = verifyCutoff(fromHex(frozen.cutoff), { wallet: walletKey })
    expect(toHex(cutoff.digest)).toBe(frozen.cutoffDigest)
    const v2 = verifyCertificate(fromHex(frozen.certificateV2), { wallet: walletKey, deviceId: frozen.deviceId, now: frozen.inputs.reissuedAt })
    expect([v2.version, v2.capabilities, toHex(v2.cutoff as Uint8Array)]).toEqual([2, ['read'], frozen.cutoffDigest])
  })

  it('tweetnacl and node:crypto agree on ed25519 signatures and verification', () => {
    const seed = fromHex(frozen.inputs.walletSeed)
    const pair = nacl.sign.keyPair.fromSeed(seed)
    const msg = new TextEncoder().encode(frozen.vaultSeedMessage)
    const s = nacl.sign.detached(msg, pair.secretKey)
    expect(Buffer.from(s).toString('hex')).toBe(frozen.vaultSeedSignature)
    expect(verify(pair.publicKey, msg, s)).toBe(true)
    const entry = verifyEntry(fromHex(frozen.entry))
    expect(nacl.sign.detached.verify(signingInput(DOMAIN.entry, entry.body), entry.signature, fromHex(frozen.devicePublicKey))).toBe(true)
  })
})
