/**
 * The gate: until a peer is proven, a connection carries the membership handshake (and pairing)
 * and nothing else, in either direction (SPEC.md, The gate).
 *
 * Inbound, libp2p answers a stream's protocol proposal from one list for every peer (the
 * registrar's), `ls` included, before any handler or middleware runs: a stranger learned which
 * protocols a node speaks and was answered by identify, ping and the DHT. So a gated connection
 * negotiates streams of an unproven peer itself: an open protocol is accepted at once; any other
 * proposal is held unanswered until the peer's membership verdict (a member's first stream may
 * arrive a moment before its proof completes on this side), then accepted or, for a refused peer,
 * the stream is aborted. A stranger never sees `na` or an echo for a gated protocol.
 *
 * Outbound, nothing but an open protocol is opened to an unproven peer: identify, ping, the DHT
 * and sync wait for the verdict and fail for a stranger.
 *
 * libp2p 3 offers no per-connection protocol list, so the gate takes the connection's muxer
 * listener in hand (`muxer`, `onIncomingStream`, set in libp2p's Connection constructor). If
 * those are not there, installing throws and the caller closes the connection: it fails closed.
 */
import { lpStream } from '@libp2p/utils'
import { UnsupportedProtocolError, type AbortOptions, type Connection, type Logger, type Stream } from '@libp2p/interface'
import { NotMemberError } from '../../src/errors.js'
import { concat, utf8, varint } from '../../src/identity/index.js'

const MULTISTREAM = '/multistream/1.0.0'
/** multistream-select's longest protocol id, as @libp2p/multistream-select reads it. */
const MAX_PROTOCOL_LENGTH = 1024
/** How long a held stream's negotiation may take in all, the wait for the verdict included. */
const NEGOTIATION_MS = 30_000
/**
 * Streams of an unproven peer held for its verdict at once on one connection; one more is
 * aborted (an open protocol is never held, so the membership handshake always gets through).
 * Each held stream keeps what its peer sends after its proposal until the verdict (up to yamux's
 * first window, 256 KiB), so without a bound one stranger's connection made a node hold ~250 MB
 * (1,000 streams, yamux's inbound default) until the membership deadline. A member's connection
 * holds a few at its start (identify, ping, the DHT and sync may arrive just before its proof
 * completes here).
 */
export const MAX_HELD_STREAMS = 16

export interface GateInit {
  /** Protocols an unproven peer may negotiate and be opened: the membership handshake, pairing. */
  open: readonly string[]
  /** Protocols an exempted peer may use besides the open ones (a relay's hop and stop for a device being paired). */
  exemptOpen?: readonly string[]
  isProven: (peer: string) => boolean
  /** An exempted peer (a device being paired) gets no verdict: what is not open fails at once. */
  isExempt: (peer: string) => boolean
  /** Resolves true once the peer is proven, false once it is refused, gone or out of time. */
  verdict: (peer: string) => Promise<boolean>
  /** Every protocol this node handles (the registrar's list). */
  protocols: () => string[]
  /**
   * Told each protocol an unproven peer proposes that is not open to it, before the stream is
   * held (the stream is answered as any other: nothing changes for the peer). The membership
   * service keeps another version's membership protocol, to say why the peer never proved itself.
   */
  proposed?: (protocol: string) => void
  log: Logger
}

interface ConnectionInternals {
  muxer?: { addEventListener: (t: 'stream', l: (e: CustomEvent<Stream>) => void) => void, removeEventListener: (t: 'stream', l: (e: CustomEvent<Stream>) => void) => void }
  onIncomingStream?: (e: CustomEvent<Stream>) => void
}

/** Gates one connection; call it from `connection:open` (dispatched synchronously, before any stream). */
export function gateConnection (conn: Connection, init: GateInit): void {
  const peer = conn.remotePeer.toString()
  const internals = conn as unknown as ConnectionInternals
  const muxer = internals.muxer
  const deliver = internals.onIncomingStream
  if (muxer === undefined || typeof deliver !== 'function' || typeof conn.newStream !== 'function') {
    throw new NotMemberError('cannot gate this connection: libp2p internals changed')
  }
  muxer.removeEventListener('stream', deliver)
  const held = { count: 0 }
  muxer.addEventListener('stream', (evt) => {
    if (init.isProven(peer)) { deliver(evt); return }
    const stream = evt.detail
    negotiate(stream, peer, init, held).then((protocol) => {
      stream.protocol = protocol
      deliver(evt)
    }, (err: unknown) => {
      init.log('stream of unproven %s not answered: %e', peer, err)
      stream.abort(err instanceof Error ? err : new NotMemberError(String(err)))
    })
  })

  const open = conn.newStream
  conn.newStream = async (protocols: string | string[], options: AbortOptions & Record<string, any> = {}): Promise<Stream> => {
    const list = Array.isArray(protocols) ? protocols : [protocols]
    if (!init.isProven(peer) && !list.every(p => isOpen(init, peer, p))) {
      // libp2p's connection monitor takes this error as "no ping here" and keeps a pairing connection.
      if (init.isExempt(peer)) throw new UnsupportedProtocolError(`${list.join(', ')}: not before membership`)
      if (!(await waitFor(init.verdict(peer), options))) throw new NotMemberError(`not opening ${list.join(', ')}: ${peer} is not a proven member`)
    }
    return await open(protocols, options)
  }
}

/**
 * multistream-select's listener side (as @libp2p/multistream-select `handle`) for a peer not
 * proven yet: open protocols are answered at once; everything else, `ls` too, only once the peer
 * is proven.
 */
async function negotiate (stream: Stream, peer: string, init: GateInit, held: { count: number }): Promise<string> {
  const lp = lpStream(stream, { maxDataLength: MAX_PROTOCOL_LENGTH, maxLengthLength: 2 })
  const options = { signal: AbortSignal.timeout(NEGOTIATION_MS) }
  const line = (s: string): Uint8Array => utf8(`${s}\n`)
  let proven = false
  while (true) {
    const buf = (await lp.read(options)).subarray()
    if (buf.byteLength === 0 || buf[buf.byteLength - 1] !== 0x0a) throw new NotMemberError('malformed protocol proposal')
    const proposal = new TextDecoder().decode(buf).trimEnd()
    if (proposal === MULTISTREAM) { await lp.write(line(MULTISTREAM), options); continue }
    const handled = init.protocols()
    if (isOpen(init, peer, proposal) && handled.includes(proposal)) {
      await lp.write(line(proposal), options)
      lp.unwrap()
      return proposal
    }
    if (!proven) {
      init.proposed?.(proposal)
      if (init.isExempt(peer)) throw new NotMemberError(`${peer} is exempted for pairing only`)
      if (held.count >= MAX_HELD_STREAMS) throw new NotMemberError(`more than ${MAX_HELD_STREAMS} streams held before membership`)
      held.count++
      try { proven = await init.verdict(peer) } finally { held.count-- }
      if (!proven) throw new NotMemberError(`${peer} proposed ${proposal.slice(0, 64)} before proving membership`)
    }
    if (handled.includes(proposal)) {
      await lp.write(line(proposal), options)
      lp.unwrap()
      return proposal
    }
    if (proposal === 'ls') {
      // As multistream-select answers it: each id length-prefixed with its newline, then a newline.
      const parts: Uint8Array[] = []
      for (const p of handled) { const b = line(p); parts.push(varint(b.byteLength), b) }
      parts.push(utf8('\n'))
      await lp.write(concat(parts), options)
      continue
    }
    await lp.write(line('na'), options)
  }
}

function isOpen (init: GateInit, peer: string, protocol: string): boolean {
  return init.open.includes(protocol) || (init.exemptOpen?.includes(protocol) === true && init.isExempt(peer))
}

async function waitFor (p: Promise<boolean>, options: AbortOptions): Promise<boolean> {
  const signal = options.signal
  if (signal === undefined) return await p
  signal.throwIfAborted()
  return await new Promise<boolean>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v) }, (err: unknown) => { signal.removeEventListener('abort', onAbort); reject(err) })
  })
}
