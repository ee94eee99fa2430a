/**
 * Pairing codes: 8 Crockford base32 symbols (40 bits), shown `XXXX-XXXX`. The first two symbols
 * are the nameplate: public, sent in the clear so an approver can skip other devices pairing on
 * the same network without spending their codes. The whole code is the PAKE password; only the
 * last six symbols (30 bits) are secret, and nothing on the wire or in discovery is derived from
 * them (a hash of a short secret is a table lookup away: magic-wormhole docs/attacks.rst).
 *
 * A code allows one PAKE run: a wrong guess burns it, and so does a run that starts and does not
 * finish. It expires 10 minutes after it is shown, and is then replaced by a timer (unless a run
 * is under way), which `stop()` ends. `PairingCode` keeps the one live code of a device waiting to
 * be paired, on an injected clock.
 *
 * Burning codes is also how a stranger keeps a device from pairing: each new code is one the
 * owner has not read yet. So after MAX_BURNS burned codes within BURN_WINDOW_MS, new runs wait
 * PAUSE_MS (`begin` answers 'paused', told to `onPause`): however many senders take part, the
 * code shown stands that long, and the owner's approval goes through once they stop. Per sender
 * the node refuses sooner (node/pair-guard.ts).
 *
 * @example
 * const codes = new PairingCode({ onNew: (c, why) => print(c.display, why) })
 * const attempt = codes.begin(nameplate)     // 'nameplate' | 'expired' | 'busy' | { password }
 * codes.burn('wrong-code')                   // a fresh code, "someone tried a wrong code"
 * // 'paused' too, for PAUSE_MS after the MAX_BURNS-th code burned within BURN_WINDOW_MS
 */
import { randomBytes } from 'node:crypto'
import { InvalidInputError } from '../errors.js'
import { shownInput } from '../shown-input.js'
import { utf8 } from './bytes.js'

export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
export const CODE_SYMBOLS = 8
export const NAMEPLATE_SYMBOLS = 2
export const CODE_TTL_MS = 10 * 60 * 1000
/**
 * Wrong nameplates a code tolerates before it is replaced. A mismatch costs the code nothing, so
 * without a bound a stranger would try all 1,024 nameplates and then spend its one guess on the
 * 30 secret bits knowing the other 10; with it, a stranger hits the nameplate of a code with
 * probability 16/1024 before the code is replaced, while approvers on a LAN where a few devices
 * pair at once stay far below it.
 */
export const MAX_NAMEPLATE_MISSES = 16
/**
 * Codes burned (a wrong guess, a run abandoned before keys confirmed, 16 wrong nameplates) within
 * BURN_WINDOW_MS that pause new runs for PAUSE_MS. An owner who mistypes twice is not slowed; a
 * prober, from however many addresses, replaces the code 3 times at most before a pause, and once
 * per pause while it goes on: each code it leaves then stands PAUSE_MS.
 */
export const MAX_BURNS = 3
export const BURN_WINDOW_MS = 60_000
export const PAUSE_MS = 30_000

/** Reads a code as a person may type it: any case, hyphens and spaces, I/L for 1, O for 0. */
export function normalizeCode (input: string): string {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  if (s.length !== CODE_SYMBOLS || [...s].some(c => !CROCKFORD.includes(c))) {
    throw new InvalidInputError(`a pairing code is ${CODE_SYMBOLS} symbols of 0-9 and A-Z without U (like K7QM-2XDF); got "${shownInput(input)}"`)
  }
  return s
}

export const formatCode = (code: string): string => `${code.slice(0, 4)}-${code.slice(4)}`
export const nameplateOf = (code: string): string => code.slice(0, NAMEPLATE_SYMBOLS)
/** The PAKE password (PRS): the whole normalized code. */
export const codePassword = (code: string): Uint8Array => utf8(normalizeCode(code))

/** 40 random bits as 8 symbols. */
export function generateCode (): string {
  const b = randomBytes(5)
  let bits = 0n
  for (const x of b) bits = (bits << 8n) | BigInt(x)
  let out = ''
  for (let i = CODE_SYMBOLS - 1; i >= 0; i--) out += CROCKFORD[Number((bits >> BigInt(5 * i)) & 31n)]
  return out
}

export interface ShownCode {
  code: string
  /** `XXXX-XXXX` */
  display: string
  nameplate: string
  shownAt: number
  expiresAt: number
}

/** Why a new code replaced the last one. */
export type NewCodeReason = 'first' | 'wrong-code' | 'expired' | 'abandoned' | 'probed' | 'denied'

export interface PairingCodeOptions {
  /** @default Date.now */
  clock?: () => number
  /** @default CODE_TTL_MS */
  ttlMs?: number
  /** Called with every code shown, the first one included. */
  onNew?: (code: ShownCode, reason: NewCodeReason) => void
  /** Called when new runs pause (MAX_BURNS codes burned within BURN_WINDOW_MS), with when they resume. */
  onPause?: (e: { burned: number, until: number }) => void
  /** Tests only: the codes to show, in order, before random ones. */
  codes?: string[]
}

export type Attempt = { password: Uint8Array, code: ShownCode } | 'nameplate' | 'expired' | 'busy' | 'paused' | 'done'

export class PairingCode {
  private shown!: ShownCode
  private running = false
  private misses = 0
  /** When codes were burned, the last BURN_WINDOW_MS of them; and until when new runs wait. */
  private burns: number[] = []
  private pausedUntil = 0
  private finished = false
  private stopped = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly clock: () => number
  private readonly ttlMs: number
  private readonly queue: string[]

  constructor (private readonly opts: PairingCodeOptions = {}) {
    this.clock = opts.clock ?? Date.now
    this.ttlMs = opts.ttlMs ?? CODE_TTL_MS
    this.queue = [...(opts.codes ?? [])].map(normalizeCode)
    this.renew('first')
  }

  /** The live code, renewed first if it expired. */
  current (): ShownCode {
    if (!this.finished && !this.running && this.clock() >= this.shown.expiresAt) this.renew('expired')
    return this.shown
  }

  /**
   * An approver asks to run the PAKE with the code whose nameplate it names. One run at a time;
   * a mismatched nameplate costs nothing; an expired code is replaced and refused. While runs
   * pause, every Hello is 'paused' before its nameplate is looked at: it learns nothing and counts
   * as no miss.
   */
  begin (nameplate: string): Attempt {
    if (this.finished) return 'done'
    if (this.running) return 'busy'
    if (this.clock() < this.pausedUntil) return 'paused'
    if (this.clock() >= this.shown.expiresAt) { this.renew('expired'); return 'expired' }
    if (nameplate !== this.shown.nameplate) {
      if (++this.misses >= MAX_NAMEPLATE_MISSES) this.renew('probed', true)
      return 'nameplate'
    }
    this.running = true
    return { password: utf8(this.shown.code), code: this.shown }
  }

  /** The run failed (a wrong code, or it stopped before confirming keys): the code is spent. */
  burn (reason: 'wrong-code' | 'abandoned'): ShownCode {
    this.running = false
    if (!this.finished) this.renew(reason, true)
    return this.shown
  }

  /** Keys confirmed: the code is used, and no further run is accepted. */
  succeed (): void { this.running = false; this.finished = true; this.clearTimer() }

  /** Ends the renewal on expiry; the code is shown no longer. Harmless twice. */
  stop (): void { this.stopped = true; this.clearTimer() }

  /** A confirmed run ended without a grant (`denied`: the owner said no): pairing may go on with a fresh code. */
  reopen (reason: 'abandoned' | 'denied' = 'abandoned'): ShownCode { this.finished = false; this.running = false; this.renew(reason); return this.shown }

  /** Until when new runs wait (0, or a time past, when they do not). */
  pausedTill (): number { return this.pausedUntil }

  /** `burned`: the code was spent by a run that did not confirm, or probed (not expired, nor ended by a run that confirmed). */
  private renew (reason: NewCodeReason, burned = false): void {
    this.misses = 0
    const code = this.queue.shift() ?? generateCode()
    const now = this.clock()
    this.shown = { code, display: formatCode(code), nameplate: nameplateOf(code), shownAt: now, expiresAt: now + this.ttlMs }
    this.opts.onNew?.(this.shown, reason)
    if (burned) this.burned(now)
    this.schedule()
  }

  private burned (now: number): void {
    this.burns = this.burns.filter(t => now - t < BURN_WINDOW_MS)
    this.burns.push(now)
    if (this.burns.length < MAX_BURNS) return
    // Kept, not counted afresh: a burn soon after a pause pauses again, so a prober that goes on
    // leaves each code standing at least PAUSE_MS.
    this.pausedUntil = now + PAUSE_MS
    this.opts.onPause?.({ burned: this.burns.length, until: this.pausedUntil })
  }

  /**
   * A code that expires with nobody connecting is replaced then, so the screen never shows a dead
   * code (MEMBERSHIP-DESIGN §2.3). Not during a run: its end shows the next code itself.
   */
  private schedule (): void {
    this.clearTimer()
    if (this.stopped || this.finished) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.stopped || this.finished || this.running) return
      // An injected clock may not have moved: look again when it says the code is due.
      if (this.clock() >= this.shown.expiresAt) this.renew('expired')
      else this.schedule()
    }, Math.max(0, this.shown.expiresAt - this.clock()))
    // Never what keeps a process alive: the pairing node is, while pairing goes on.
    this.timer.unref?.()
  }

  private clearTimer (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}

/**
 * The short fingerprint a device shows beside its code and the approver shows in its review:
 * the last 8 characters of the PeerId it will have (about 47 bits), enough for a person to see
 * that the device under review is the one in front of them.
 */
export const shortFingerprint = (deviceId: string): string => deviceId.slice(-8)
