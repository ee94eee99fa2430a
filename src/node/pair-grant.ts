/**
 * The approver's end of pairing: what a new device receives once its owner said yes. The
 * certificate comes from an issuer (an admin device's chain certificate, see identity/chain.ts);
 * the keys are the read keys every reader holds (epoch keys, the document-id key, the rendezvous
 * key), never the key-wrapping key; the records are every certificate and cutoff this vault
 * knows, so the new device judges entries from its first sync like every other member.
 */
import { bitsToCaps, hasCapability, membershipKey, type Capability, type Certificate } from '../identity/index.js'
import type { Grant, Request } from '../../protocols/pair/index.js'
import { enrolDevice } from './registry-ops.js'
import { checkLabel } from './enrol.js'
import type { Vault } from './vault.js'

/** What the owner grants: the flags of `mesh devices approve`. */
export type Role = 'read-only' | 'read-write' | 'admin' | 'mirror'

/**
 * The reason an approver denies a request with when its device key is one this mesh revoked: a
 * machine paired again after a pairing that stopped once granted asks with the key it was granted
 * then, and on this reason alone (not on an owner's plain no) it asks again with a new key.
 */
export const KEY_REVOKED_REASON = 'this device\'s key was revoked in this mesh: it asks again with a new key'

/** The role a request's capability bits ask for: what an approval grants unless told otherwise. */
export function roleAsked (capabilities: number): Role {
  const asked = bitsToCaps(capabilities)
  if (asked.includes('mirror') && !asked.includes('read')) return 'mirror'
  return asked.includes('write') ? 'read-write' : 'read-only'
}

export function capabilitiesFor (role: Role): Capability[] {
  if (role === 'read-only') return ['read']
  // A blind mirror: stores and forwards sealed entries, holds no key that opens anything.
  if (role === 'mirror') return ['mirror']
  return role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write']
}

/**
 * Certifies the requesting device from this admin device (a chain certificate; a paired admin
 * may not create admins: path_len 0), publishes the enrolment to every peer, and returns the
 * grant. Throws NotAdminError when this device is no admin.
 */
export async function approveRequest (vault: Vault, request: Request, o: { role: Role, transcript: Uint8Array, bootstrap: string[], label?: string }): Promise<{ grant: Grant, certificate: Certificate }> {
  const { certificate, op } = enrolDevice(vault.identity, vault.certs, {
    deviceKey: request.device,
    // A mirror is wrapped no epoch key: its certificate names no KEM key.
    kemKey: o.role !== 'mirror' && request.kem.byteLength === 32 ? request.kem : undefined,
    capabilities: capabilitiesFor(o.role),
    // The request's label was checked with the request; one given here (devices approve --label) by the same rule.
    label: o.label !== undefined ? checkLabel(o.label) : request.label,
    pathLen: 0,
    pairing: o.transcript
  })
  await vault.publish(op)
  return { grant: grantFor(vault, certificate, o.bootstrap), certificate }
}

export function grantFor (vault: Vault, certificate: Certificate, bootstrap: string[]): Grant {
  const id = vault.identity
  const keys = id.keys
  // A certificate without read would get no keys at all (a blind mirror, issue 14 §5).
  const reads = hasCapability(certificate, 'read')
  return {
    wallet: id.walletKey as Uint8Array<ArrayBuffer>,
    certificate: certificate.bytes as Uint8Array<ArrayBuffer>,
    records: vault.certs.records() as Array<Uint8Array<ArrayBuffer>>,
    currentEpoch: keys.currentEpoch,
    epochs: reads ? [...keys.epochs].map(([epoch, key]) => ({ epoch, key: key as Uint8Array<ArrayBuffer> })) : [],
    docIdKey: (reads ? keys.docIdKey : new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    rendezvous: (reads ? keys.rendezvous : new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    bootstrap,
    approver: id.certificate.label,
    // A mirror gets only what the membership gate asks of it: the membership key (an HKDF of the
    // rendezvous key that opens nothing), never a vault key, read key or the rendezvous key.
    membershipKey: (!reads && hasCapability(certificate, 'mirror') ? membershipKey(keys) : new Uint8Array(0)) as Uint8Array<ArrayBuffer>
  }
}
