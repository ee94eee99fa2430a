/**
 * A member (or anyone relaying records) re-encodes someone else's signed record: the same body and
 * signature, two bytes of an unknown field appended. The signature still covers the body, so
 * such a record used to verify; it then compared as newer than the real certificate (which every
 * node then refused at membership as SUPERSEDED_CERTIFICATE), or was another registry operation
 * by its id (a revoke already discharged, owed again: every writer rotated, without end). Each
 * is refused where bytes become a record: nothing changes, nothing is stored or passed on.
 */
import { describe, expect, it } from 'vitest'
import {
  concat, deviceIdFromKey, equals, generateDeviceKey, generateWallet as newWallet, issueCertificate, issueChainCertificate, signRegistryOp, toHex
} from '../../src/identity/index.js'
import { CertRegistry } from '../../src/node/certs.js'
import { generateWallet, until } from '../helpers/nodes.js'
import { rogueMember } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

/** The same signed record with an unknown varint field (15) appended. */
const reEncoded = (bytes: Uint8Array): Uint8Array => concat([bytes, new Uint8Array([0x78, 0x01])])
const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (e: any) { return e.code } }

describe('a signed record re-encoded by someone else', () => {
  it('does not supersede the certificate it copies (versions 1 and 3): its holder is still let in', async () => {
    const wallet = newWallet()
    const W = wallet.publicKey
    const [dev, old] = await Promise.all([generateDeviceKey(), generateDeviceKey()])
    const certs = new CertRegistry(W)
    const genesis = signRegistryOp(wallet, { wallet: W, seq: 1n, prev: [], genesis: { recoveryKem: new Uint8Array(32).fill(1) } })
    certs.add(genesis.bytes)
    const v3 = issueChainCertificate(wallet, undefined, { deviceKey: dev.publicKey, kemKey: new Uint8Array(32).fill(2), capabilities: ['read', 'write'], label: 'laptop' })
    certs.add(signRegistryOp(wallet, { wallet: W, seq: 2n, prev: certs.state.heads, enrol: { certificate: v3.bytes } }).bytes)
    const v1 = issueCertificate(wallet, { deviceKey: old.publicKey, capabilities: ['read', 'write'], label: 'old' })
    certs.add(v1.bytes)
    const held = certs.records().length

    for (const c of [v3, v1]) {
      expect(code(() => certs.add(reEncoded(c.bytes)))).toBe('INVALID_CERTIFICATE')
      expect(code(() => certs.verifyPeer(reEncoded(c.bytes), c.deviceId))).toBe('INVALID_CERTIFICATE')
      expect(certs.verifyPeer(c.bytes, c.deviceId).label).toBe(c.label)
      expect(toHex(certs.get(c.deviceKey)?.bytes ?? new Uint8Array(0))).toBe(toHex(c.bytes))
    }
    expect(certs.records().length).toBe(held)
  })

  it('pushed over sync to a node: its own certificate still governs, and a discharged revoke is not owed again', async () => {
    const wallet = generateWallet()
    const r = await rogueMember(nodes, { wallet })
    const v = r.a.vault.vault
    const own = v.identity.certificate
    const aId = r.a.node.libp2p.peerId.toString()

    // A enrols a device and revokes it; the rotation the revoke owes is made in the same call.
    const x = await generateDeviceKey()
    await v.enrolDevice({ deviceKey: x.publicKey, kemKey: new Uint8Array(32).fill(4), capabilities: ['read', 'write'], label: 'stolen' })
    const { op: revoke, epoch } = await v.revoke([x.publicKey], { reason: 'stolen' })
    expect(epoch).toBeDefined()
    expect(v.certs.state.owed).toEqual([])
    const ops = v.certs.registryOps().length
    const epochs = v.certs.state.epochs.size
    const records = v.certs.records().length

    // B sends both, re-encoded, as records of its sync session.
    const variants = [reEncoded(own.bytes), reEncoded(revoke.bytes)]
    r.send({ certificates: variants })
    const refused = (): number => r.a.events.filter(e => e.type === 'entry-refused' && /one encoding/.test(e.reason)).length
    const held = (): boolean => v.certs.records().some(b => variants.some(x => equals(b, x)))
    await until(() => refused() === 2 || held(), 'A to judge the re-encoded records')

    expect(held()).toBe(false)
    expect(refused()).toBe(2)
    expect(toHex(v.certs.get(own.deviceKey)?.bytes ?? new Uint8Array(0))).toBe(toHex(own.bytes))
    expect(v.certs.verifyPeer(own.bytes, aId).deviceId).toBe(deviceIdFromKey(own.deviceKey))
    expect(v.certs.state.owed).toEqual([])
    expect([v.certs.registryOps().length, v.certs.state.epochs.size, v.certs.records().length]).toEqual([ops, epochs, records])
  })
})
