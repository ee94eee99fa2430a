/**
 * The connection encrypter every mesh node uses: libp2p's Noise with its default crypto, except
 * that each transport message goes to the socket as one write.
 *
 * Noise frames a transport message as a 2-byte big-endian length and the sealed bytes. The stock
 * encrypter hands TCP the length and the sealed bytes as separate pieces (for a plaintext of
 * 1,200 bytes or more, every live entry, also each part of a message held in parts, and the tag),
 * and TCP writes each piece with its own `socket.write`: four writes for a live entry, two for a
 * small message, the 2-byte length leaving as a segment of its own (Nagle is off). Here a message
 * is sealed whole (`meshNoiseCrypto`, the same ChaCha20-Poly1305 of node:crypto the default uses
 * at that size) and its length and sealed bytes are joined into one buffer: one write and one
 * segment per message. Key, nonce and bytes on the wire are unchanged, so a peer with the stock
 * encrypter reads it as before. A connection seals at most SEAL_PER_TURN at a time, the event
 * loop given a turn between (sealInTurns), and stops reading once sliced work has spent the
 * loop's turn (readInTurns).
 *
 * @example
 * createLibp2p({ connectionEncrypters: [meshNoise()], ... })
 */
import { createCipheriv } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { defaultCrypto, nodeCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { nextTurn, turnOver } from '../../protocols/sync/slice.js'

/** Below this the default seals with its WebAssembly ChaCha20-Poly1305, already one buffer. */
const WHOLE_FROM = 1200

/** Bytes left free in front of a message sealed here: Noise's 2-byte length goes there. */
const LENGTH_ROOM = 2
const TAG_BYTES = 16

/** Messages sealed by sealWithRoom: the LENGTH_ROOM bytes in front of each view are free. */
const roomy = new WeakSet<Uint8Array>()

/**
 * ChaCha20-Poly1305 of node:crypto (what the default uses at this size), each piece of a message
 * held in parts sealed as it lies, into one buffer with LENGTH_ROOM free bytes in front of the
 * view returned, where joinMessages writes the message's length. Memory first touched costs
 * ~15 µs a page on the 2-core machine: the stock path made four fresh copies of each 64 KiB
 * message of a catch-up (the plaintext joined, the sealed bytes, those with their tag, and the
 * length with them), this one two (what update() returns, and this buffer).
 */
function sealWithRoom (plaintext: Parameters<typeof defaultCrypto.chaCha20Poly1305Encrypt>[0], nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', k, nonce, { authTagLength: TAG_BYTES })
  c.setAAD(ad, { plaintextLength: plaintext.byteLength })
  const out = Buffer.allocUnsafe(LENGTH_ROOM + plaintext.byteLength + TAG_BYTES)
  let at = LENGTH_ROOM
  for (const piece of plaintext instanceof Uint8Array ? [plaintext] : plaintext) {
    const sealed = c.update(piece)
    out.set(sealed, at)
    at += sealed.byteLength
  }
  const rest = c.final() // empty for a stream cipher; set all the same
  out.set(rest, at)
  at += rest.byteLength
  out.set(c.getAuthTag(), at)
  const view = out.subarray(LENGTH_ROOM, at + TAG_BYTES)
  roomy.add(view)
  return view
}

export const meshNoiseCrypto: typeof defaultCrypto = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt (plaintext, nonce, ad, k) {
    if (plaintext.byteLength < WHOLE_FROM) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
    return sealWithRoom(plaintext, nonce, ad, k)
  },
  // As the default: node:crypto opens a message held in parts piece by piece, no copy of it made.
  chaCha20Poly1305Decrypt (ciphertext, nonce, ad, k, dst) {
    if (ciphertext.byteLength < WHOLE_FROM) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
    return nodeCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
  }
}

/**
 * The Noise messages one `encrypt` made (each a 2-byte length and that many sealed bytes, in as
 * many pieces as it appended), one buffer per message. A message sealed here (sealWithRoom) gets
 * its length written into the room in front of it and goes as it is; any other is copied whole.
 * Only the wire format is read, so a change of how the encrypter splits its output changes
 * nothing here but what is copied.
 */
export function joinMessages (sealed: Uint8ArrayList): Uint8ArrayList {
  const out = new Uint8ArrayList()
  const pieces = [...sealed]
  let at = 0
  for (let i = 0; at < sealed.byteLength;) {
    const len = (sealed.get(at) << 8) | sealed.get(at + 1)
    const head = pieces[i]
    const body = pieces[i + 1]
    if (head?.byteLength === LENGTH_ROOM && body !== undefined && body.byteLength === len && roomy.has(body)) {
      roomy.delete(body)
      const msg = new Uint8Array(body.buffer, body.byteOffset - LENGTH_ROOM, LENGTH_ROOM + len)
      msg[0] = head[0] as number
      msg[1] = head[1] as number
      out.append(msg)
      i += 2
      at += LENGTH_ROOM + len
      continue
    }
    // A copy of at most 64 KiB when the message spans pieces; a view when it does not. The
    // pieces are not followed past here: the rest goes this way too.
    out.append(sealed.subarray(at, at + LENGTH_ROOM + len))
    at += LENGTH_ROOM + len
    i = pieces.length
  }
  return out
}

/** The encrypted connection noise returns: its `encrypt` makes what `sendData` hands the socket. */
interface Encrypting {
  encrypt?: (chunk: Uint8Array | Uint8ArrayList) => Uint8ArrayList
  sendData?: (data: Uint8Array | Uint8ArrayList) => { sentBytes: number, canSendMore: boolean }
  dispatchEvent?: (event: Event) => boolean
  /** The connection under it (TCP): what it reads, noise decrypts as it comes. */
  stream?: Readable
}

/** The part of a libp2p connection readInTurns uses. */
interface Readable {
  readStatus: string
  pause: () => void
  resume: () => void
  addEventListener: (type: 'message', listener: () => void) => void
}

/**
 * The most a connection seals in one go (about 4 ms of ChaCha20-Poly1305 here). libp2p queues
 * what the muxer sends while the socket drains and hands it to the encrypter whole once it has:
 * a catch-up's sender sealed 2-4 MB at a time, one block of 40-90 ms (`--only=loop`, traced).
 */
export const SEAL_PER_TURN = 512 * 1024

/**
 * A connection's sends sealed at most SEAL_PER_TURN at a time: past it, the connection says it
 * can send no more, and raises its own drain once the event loop has had a turn (a 0 ms timer),
 * which resumes libp2p's queue where it stopped; when the socket itself asked to wait, its drain
 * resumes it instead. Bytes and their order on the wire are unchanged.
 */
export function sealInTurns (c: Encrypting): void {
  const sendData = c.sendData
  const dispatch = c.dispatchEvent
  if (typeof sendData !== 'function' || typeof dispatch !== 'function') return
  c.sendData = (data) => {
    if (data.byteLength <= SEAL_PER_TURN) return sendData.call(c, data)
    const head = data instanceof Uint8Array ? data.subarray(0, SEAL_PER_TURN) : data.sublist(0, SEAL_PER_TURN)
    const r = sendData.call(c, head)
    if (r.canSendMore) setTimeout(() => { dispatch.call(c, new Event('drain')) }, 0)
    return { sentBytes: r.sentBytes, canSendMore: false }
  }
}

/**
 * Each message of a secured connection joined into one buffer. noise exports no hook for its
 * output, so the connection's `encrypt` is wrapped; if a release renames it, the connection is
 * left as noise made it (the same bytes in more writes), and test/protocol/noise.test.ts, which
 * counts the writes, fails.
 */
function oneWritePerMessage<T extends { connection: unknown }> (secured: T): T {
  const c = secured.connection as Encrypting
  const encrypt = c.encrypt
  if (typeof encrypt === 'function') c.encrypt = (chunk) => joinMessages(encrypt.call(c, chunk))
  sealInTurns(c)
  readInTurns(c)
  return secured
}

/**
 * The socket under an encrypted connection stops reading once sliced work has spent this turn of
 * the event loop (protocols/sync/slice.ts), until the loop has had its turn: each read is
 * decrypted as it comes, and a catch-up's receiver decrypted 1-2 MB read in one poll of the loop
 * beside the turn's slice. What was read before the pause waits in the connection's buffer (a
 * read or two: the socket stops at once). Nothing else pauses a connection's socket: it is
 * resumed once the loop had its turn.
 */
export function readInTurns (c: Encrypting): void {
  const under = c.stream
  if (under === undefined || typeof under.pause !== 'function' || typeof under.addEventListener !== 'function') return
  let paused = false
  under.addEventListener('message', () => {
    if (paused || under.readStatus !== 'readable' || !turnOver()) return
    paused = true
    under.pause()
    void nextTurn().then(() => {
      paused = false
      if (under.readStatus === 'paused') under.resume()
    })
  })
}

export function meshNoise (): ReturnType<typeof noise> {
  const make = noise({ crypto: meshNoiseCrypto })
  return (components) => {
    const n = make(components)
    const outbound = n.secureOutbound.bind(n)
    const inbound = n.secureInbound.bind(n)
    n.secureOutbound = async (connection, options) => oneWritePerMessage(await outbound(connection, options))
    n.secureInbound = async (connection, options) => oneWritePerMessage(await inbound(connection, options))
    return n
  }
}
