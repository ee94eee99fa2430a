/**
 * Frozen known answers for the membership handshake (protocols/membership/SPEC.md): the membership
 * key from the frozen rendezvous key, both tags and the signed challenge for fixed nonces and
 * PeerIds. The same bytes are also rebuilt here from the SPEC's layout with node:crypto alone, so
 * the SPEC, not only the code, is what a second implementation reads.
 */
import { createHmac, hkdfSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { certificateChallenge, matchTag, membershipTag } from '../../protocols/membership/proof.js'
import { fromHex, membershipKey, toHex } from '../../src/identity/index.js'

const frozen = JSON.parse(readFileSync(new URL('./membership.json', import.meta.url), 'utf8'))
const base = JSON.parse(readFileSync(new URL('./vectors.json', import.meta.url), 'utf8'))

async function peer (seed: string): Promise<ReturnType<typeof peerIdFromPrivateKey>> {
  return peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', Buffer.from(seed, 'hex')))
}

async function compute (): Promise<Record<string, unknown>> {
  const { initiatorSeed, responderSeed, nI, nR } = frozen.inputs
  const i = await peer(initiatorSeed)
  const r = await peer(responderSeed)
  const mk = membershipKey({ rendezvous: fromHex(base.rendezvousKey) })
  return {
    inputs: frozen.inputs,
    rendezvousKey: base.rendezvousKey,
    initiator: i.toString(),
    responder: r.toString(),
    membershipKey: toHex(mk),
    initiatorTag: toHex(membershipTag(mk, 'initiator', fromHex(nI), new Uint8Array(0), i, r)),
    responderTag: toHex(membershipTag(mk, 'responder', fromHex(nI), fromHex(nR), r, i)),
    initiatorSigned: toHex(certificateChallenge(fromHex(nR), i, r)),
    responderSigned: toHex(certificateChallenge(fromHex(nI), r, i))
  }
}

const lv = (b: Buffer): Buffer => Buffer.concat([Buffer.of(b.byteLength), b]) // every length here is < 128
const s = (domain: string, payload: Buffer): Buffer => Buffer.concat([lv(Buffer.from(domain)), payload])

describe('membership vectors', () => {
  it('today\'s code reproduces every frozen byte', async () => {
    expect(await compute()).toEqual(frozen)
  })

  it('the SPEC\'s byte layout, rebuilt with node:crypto alone, gives the same bytes', async () => {
    const i = Buffer.from((await peer(frozen.inputs.initiatorSeed)).toMultihash().bytes)
    const r = Buffer.from((await peer(frozen.inputs.responderSeed)).toMultihash().bytes)
    const nI = Buffer.from(frozen.inputs.nI, 'hex')
    const nR = Buffer.from(frozen.inputs.nR, 'hex')
    const mk = Buffer.from(hkdfSync('sha256', Buffer.from(base.rendezvousKey, 'hex'), 'mesh/hkdf-salt/v1', 'mesh/membership-key/v1', 32))
    expect(mk.toString('hex')).toBe(frozen.membershipKey)
    const tag = (role: number, a: Buffer, b: Buffer, from: Buffer, to: Buffer): string =>
      createHmac('sha256', mk).update(s('mesh/membership-tag/v1', Buffer.concat([Buffer.of(role), lv(a), lv(b), lv(from), lv(to)]))).digest('hex')
    expect(tag(1, nI, Buffer.alloc(0), i, r)).toBe(frozen.initiatorTag)
    expect(tag(2, nI, nR, r, i)).toBe(frozen.responderTag)
    expect(s('mesh/membership/v2', Buffer.concat([nR, i, r])).toString('hex')).toBe(frozen.initiatorSigned)
    expect(s('mesh/membership/v2', Buffer.concat([nI, r, i])).toString('hex')).toBe(frozen.responderSigned)
  })

  it('a tag verifies only under its key, role, nonces and PeerIds in order', async () => {
    const i = await peer(frozen.inputs.initiatorSeed)
    const r = await peer(frozen.inputs.responderSeed)
    const mk = fromHex(frozen.membershipKey)
    const other = new Uint8Array(32).fill(7)
    const nI = fromHex(frozen.inputs.nI)
    const nR = fromHex(frozen.inputs.nR)
    const t = fromHex(frozen.responderTag)
    expect(matchTag([other, mk], t, 'responder', nI, nR, r, i)).toEqual(mk)
    expect(matchTag([other], t, 'responder', nI, nR, r, i)).toBeUndefined()
    expect(matchTag([mk], t, 'initiator', nI, nR, r, i)).toBeUndefined() // reflected as the other role
    expect(matchTag([mk], t, 'responder', nI, nR, i, r)).toBeUndefined() // PeerIds swapped
    expect(matchTag([mk], t, 'responder', nR, nI, r, i)).toBeUndefined() // nonces swapped
    expect(matchTag([mk], t.subarray(0, 31), 'responder', nI, nR, r, i)).toBeUndefined()
  })
})
