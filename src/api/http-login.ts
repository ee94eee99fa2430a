/**
 * Single-use login codes for the dashboard. A browser records every URL it visits, fragment and
 * all, in its history database before the page can remove it from the address bar: a login link
 * that carried the API token left the token there for whoever reads the profile, for as long as
 * the daemon ran. `mesh dashboard` (which holds the token) asks the daemon for a code instead
 * (`POST /api/login-codes`), and the link carries the code; the page trades it once for the
 * token (`POST /api/login`) and keeps the token in its memory only. What the history keeps is a
 * code that opens nothing: used, or expired after LOGIN_CODE_MS.
 *
 * The codes are the server's memory only (a new daemon knows none), at most MAX_LOGIN_CODES at
 * once (the oldest goes first), kept by their digest, and dropped when used or found expired: no
 * timer runs for them.
 *
 * @example
 * const codes = new LoginCodes()
 * const { code } = codes.issue()
 * codes.redeem(code) // true
 * codes.redeem(code) // false: used
 */
import { createHash, randomBytes } from 'node:crypto'

/** Where a page trades a code for the token (no token needed: the code is the proof). */
export const LOGIN_PATH = '/api/login'
/** Where a client holding the token asks for a code. */
export const LOGIN_CODES_PATH = '/api/login-codes'
/** How long a code stays good: time to open a printed link in a browser, copied to another machine over ssh. */
export const LOGIN_CODE_MS = 10 * 60_000
/** Codes outstanding at once; one more drops the oldest. */
export const MAX_LOGIN_CODES = 16
/**
 * The most a login's body may be: it is `{"code":"<32 hex digits>"}` (43 bytes), read before any
 * token, so a client without one is held to this rather than to the 16 MiB of a method's body.
 */
export const MAX_LOGIN_BODY = 4096
/** A code: 16 random bytes in hex. */
export const LOGIN_CODE = /^[0-9a-f]{32}$/

/** The dashboard's URL for a code (`#code=`: the fragment is never sent to a server). */
export const codeLoginUrl = (url: string, code: string): string => `${url}/#code=${code}`

export interface LoginCode { code: string, expiresAt: number }

const digest = (code: string): string => createHash('sha256').update(code).digest('hex')

export class LoginCodes {
  /** Digest of each outstanding code → when it expires (Date.now() ms); in the order issued. */
  private readonly codes = new Map<string, number>()

  constructor (private readonly ttlMs = LOGIN_CODE_MS, private readonly max = MAX_LOGIN_CODES) {}

  issue (now = Date.now()): LoginCode {
    this.prune(now)
    while (this.codes.size >= this.max) this.codes.delete(this.codes.keys().next().value as string)
    const code = randomBytes(16).toString('hex')
    const expiresAt = now + this.ttlMs
    this.codes.set(digest(code), expiresAt)
    return { code, expiresAt }
  }

  /** Whether `code` is outstanding and not expired; it is used up either way. */
  redeem (code: string, now = Date.now()): boolean {
    if (!LOGIN_CODE.test(code)) return false
    const key = digest(code)
    const expiresAt = this.codes.get(key)
    this.codes.delete(key)
    return expiresAt !== undefined && now < expiresAt
  }

  private prune (now: number): void {
    for (const [key, expiresAt] of this.codes) if (now >= expiresAt) this.codes.delete(key)
  }
}
