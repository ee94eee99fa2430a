/** Login codes (src/api/http-login.ts): each logs in once, within its time, and only so many wait at once. */
import { describe, expect, it } from 'vitest'
import { LOGIN_CODE, LOGIN_CODE_MS, LoginCodes, MAX_LOGIN_CODES } from '../../src/api/http-login.js'

describe('login codes', () => {
  it('a code logs in once', () => {
    const codes = new LoginCodes()
    const { code, expiresAt } = codes.issue(1000)
    expect(code).toMatch(LOGIN_CODE)
    expect(expiresAt).toBe(1000 + LOGIN_CODE_MS)
    expect(codes.redeem(code, 2000)).toBe(true)
    expect(codes.redeem(code, 2000)).toBe(false)
  })

  it('a code past its time opens nothing, and is gone', () => {
    const codes = new LoginCodes()
    const { code, expiresAt } = codes.issue(0)
    expect(codes.redeem(code, expiresAt)).toBe(false)
    const other = codes.issue(0)
    expect(codes.redeem(other.code, expiresAt - 1)).toBe(true)
  })

  it('a code not issued, malformed, or in capitals opens nothing and uses up no other', () => {
    const codes = new LoginCodes()
    const { code } = codes.issue(0)
    for (const wrong of ['', 'x', '0'.repeat(32), code.toUpperCase(), code + '0', code.slice(1)]) expect(codes.redeem(wrong, 1)).toBe(false)
    expect(codes.redeem(code, 1)).toBe(true)
  })

  it(`keeps at most ${MAX_LOGIN_CODES}: one more drops the oldest`, () => {
    const codes = new LoginCodes()
    const issued = Array.from({ length: MAX_LOGIN_CODES + 1 }, (_, i) => codes.issue(i).code)
    expect(codes.redeem(issued[0] as string, 100)).toBe(false)
    for (const c of issued.slice(1)) expect(codes.redeem(c, 100)).toBe(true)
  })

  it('expired codes make room before the oldest live one is dropped', () => {
    const codes = new LoginCodes(10, 2)
    const old = codes.issue(0)
    const live = codes.issue(20)
    codes.issue(25) // `old` expired at 10: it goes, `live` stays
    expect(codes.redeem(old.code, 26)).toBe(false)
    expect(codes.redeem(live.code, 26)).toBe(true)
  })
})
