/** CPace (src/identity/cpace.ts) against the draft's ristretto255/SHA-512 vectors, frozen in cpace.json. */
import { readFileSync } from 'node:fs'
import { sha512 } from '@noble/hashes/sha2.js'
import { describe, expect, it } from 'vitest'
import {
  confirmTag, cpaceGenerator, cpaceIsk, cpaceShare, generatorString, iskFrom, macKey, scalarFromLE, scalarMultVfy, transcriptIr
} from '../../src/identity/cpace.js'
import { fromHex, toHex, utf8 } from '../../src/identity/index.js'

const v = JSON.parse(readFileSync(new URL('./cpace.json', import.meta.url), 'utf8'))
const b = (k: string): Uint8Array => fromHex(v[k])

describe('CPace ristretto255 / SHA-512 (draft-irtf-cfrg-cpace vectors)', () => {
  const t = { Ya: b('Ya'), ADa: b('ADa'), Yb: b('Yb'), ADb: b('ADb') }

  it('reproduces the generator string, its hash and the generator', () => {
    expect(toHex(generatorString(utf8('CPaceRistretto255'), b('PRS'), b('CI'), b('sid')))).toBe(v.generatorString)
    expect(toHex(sha512(b('generatorString')))).toBe(v.generatorHash)
    expect(toHex(cpaceGenerator(b('PRS'), b('CI'), b('sid')).toBytes())).toBe(v.g)
  })

  it('reproduces Ya, Yb, K from both sides, the transcript and ISK', () => {
    const g = cpaceGenerator(b('PRS'), b('CI'), b('sid'))
    const ya = scalarFromLE(b('ya'))
    const yb = scalarFromLE(b('yb'))
    expect(toHex(cpaceShare(g, ya).Y)).toBe(v.Ya)
    expect(toHex(cpaceShare(g, yb).Y)).toBe(v.Yb)
    expect(toHex(scalarMultVfy(ya, b('Yb')))).toBe(v.K)
    expect(toHex(scalarMultVfy(yb, b('Ya')))).toBe(v.K)
    expect(toHex(transcriptIr(t))).toBe(v.transcriptIr)
    expect(toHex(iskFrom(b('sid'), b('K'), t))).toBe(v.ISK_IR)
    expect(toHex(cpaceIsk(ya, b('Yb'), b('sid'), t))).toBe(v.ISK_IR)
    expect(toHex(cpaceIsk(yb, b('Ya'), b('sid'), t))).toBe(v.ISK_IR)
  })

  it('scalar_mult_vfy: the valid case, and the identity for a non-decodable point and for G.I, which cpaceIsk refuses', () => {
    const s = scalarFromLE(fromHex(v.scalarMult.s))
    expect(toHex(scalarMultVfy(s, fromHex(v.scalarMult.X)))).toBe(v.scalarMult.sX)
    for (const bad of [v.invalid.Y_i1, v.invalid.Y_i2]) {
      expect(toHex(scalarMultVfy(s, fromHex(bad)))).toBe(v.invalid.result)
      expect(() => cpaceIsk(s, fromHex(bad), b('sid'), t)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
    }
    expect(() => cpaceIsk(s, new Uint8Array(31), b('sid'), t)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }))
  })

  it('a wrong password gives another key, and the confirmation tags tell', () => {
    const sid = b('sid')
    const ga = cpaceGenerator(utf8('K7QM2XDF'), b('CI'), sid)
    const gb = cpaceGenerator(utf8('K7QM2XDE'), b('CI'), sid)
    const a = cpaceShare(ga)
    const good = cpaceShare(ga)
    const bad = cpaceShare(gb)
    const ta = { Ya: a.Y, ADa: b('ADa'), ADb: b('ADb') }
    const iskA = cpaceIsk(a.scalar, good.Y, sid, { ...ta, Yb: good.Y })
    const iskGood = cpaceIsk(good.scalar, a.Y, sid, { ...ta, Yb: good.Y })
    expect(toHex(iskA)).toBe(toHex(iskGood))
    const iskA2 = cpaceIsk(a.scalar, bad.Y, sid, { ...ta, Yb: bad.Y })
    const iskBad = cpaceIsk(bad.scalar, a.Y, sid, { ...ta, Yb: bad.Y })
    expect(toHex(iskA2)).not.toBe(toHex(iskBad))
    expect(toHex(confirmTag(macKey(sid, iskA2), bad.Y, b('ADb')))).not.toBe(toHex(confirmTag(macKey(sid, iskBad), bad.Y, b('ADb'))))
  })
})
