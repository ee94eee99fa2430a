/**
 * The membership key: the secret two peers prove to each other, bound to both PeerIds, before
 * either shows its certificate (protocols/membership/SPEC.md). It is derived from the rendezvous
 * key, not from an epoch's vault key, because a blind mirror must prove membership too and holds
 * no vault key: what it needs to find and enter the mesh (the rendezvous key) is all it needs here,
 * and the membership key opens nothing. Every home made so far holds the rendezvous key in
 * vault.keys, so no home needs migrating.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { utf8 } from './bytes.js'
import { LABEL } from './domains.js'
import type { VaultKeys } from './keys.js'

export function membershipKey (keys: Pick<VaultKeys, 'rendezvous'>): Uint8Array {
  return hkdf(sha256, keys.rendezvous, utf8(LABEL.salt), utf8(LABEL.membershipKey), 32)
}
