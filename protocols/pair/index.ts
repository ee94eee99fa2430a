/**
 * Pairing by code, `/mesh/pair/1.0.0`: a trusted admin device T and a new device N run CPace
 * (src/identity/cpace.ts) with the code as password, bound to both PeerIds of the connection,
 * confirm keys, and only then does N send who it is (sealed) and T answer with a grant or a
 * refusal (sealed). Before keys are confirmed nothing but random points, nonces and the code's
 * public nameplate crosses. See SPEC.md.
 *
 * N answers (`respondPairing`); T opens the stream (`beginPairing`), shows what N asked for to
 * its owner, and then sends the verdict (`run.decide(...)`).
 *
 * @example
 * // N: libp2p.handle(PAIR_PROTOCOL, (stream, conn) => respondPairing(stream, peersOf(conn), init))
 * const run = await beginPairing(stream, { local, remote }, 'K7QM2XDF')
 * show(run.request); await run.decide({ approved: true, grant })
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { logger } from '@libp2p/logger'
import { pbStream } from '@libp2p/utils'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { AbortOptions, PeerId, Stream } from '@libp2p/interface'
import { PairingFailedError } from '../../src/errors.js'
import { concat, equals, LABEL, DOMAIN, signWithDomain, utf8, verifyWithDomain } from '../../src/identity/index.js'
import { confirmTag, cpaceGenerator, cpaceIsk, cpaceShare, lvCat, macKey, transcriptIr } from '../../src/identity/cpace.js'
import { codePassword, nameplateOf, normalizeCode, type PairingCode, type ShownCode } from '../../src/identity/pair-code.js'
import { Grant, PairMessage, Reject, Request, Verdict } from './pb/pair.js'
import { MAX_LABEL, UNSAFE_TEXT } from './claims.js'

export { MAX_LABEL, UNSAFE_TEXT }

const log = logger('mesh:pair')

export { Grant, Request, Verdict } from './pb/pair.js'
export { PAIR_PROTOCOL } from '../ids.js'
export const PAIR_VERSION = 1
const NONCE = 16
/** Every message before the verdict is small; the verdict carries the registry and keys. */
const MAX_SMALL = 4096
export const MAX_VERDICT = 4 * 1024 * 1024
/** From Hello to Confirm: a few round trips and two CPace computations. */
export const PAKE_TIMEOUT_MS = 20_000
/** How long N waits for the owner's answer after keys are confirmed. */
export const DECISION_TIMEOUT_MS = 5 * 60_000
const AD_N = utf8('mesh/pair/N')
const AD_T = utf8('mesh/pair/T')

export interface Peers { local: PeerId, remote: PeerId }

/** What binds the run to this connection: CI names N's PeerId, then T's (the Noise identities). */
function channelId (n: PeerId, t: PeerId): Uint8Array {
  return lvCat(utf8(LABEL.pairCi), n.toMultihash().bytes, t.toMultihash().bytes)
}

function sessionId (nonceT: Uint8Array, nonceN: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(LABEL.pairSid).update(nonceT).update(nonceN).digest().subarray(0, 16))
}

interface Keys { mac: Uint8Array, kn: Uint8Array, kt: Uint8Array, binding: Uint8Array }

function keysFrom (isk: Uint8Array, sid: Uint8Array, ci: Uint8Array, t: { Ya: Uint8Array, Yb: Uint8Array }): Keys {
  return {
    mac: macKey(sid, isk),
    kn: hkdf(sha256, isk, sid, utf8(LABEL.pairKeyN), 32),
    kt: hkdf(sha256, isk, sid, utf8(LABEL.pairKeyT), 32),
    // What N's device key signs: this run and nothing else.
    binding: concat([sid, ci, transcriptIr({ Ya: t.Ya, ADa: AD_N, Yb: t.Yb, ADb: AD_T })])
  }
}

// Each key seals exactly one message in a run (k_n the Request, k_t the Verdict), so a zero nonce is never reused.
const ZERO_NONCE = new Uint8Array(12)

export function seal (key: Uint8Array, aad: string, plain: Uint8Array): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 })
  c.setAAD(utf8(aad), { plaintextLength: plain.byteLength })
  return new Uint8Array(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]))
}

export function open (key: Uint8Array, aad: string, sealed: Uint8Array): Uint8Array {
  if (sealed.byteLength < 16) throw new PairingFailedError('sealed pairing message too short', { reason: 'invalid' })
  const d = createDecipheriv('chacha20-poly1305', key, ZERO_NONCE, { authTagLength: 16 })
  d.setAAD(utf8(aad), { plaintextLength: sealed.byteLength - 16 })
  d.setAuthTag(sealed.subarray(sealed.byteLength - 16))
  try {
    return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.byteLength - 16)), d.final()]))
  } catch (err) {
    throw new PairingFailedError('sealed pairing message does not open', { reason: 'invalid' }, { cause: err })
  }
}

// protons types want ArrayBuffer-backed bytes; every byte array here is one.
const empty = (m: Record<string, unknown>): PairMessage => m as unknown as PairMessage

function rejectReason (r: Reject.Reason): string {
  switch (r) {
    case Reject.Reason.NAMEPLATE: return 'nameplate'
    case Reject.Reason.EXPIRED: return 'expired'
    case Reject.Reason.BUSY: return 'busy'
    case Reject.Reason.PAKE: return 'wrong-code'
    case Reject.Reason.VERSION: return 'version'
    case Reject.Reason.DONE: return 'done'
    default: return 'invalid'
  }
}

/** What N's side reports as it goes; never anything secret. */
export type ResponderEvent =
  | { type: 'wrong-code', code: ShownCode, from: string }
  | { type: 'abandoned', code: ShownCode, from: string }
  | { type: 'confirmed', from: string }
  /** The owner approved: the run is over whatever happens to the grant (no new code follows). */
  | { type: 'approved', from: string }
  | { type: 'denied', reason: string, code: ShownCode, from: string }
  | { type: 'refused', reason: string, from: string }

export interface ResponderInit {
  codes: PairingCode
  /** The request to send once keys are confirmed; `sign` signs the run's binding with the device key. */
  request: () => Omit<Request, 'proof'>
  sign: (message: Uint8Array) => Uint8Array
  /** Takes the grant (verifies it, writes the home); throws to refuse it. */
  onGrant: (grant: Grant, from: string) => Promise<void>
  onEvent?: (e: ResponderEvent) => void
  /** @default PAKE_TIMEOUT_MS */
  pakeTimeoutMs?: number
  /** @default DECISION_TIMEOUT_MS */
  decisionTimeoutMs?: number
  /**
   * Asked once a well-formed Hello arrived, before the code is: false answers `Reject{BUSY}` at no
   * cost to the code (the sender is refused for a while, or this is a second Hello on its
   * connection) and the run ends with a `refused` event, reason `refused`.
   */
  admit?: () => boolean
  /**
   * Said with a `Reject{BUSY}` as `retry_ms`: how long until a Hello from this sender is taken
   * again, `paused` (codes burned fast) or `refused` (this sender, refused for a while); undefined
   * when not known. Old approvers ignore the field.
   */
  retryMs?: (why: 'paused' | 'refused') => number | undefined
}

/**
 * N's side of one run on an inbound stream. Resolves true once a grant was taken; false when the
 * run ended otherwise (the code is then burned, or untouched for a wrong nameplate).
 */
export async function respondPairing (stream: Stream, peers: Peers, init: ResponderInit, options: AbortOptions = {}): Promise<boolean> {
  const from = peers.remote.toString()
  // Until keys are confirmed anyone may be at the other end: small messages only (the Decision is
  // read through a stream of its own limit once Confirm is sent).
  const pb = pbStream(stream, { maxDataLength: MAX_SMALL }).pb(PairMessage)
  const pakeSignal = AbortSignal.any([AbortSignal.timeout(init.pakeTimeoutMs ?? PAKE_TIMEOUT_MS), ...(options.signal !== undefined ? [options.signal] : [])])
  const reject = async (reason: Reject.Reason, why = rejectReason(reason), retryMs?: number): Promise<false> => {
    await pb.write(empty({ reject: { reason, ...(retryMs !== undefined && retryMs > 0 ? { retryMs: Math.min(Math.ceil(retryMs), 0xffffffff) } : {}) } }), { signal: pakeSignal })
    await stream.close({ signal: pakeSignal })
    init.onEvent?.({ type: 'refused', reason: why, from })
    return false
  }
  const hello = (await pb.read({ signal: pakeSignal })).hello
  if (hello === undefined || hello.nonce.byteLength !== NONCE) throw new PairingFailedError('the first pairing message is not a Hello', { reason: 'invalid' })
  // Before the version and the nameplate are looked at: a refused sender learns nothing.
  if (init.admit?.() === false) return await reject(Reject.Reason.BUSY, 'refused', init.retryMs?.('refused'))
  if (hello.version !== PAIR_VERSION) return await reject(Reject.Reason.VERSION)
  const attempt = init.codes.begin(hello.nameplate)
  if (attempt === 'nameplate') return await reject(Reject.Reason.NAMEPLATE)
  if (attempt === 'expired') return await reject(Reject.Reason.EXPIRED)
  if (attempt === 'busy') return await reject(Reject.Reason.BUSY)
  // Codes were burned fast (PairingCode, MAX_BURNS): told as BUSY on the wire, a state like it.
  if (attempt === 'paused') return await reject(Reject.Reason.BUSY, 'paused', init.retryMs?.('paused'))
  if (attempt === 'done') return await reject(Reject.Reason.DONE)
  // From here the code is spent unless keys are confirmed: one guess per code.
  let keys: Keys | undefined
  let spent = false
  try {
    const nonceN = new Uint8Array(randomBytes(NONCE))
    const sid = sessionId(hello.nonce, nonceN)
    const ci = channelId(peers.local, peers.remote)
    const a = cpaceShare(cpaceGenerator(attempt.password, ci, sid))
    await pb.write(empty({ shareA: { nonce: nonceN, y: a.Y } }), { signal: pakeSignal })
    const b = (await pb.read({ signal: pakeSignal })).shareB
    if (b === undefined) throw new PairingFailedError('expected the approver\'s share', { reason: 'invalid' })
    let ok = false
    try {
      const isk = cpaceIsk(a.scalar, b.y, sid, { Ya: a.Y, ADa: AD_N, Yb: b.y, ADb: AD_T })
      keys = keysFrom(isk, sid, ci, { Ya: a.Y, Yb: b.y })
      ok = equals(confirmTag(keys.mac, b.y, AD_T), b.tag)
    } catch {
      ok = false // an invalid point is a failed guess like a wrong tag
    }
    if (!ok) {
      spent = true
      const code = init.codes.burn('wrong-code')
      init.onEvent?.({ type: 'wrong-code', code, from })
      await pb.write(empty({ reject: { reason: Reject.Reason.PAKE } }), { signal: pakeSignal })
      await stream.close({ signal: pakeSignal })
      return false
    }
    init.onEvent?.({ type: 'confirmed', from })
    const req = init.request()
    const proof = signWithDomain({ sign: init.sign }, DOMAIN.pair, keys!.binding)
    const sealed = seal(keys!.kn, LABEL.pairRequestAad, Request.encode({ ...req, proof } as Request))
    await pb.write(empty({ confirm: { tag: confirmTag(keys!.mac, a.Y, AD_N), sealed } }), { signal: pakeSignal })
  } catch (err) {
    if (spent) throw err
    const code = init.codes.burn('abandoned')
    init.onEvent?.({ type: 'abandoned', code, from })
    throw err
  }
  // The owner reviews on T now: a human's pace.
  const decisionSignal = AbortSignal.any([AbortSignal.timeout(init.decisionTimeoutMs ?? DECISION_TIMEOUT_MS), ...(options.signal !== undefined ? [options.signal] : [])])
  let verdict: Verdict
  try {
    // Unwrapping hands back whatever `pb` read ahead; the Decision alone may be large.
    const big = pbStream(pb.unwrap().unwrap(), { maxDataLength: MAX_VERDICT, maxBufferSize: MAX_VERDICT + 16 }).pb(PairMessage)
    const d = (await big.read({ signal: decisionSignal })).decision
    if (d === undefined) throw new PairingFailedError('expected the approver\'s decision', { reason: 'invalid' })
    verdict = Verdict.decode(open((keys as Keys).kt, LABEL.pairVerdictAad, d.sealed))
  } catch (err) {
    const code = init.codes.reopen()
    init.onEvent?.({ type: 'abandoned', code, from })
    throw err
  }
  if (!verdict.approved || verdict.grant.byteLength === 0) {
    const code = init.codes.reopen('denied')
    init.onEvent?.({ type: 'denied', reason: verdict.reason, code, from })
    await stream.close({ signal: decisionSignal })
    return false
  }
  // Approved: T has enrolled this device already, so a fresh code would not help; whatever fails
  // from here (a grant that does not decode, or onGrant refusing it) ends the run for good, and
  // the caller hears of it through the `approved` event seen before the throw.
  init.codes.succeed()
  init.onEvent?.({ type: 'approved', from })
  let grant: Grant
  try {
    grant = Grant.decode(verdict.grant)
  } catch (err) {
    throw new PairingFailedError(`the approver's grant does not decode: ${(err as Error)?.message ?? String(err)}`, { reason: 'invalid' }, { cause: err })
  }
  await init.onGrant(grant, from)
  // The grant is taken: a close that fails now (T gone first) changes nothing of it.
  await stream.close({ signal: decisionSignal }).catch((err: Error) => { stream.abort(err) })
  return true
}

/** What T learns once keys are confirmed: N's request, its device key proven. */
export interface PairingRun {
  request: Request
  /** SHA-256 of what N's key signed (sid, CI, both shares): recorded in the certificate's `pairing` field. */
  transcript: Uint8Array
  /** Sends the verdict (sealed) and closes the stream. */
  decide: (verdict: { approved: true, grant: Grant } | { approved: false, reason: string }, options?: AbortOptions) => Promise<void>
  /**
   * Aborted when the stream ends before a verdict is sent (N stopped, timed out or lost its
   * connection, or the run was aborted here): nothing sent after that reaches N, so an approver
   * checks it before enrolling the device.
   */
  gone: AbortSignal
  abort: (err: Error) => void
}

/** T's side's options: `beforeGuess` is asked once N accepted the Hello, just before T's share goes out. */
export interface BeginOptions extends AbortOptions {
  /**
   * Called when N has accepted the Hello, before T sends its share and tag (ShareB): from then on
   * whoever is at the other end can test one guess at the code offline against T's tag, so the
   * caller counts these runs (`findCandidate` allows few). Throwing stops the run there: the stream
   * is aborted and the error rethrown.
   */
  beforeGuess?: () => void
}

/**
 * T's side: opens the run with the code the owner typed. Throws PairingFailedError: `nameplate`
 * (not this device), `wrong-code` (keys did not confirm: a mistyped code, or a device that does
 * not know it; N's code is burned), `expired`, `busy` (with `retryMs` when N said it), `done`, `invalid`. Only the refusals
 * answered to the Hello (`nameplate`, `expired`, `busy`, `done`, `version`) come before T's share:
 * once T's share and tag are sent, anything but N's valid Confirm (a Reject of any kind, a reset,
 * silence until the timeout) is `wrong-code`, a guess at the code spent like a failed tag.
 */
export async function beginPairing (stream: Stream, peers: Peers, code: string, options: BeginOptions = {}): Promise<PairingRun> {
  try {
    return await begin(stream, peers, code, options)
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}

async function begin (stream: Stream, peers: Peers, code: string, options: BeginOptions): Promise<PairingRun> {
  const normalized = normalizeCode(code)
  const signal = AbortSignal.any([AbortSignal.timeout(PAKE_TIMEOUT_MS), ...(options.signal !== undefined ? [options.signal] : [])])
  const pb = pbStream(stream, { maxDataLength: MAX_SMALL }).pb(PairMessage)
  const nonceT = new Uint8Array(randomBytes(NONCE))
  await pb.write(empty({ hello: { version: PAIR_VERSION, nameplate: nameplateOf(normalized), nonce: nonceT } }), { signal })
  const first = await pb.read({ signal })
  // A BUSY device may say how long until it takes a Hello from here again (retry_ms).
  if (first.reject !== undefined) throw new PairingFailedError(`the device refused: ${rejectReason(first.reject.reason)}`, { reason: rejectReason(first.reject.reason), ...(first.reject.retryMs !== undefined ? { retryMs: first.reject.retryMs } : {}) })
  const a = first.shareA
  if (a === undefined || a.nonce.byteLength !== NONCE) throw new PairingFailedError('expected the device\'s share', { reason: 'invalid' })
  const sid = sessionId(nonceT, a.nonce)
  // N's PeerId is the remote one here.
  const ci = channelId(peers.remote, peers.local)
  const b = cpaceShare(cpaceGenerator(codePassword(normalized), ci, sid))
  let keys: Keys
  try {
    keys = keysFrom(cpaceIsk(b.scalar, a.y, sid, { Ya: a.y, ADa: AD_N, Yb: b.Y, ADb: AD_T }), sid, ci, { Ya: a.y, Yb: b.Y })
  } catch (err) {
    throw new PairingFailedError('the device sent an invalid share', { reason: 'invalid' }, { cause: err })
  }
  options.beforeGuess?.()
  await pb.write(empty({ shareB: { y: b.Y, tag: confirmTag(keys.mac, b.Y, AD_T) } }), { signal })
  // The guess is out: a hostile "device" may have tested one code against the tag. Whatever it
  // answers now other than a valid Confirm counts as that guess failing, so that no answer (BUSY,
  // NAMEPLATE, a reset) lets the approver run the PAKE with the same code again.
  let c: PairMessage['confirm']
  try {
    const second = await pb.read({ signal })
    if (second.reject !== undefined) {
      throw new PairingFailedError(second.reject.reason === Reject.Reason.PAKE
        ? 'the code did not match: the device burned it and shows a new one'
        : `the device did not confirm the code (it answered ${rejectReason(second.reject.reason)} once the exchange had begun), taken as a wrong code: if it is the device in front of you, read the new code it shows`, { reason: 'wrong-code' })
    }
    c = second.confirm
  } catch (err: any) {
    if (options.signal?.aborted === true || err?.details?.reason === 'wrong-code') throw err
    // The transport's own words (a stream closed mid-read, a reset) tell the owner nothing: they go
    // to the debug log and the error's cause.
    log('the device ended the run before confirming the code: %e', err)
    throw new PairingFailedError('the device closed the connection before confirming the code, taken as a wrong code: if it is the device in front of you, read the new code it shows', { reason: 'wrong-code' }, { cause: err })
  }
  if (c === undefined || !equals(confirmTag(keys.mac, a.y, AD_N), c.tag)) throw new PairingFailedError('the code did not match', { reason: 'wrong-code' })
  const request = Request.decode(open(keys.kn, LABEL.pairRequestAad, c.sealed))
  checkRequest(request, keys.binding)
  const gone = new AbortController()
  const onClose = (): void => { gone.abort(new PairingFailedError('the device went away before the decision', { reason: 'gone' })) }
  // Closed already (N gave up between Confirm and here): gone at once.
  if (stream.status !== 'open') onClose()
  else stream.addEventListener('close', onClose, { once: true })
  return {
    request,
    gone: gone.signal,
    transcript: new Uint8Array(createHash('sha256').update(keys.binding).digest()),
    decide: async (v, opts = {}) => {
      if (gone.signal.aborted) throw gone.signal.reason
      stream.removeEventListener('close', onClose)
      const verdict = (v.approved ? { approved: true, reason: '', grant: Grant.encode(v.grant) } : { approved: false, reason: v.reason, grant: new Uint8Array(0) }) as Verdict
      // The verdict is the one large message: written through a stream of its own limit.
      const big = pbStream(pb.unwrap().unwrap(), { maxDataLength: MAX_VERDICT }).pb(PairMessage)
      await big.write(empty({ decision: { sealed: seal(keys.kt, LABEL.pairVerdictAad, Verdict.encode(verdict)) } }), opts)
      await stream.close(opts)
    },
    abort: (err) => { stream.abort(err) }
  }
}

function checkRequest (r: Request, binding: Uint8Array): void {
  if (r.device.byteLength !== 32) throw new PairingFailedError('the device key in the request is not 32 bytes', { reason: 'invalid' })
  if (r.kem.byteLength !== 0 && r.kem.byteLength !== 32) throw new PairingFailedError('the KEM key in the request is not 32 bytes', { reason: 'invalid' })
  if (r.label.length > MAX_LABEL || r.hostname.length > 255 || r.os.length > 255 || r.arch.length > 64 || r.meshVersion.length > 64) throw new PairingFailedError('a field of the request is too long', { reason: 'invalid' })
  for (const [name, text] of [['label', r.label], ['hostname', r.hostname], ['os', r.os], ['arch', r.arch], ['mesh version', r.meshVersion]] as const) {
    if (UNSAFE_TEXT.test(text)) throw new PairingFailedError(`the request's ${name} holds control or bidi characters`, { reason: 'invalid' })
  }
  if (!verifyWithDomain(r.device, DOMAIN.pair, binding, r.proof)) throw new PairingFailedError('the device did not prove it holds its key', { reason: 'invalid' })
}
