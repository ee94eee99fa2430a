import { describe, expect, it } from 'vitest'
import { compareBytes, fromHex, toHex } from '../../src/identity/bytes.js'

describe('byte helpers', () => {
  it('writes the hex of a view, not of the buffer under it', () => {
    const whole = new Uint8Array([0x00, 0x01, 0xff, 0x10, 0xab])
    expect(toHex(whole)).toBe('0001ff10ab')
    expect(toHex(whole.subarray(1, 3))).toBe('01ff')
    expect(toHex(whole.subarray(5))).toBe('')
    expect(toHex(Buffer.from([0xde, 0xad]))).toBe('dead')
    const random = crypto.getRandomValues(new Uint8Array(257))
    expect(toHex(random.subarray(3, 200))).toBe(Buffer.from(random.subarray(3, 200)).toString('hex'))
    expect(fromHex(toHex(random))).toEqual(random)
  })

  it('orders bytes as their hex strings sort', () => {
    const all = Array.from({ length: 200 }, (_, i) => crypto.getRandomValues(new Uint8Array(1 + (i % 5))))
    const byBytes = [...all].sort(compareBytes).map(toHex)
    const byHex = all.map(toHex).sort()
    expect(byBytes).toEqual(byHex)
  })
})
