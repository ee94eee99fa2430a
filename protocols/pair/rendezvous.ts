/**
 * The pairing rendezvous, `/mesh/pair-rendezvous/1.0.0` (SPEC.md, Across networks): how a new
 * device behind a NAT and an approver behind another meet at a member's relay. The new device
 * registers its throw-away pairing PeerId under the code's public nameplate (and may then hold a
 * pairing-only reservation); a proven member asks which PeerIds wait under a nameplate and names
 * the PeerId it will dial them from. One request, one answer per stream; nothing derived from
 * the code's secret part, nothing identifying either side, crosses here.
 *
 * @example
 * const { expires } = await registerCandidate(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL), 'K7')
 * const peers = await lookupCandidates(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL), 'K7', dialer)
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { pbStream } from '@libp2p/utils'
import * as Digest from 'multiformats/hashes/digest'
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'
import { PairingFailedError } from '../../src/errors.js'
import { RendezvousMessage } from './pb/rendezvous.js'

export { PAIR_RENDEZVOUS_PROTOCOL } from '../ids.js'
const MAX_MESSAGE = 4096
/** A relay keeps at most this many candidates under one nameplate in an answer. */
export const MAX_ANSWER = 8
const TIMEOUT_MS = 10_000
const NAMEPLATE = /^[0-9A-HJKMNP-TV-Z]{2}$/

const msg = (m: Partial<RendezvousMessage>): RendezvousMessage => m as RendezvousMessage

function signalOf (options: AbortOptions): AbortSignal {
  return AbortSignal.any([AbortSignal.timeout(TIMEOUT_MS), ...(options.signal !== undefined ? [options.signal] : [])])
}

/** What the relay decides; the handler only speaks the protocol. */
export interface RendezvousPolicy {
  /** Registers `peer` as a candidate under `nameplate`; returns when the slot ends, or throws PairingFailedError (reason `full`, `member`). */
  register: (peer: PeerId, nameplate: string, remoteAddr: string) => number
  /**
   * For a proven member only: the candidates under `nameplate`, which `dialer` may then connect
   * to, each with the address its registration came from; throws PairingFailedError (reason `not-member`).
   */
  lookup: (asker: PeerId, nameplate: string, dialer: PeerId) => Array<{ peer: PeerId, seen: string }>
}

/** The relay's side of one stream. */
export async function serveRendezvous (stream: Stream, remote: PeerId, remoteAddr: string, policy: RendezvousPolicy, options: AbortOptions = {}): Promise<void> {
  const signal = signalOf(options)
  const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE }).pb(RendezvousMessage)
  const req = await pb.read({ signal })
  let answer: RendezvousMessage
  try {
    if (req.register !== undefined) {
      if (!NAMEPLATE.test(req.register.nameplate)) throw new PairingFailedError('not a nameplate', { reason: 'invalid' })
      answer = msg({ registered: { expires: BigInt(policy.register(remote, req.register.nameplate, remoteAddr)) } })
    } else if (req.lookup !== undefined) {
      if (!NAMEPLATE.test(req.lookup.nameplate)) throw new PairingFailedError('not a nameplate', { reason: 'invalid' })
      const dialer = peerIdFromMultihash(Digest.decode(req.lookup.dialer))
      const peers = policy.lookup(remote, req.lookup.nameplate, dialer).slice(0, MAX_ANSWER)
      answer = msg({ candidates: { peers: peers.map(p => p.peer.toMultihash().bytes as Uint8Array<ArrayBuffer>), seen: peers.map(p => p.seen) } })
    } else {
      throw new PairingFailedError('neither register nor lookup', { reason: 'invalid' })
    }
  } catch (err: any) {
    if (err?.code !== 'PAIRING_FAILED') throw err
    answer = msg({ refused: { reason: String(err.details?.reason ?? 'invalid') } })
  }
  await pb.write(answer, { signal })
  await stream.close({ signal })
}

async function ask (stream: Stream, req: RendezvousMessage, options: AbortOptions): Promise<RendezvousMessage> {
  const signal = signalOf(options)
  const pb = pbStream(stream, { maxDataLength: MAX_MESSAGE }).pb(RendezvousMessage)
  await pb.write(req, { signal })
  const answer = await pb.read({ signal })
  await stream.close({ signal }).catch(() => { /* the answer is what mattered; the relay closes too */ })
  if (answer.refused !== undefined) throw new PairingFailedError(`the relay refused: ${answer.refused.reason}`, { reason: answer.refused.reason })
  return answer
}

/** The new device's side: registers under `nameplate`; resolves when the slot ends (ms since the epoch, relay's clock). */
export async function registerCandidate (stream: Stream, nameplate: string, options: AbortOptions = {}): Promise<{ expires: number }> {
  const a = await ask(stream, msg({ register: { nameplate } }), options)
  if (a.registered === undefined) throw new PairingFailedError('the relay did not answer the registration', { reason: 'invalid' })
  return { expires: Number(a.registered.expires) }
}

/**
 * A member's side: the candidates waiting under `nameplate`, which `dialer` may then connect to
 * through the relay, each with the address the relay saw it register from (for the owner's review).
 */
export async function lookupCandidates (stream: Stream, nameplate: string, dialer: PeerId, options: AbortOptions = {}): Promise<Array<{ peer: PeerId, seen: string }>> {
  const a = await ask(stream, msg({ lookup: { nameplate, dialer: dialer.toMultihash().bytes as Uint8Array<ArrayBuffer> } }), options)
  if (a.candidates === undefined) throw new PairingFailedError('the relay did not answer the lookup', { reason: 'invalid' })
  return a.candidates.peers.slice(0, MAX_ANSWER).map((b, i) => ({ peer: peerIdFromMultihash(Digest.decode(b)), seen: (a.candidates?.seen[i] ?? '').slice(0, 256) }))
}
