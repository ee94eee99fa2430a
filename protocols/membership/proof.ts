/**
 * What each side of the membership handshake computes (SPEC.md, Tags and signatures). A tag
 * proves knowledge of the vault's membership key for this pair of PeerIds and these nonces; a
 * signature binds a certificate to the other side's challenge. Both are bound to the two PeerIds
 * Noise authenticated, in the signer's order, and to a role, so nothing one side sent can be
 * reflected back to it or replayed on another connection.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import { concat, DOMAIN, signingInput, varint } from '../../src/identity/index.js'

export const NONCE_BYTES = 32
export const TAG_BYTES = 32
export const ROLE = { initiator: 1, responder: 2 } as const
export type Role = keyof typeof ROLE

const lv = (b: Uint8Array): Uint8Array => concat([varint(b.byteLength), b])
const id = (p: PeerId): Uint8Array => p.toMultihash().bytes

/**
 * The tag `role` sends: HMAC-SHA256(key, signingInput("mesh/membership-tag/v1",
 * role || lv(nI) || lv(nR) || lv(id(sender)) || lv(id(receiver)))). The initiator's tag is sent
 * before the responder chose a nonce: nR is empty in it.
 */
export function membershipTag (key: Uint8Array, role: Role, nI: Uint8Array, nR: Uint8Array, sender: PeerId, receiver: PeerId): Uint8Array {
  const payload = concat([Uint8Array.of(ROLE[role]), lv(nI), lv(nR), lv(id(sender)), lv(id(receiver))])
  return new Uint8Array(createHmac('sha256', key).update(signingInput(DOMAIN.membershipTag, payload)).digest())
}

/** The first of `keys` under which `tag` verifies, compared in constant time; undefined if none. */
export function matchTag (keys: readonly Uint8Array[], tag: Uint8Array, role: Role, nI: Uint8Array, nR: Uint8Array, sender: PeerId, receiver: PeerId): Uint8Array | undefined {
  if (tag.byteLength !== TAG_BYTES) return undefined
  let found: Uint8Array | undefined
  // Every key is tried whichever matches, so the time taken does not say which one did.
  for (const k of keys) {
    if (timingSafeEqual(membershipTag(k, role, nI, nR, sender, receiver), tag) && found === undefined) found = k
  }
  return found
}

/** What a side signs to present its certificate: the other side's nonce, bound to both PeerIds. */
export function certificateChallenge (nonce: Uint8Array, signer: PeerId, verifier: PeerId): Uint8Array {
  return signingInput(DOMAIN.membershipV2, concat([nonce, id(signer), id(verifier)]))
}
