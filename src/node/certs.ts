/**
 * The certificates this vault knows, verified once and kept by device key. Writers are checked
 * here for every entry, local or received: same wallet, `write`, a known key epoch.
 */
import { MissingCapabilityError, UnknownAuthorError, UnknownEpochError } from '../errors.js'
import { hasCapability, toHex, verifyCertificate, type Certificate, type VaultKeys } from '../identity/index.js'

export class CertRegistry {
  private readonly byDevice = new Map<string, Certificate>()
  constructor (private readonly walletKey: Uint8Array, private readonly keys?: VaultKeys) {}

  /** Verifies and adds certificate bytes; throws the verification error. Returns the certificate. */
  add (bytes: Uint8Array, now = Date.now()): Certificate {
    const cert = verifyCertificate(bytes, { wallet: this.walletKey, now })
    const id = toHex(cert.deviceKey)
    const prev = this.byDevice.get(id)
    // A device may be re-certified (new label or capabilities): the newest issue wins.
    if (prev === undefined || prev.issuedAt <= cert.issuedAt) this.byDevice.set(id, cert)
    return this.byDevice.get(id) as Certificate
  }

  get (deviceKey: Uint8Array): Certificate | undefined { return this.byDevice.get(toHex(deviceKey)) }

  all (): Certificate[] { return [...this.byDevice.values()] }

  writer (author: Uint8Array, epoch: number, now = Date.now()): Certificate {
    const cert = this.byDevice.get(toHex(author))
    if (cert === undefined) throw new UnknownAuthorError('entry author holds no certificate of this wallet', { author: toHex(author) })
    if (cert.expiresAt !== undefined && cert.expiresAt <= now) throw new MissingCapabilityError(`certificate of ${cert.label} has expired`, { deviceId: cert.deviceId })
    if (!hasCapability(cert, 'write')) throw new MissingCapabilityError(`device ${cert.label} (${cert.deviceId}) is read-only: its entries are refused`, { deviceId: cert.deviceId })
    if (this.keys !== undefined && !this.keys.epochs.has(epoch)) throw new UnknownEpochError(`entry of unknown key epoch ${epoch}`, { epoch })
    return cert
  }
}
