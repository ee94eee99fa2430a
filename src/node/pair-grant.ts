/**
 * The approver's end of pairing: what a new device receives once its owner said yes. The
 * certificate comes from an issuer (an admin device's chain certificate, see identity/chain.ts);
 * the keys are the read keys every reader holds (epoch keys, the document-id key, the rendezvous
 * key), never the key-wrapping key; the records are every certificate and cutoff this vault
 * knows, so the new device judges entries from its first sync like every other member.
 */
import { hasCapability, type Capability, type Certificate } from '../identity/index.js'
import type { Grant, Request } from '../../protocols/pair/index.js'
import type { Vault } from './vault.js'

/** What the owner grants: the flags of `mesh devices approve`. */
export type Role = 'read-only' | 'read-write' | 'admin'

export function capabilitiesFor (role: Role): Capability[] {
  return role === 'read-only' ? ['read'] : ['read', 'write']
}

/** Issues the new device's certificate for the request; the admin device's own signer and chain. */
export type IssueFn = (request: Request, role: Role, label: string) => Promise<Certificate> | Certificate

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
    approver: id.certificate.label
  }
}
