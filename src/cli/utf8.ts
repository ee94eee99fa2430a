/**
 * Where bytes stop being UTF-8: text read from stdin is refused there rather than decoded with
 * U+FFFD in place of what is not (Node's decoder never fails), which would store another text.
 */
import { isUtf8 } from 'node:buffer'

/** The first byte of `b` that is not part of a whole UTF-8 character (RFC 3629), or undefined when all are. */
export function firstNonUtf8 (b: Uint8Array): number | undefined {
  if (isUtf8(b)) return undefined
  let i = 0
  while (i < b.length) {
    const c = b[i] as number
    if (c < 0x80) { i++; continue }
    // The continuation bytes a lead byte takes, and the range of the first (no overlong form, no
    // surrogate half, nothing past U+10FFFF); the others are 0x80-0xbf.
    let n: number
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) n = 1
    else if (c === 0xe0) { n = 2; lo = 0xa0 } else if (c === 0xed) { n = 2; hi = 0x9f } else if (c >= 0xe1 && c <= 0xef) n = 2
    else if (c === 0xf0) { n = 3; lo = 0x90 } else if (c === 0xf4) { n = 3; hi = 0x8f } else if (c >= 0xf1 && c <= 0xf3) n = 3
    else return i
    for (let k = 1; k <= n; k++) {
      const d = b[i + k]
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i
    }
    i += n + 1
  }
  // isUtf8 and this scan disagree only if one of them is wrong: the start, rather than nothing.
  return 0
}
