import { describe, expect, it } from 'vitest'
import { printable } from '../../src/cli/printable.js'

describe('printable', () => {
  it('shows controls other than newline and tab, and bidi controls, instead of passing them to the terminal', () => {
    expect(printable('ok\x1b]0;PWNED\x07\x1b[2K\rfake\x1b]52;c;cm0K\x07')).toBe('ok^[]0;PWNED^G^[[2K^Mfake^[]52;c;cm0K^G')
    expect(printable('a\u202eb\u2066c\u2069\u200f\u061c')).toBe('a<U+202E>b<U+2066>c<U+2069><U+200F><U+061C>')
    expect(printable('\x00\x7f\x9b\x85')).toBe('^@^?<U+009B><U+0085>')
    expect(printable('line one\n\tindented — ünïcødé 🙂')).toBe('line one\n\tindented — ünïcødé 🙂')
    // Shown once, shown the same again.
    expect(printable(printable('\x1b\u202e'))).toBe('^[<U+202E>')
  })
})
