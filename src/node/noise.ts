/**
 * The connection encrypter every mesh node uses: libp2p's Noise with its default crypto, except
 * that a transport message is sealed into one buffer. For a plaintext of 1,200 bytes or more the
 * default seals a message that arrives in parts (yamux's 12-byte header, then the data) part by
 * part and hands TCP a list of the length, each part's ciphertext and the tag, which it writes
 * with one `socket.write` each: four syscalls for every live entry (an entry of a 1 KB message
 * is ~1.4 KB; the same bare Yjs update, under 1,200 bytes, went in two), spread over ~0.2 ms of
 * the handoff on this VM, the reader often woken for the first part alone. Sealed whole, every
 * message is two writes. The cipher, key, nonce and bytes on the wire are the same
 * (ChaCha20-Poly1305 of node:crypto, as before), so a peer with the stock encrypter reads it
 * unchanged.
 *
 * @example
 * createLibp2p({ connectionEncrypters: [meshNoise()], ... })
 */
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto, nodeCrypto } from '@chainsafe/libp2p-noise/crypto'

/** Below this the default seals with its WebAssembly ChaCha20-Poly1305, already one buffer. */
const WHOLE_FROM = 1200

/** The bytes of a message that may be held in parts (noise's own Uint8ArrayList), as one. */
const whole = (b: Uint8Array | { subarray: () => Uint8Array }): Uint8Array => b instanceof Uint8Array ? b : b.subarray()

export const meshNoiseCrypto: typeof defaultCrypto = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < WHOLE_FROM) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    return nodeCrypto.chaCha20Poly1305Encrypt(whole(plaintext), nonce, ad, k)
  },
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < WHOLE_FROM) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    return nodeCrypto.chaCha20Poly1305Decrypt(whole(ciphertext), nonce, ad, k, dst)
  }
}

export function meshNoise (): ReturnType<typeof noise> {
  return noise({ crypto: meshNoiseCrypto })
}
