import { describe, expect, it } from 'vitest'
import { printable } from '../../src/cli/printable.js'

describe('printable', () => {
  it('shows controls other than newline and tab, and bidi controls, instead of passing them to the terminal', () => {
    expect(printable('ok\x1b]0;PWNED\x07\x1b[2K\rfake\x1b]52;c;cm0K\x07')).toBe('ok^[]0;PWNED^G^[[2K^Mfake^[]52;c;cm0K^G')
    expect(printable('a\u202eb\u2066c\u2069')).toBe('a<U+202E>b<U+2066>c<U+2069>')
    expect(printable('\x00\x7f\x9b\x85')).toBe('^@^?<U+009B><U+0085>')
    expect(printable('line one\n\tindented — ünïcødé 🙂')).toBe('line one\n\tindented — ünïcødé 🙂')
    // Shown once, shown the same again.
    expect(printable(printable('\x1b\u202e'))).toBe('^[<U+202E>')
  })
})

describe('text of other scripts and systems', () => {
  it('a CR that ends a line only ends it, and the direction marks of Arabic, Hebrew and Persian text are left', async () => {
    const { printable } = await import('../../src/cli/printable.js')
    expect(printable('one\r\ntwo\r\n')).toBe('one\ntwo\n')
    expect(printable('a\rb')).toBe('a^Mb')
    expect(printable('שלום\u200f abc \u200e\u061c')).toBe('שלום\u200f abc \u200e\u061c')
    expect(printable('x\u202ey')).toBe('x<U+202E>y')
  })

  it('a revocation\'s reason and a peer\'s label in mesh join\'s event lines are printable too', async () => {
    const { formatEvent } = await import('../../src/cli/commands/join.js')
    const line = formatEvent({ type: 'refused', peerId: '12D3KooWexample', reason: 'bad\x1b]0;PWNED\x07' } as any)
    expect(line).toContain('bad^[]0;PWNED^G')
    expect(line).not.toMatch(/[\x1b\x07]/)
  })
})
