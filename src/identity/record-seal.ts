/**
 * Sealing the certificates a home keeps in its store. A certificate names the wallet (its public
 * key is the address), the device's label (by default the hostname) and its capabilities: a copy
 * of `data/` alone (a backup) must not reveal them. So the store keeps them sealed under a key
 * only the home's vault keys give: ChaCha20-Poly1305, key HKDF-SHA256(epoch-0 vault key, salt
 * LABEL.salt, info LABEL.certRecordKey), a fresh random 96-bit nonce per record (a home holds a
 * handful of certificates, far below the birthday bound), AAD LABEL.certRecordAad.
 * Sealed record: nonce (12) || ciphertext || tag (16).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { DecryptError } from '../errors.js'
import { concat, utf8 } from './bytes.js'
import { LABEL } from './domains.js'
import { epochKey, type VaultKeys } from './keys.js'

const NONCE = 12
const TAG = 16

/** Seals and opens one kind of record under one key; the store takes it without knowing the key. */
export interface RecordSealer {
  seal: (plaintext: Uint8Array) => Uint8Array
  open: (sealed: Uint8Array) => Uint8Array
}

export function certificateRecordSealer (keys: VaultKeys): RecordSealer {
  return recordSealer(keys, LABEL.certRecordKey, LABEL.certRecordAad, 'certificate record')
}

/**
 * The same sealing, under its own key and AAD, for the summaries of sessions a home keeps
 * beside its store (src/api/session-summaries.ts): each names a session's status, lease and
 * last writer, which the disk holds only sealed.
 */
export function summaryRecordSealer (keys: VaultKeys): RecordSealer {
  return recordSealer(keys, LABEL.summaryRecordKey, LABEL.summaryRecordAad, 'session summaries file')
}

function recordSealer (keys: VaultKeys, info: string, aadLabel: string, what: string): RecordSealer {
  const key = hkdf(sha256, epochKey(keys, 0), utf8(LABEL.salt), utf8(info), 32)
  const aad = utf8(aadLabel)
  return {
    seal: (plaintext) => {
      const nonce = randomBytes(NONCE)
      const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG })
      c.setAAD(aad, { plaintextLength: plaintext.byteLength })
      return concat([nonce, c.update(plaintext), c.final(), c.getAuthTag()])
    },
    open: (sealed) => {
      if (sealed.byteLength < NONCE + TAG) throw new DecryptError('sealed record shorter than its nonce and tag')
      const d = createDecipheriv('chacha20-poly1305', key, sealed.subarray(0, NONCE), { authTagLength: TAG })
      d.setAAD(aad, { plaintextLength: sealed.byteLength - NONCE - TAG })
      d.setAuthTag(sealed.subarray(sealed.byteLength - TAG))
      try {
        return new Uint8Array(concat([d.update(sealed.subarray(NONCE, sealed.byteLength - TAG)), d.final()]))
      } catch (err) {
        throw new DecryptError(`${what} does not open under this home's vault key (tampered, or another vault's)`, {}, { cause: err })
      }
    }
  }
}
