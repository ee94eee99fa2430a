/** A user's input as an error message repeats it (src/errors.ts's errors carry it whole in their details). */

/** C0, DEL, C1, the line and paragraph separators and the bidi embeddings, overrides and isolates. */
const INPUT_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/gu

function escaped (text: string): string {
  return text.replace(INPUT_CONTROLS, c => c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`)
}

/**
 * A user's input repeated in an error message: its controls (a newline, a tab, an escape, a bidi
 * override) written as `\n`, `\t`, `\u001b`, never obeyed, and when longer than `most`
 * characters, only its head and tail around `…`, with its length: a 100,000-character key was
 * printed back whole. The error's details keep the input as given.
 */
export function shownInput (input: string, most = 80): string {
  if (input.length <= most) return escaped(input)
  const chars = Array.from(input) // by code point: a cut never splits a surrogate pair
  if (chars.length <= most) return escaped(input)
  const head = Math.ceil(most * 0.6)
  return `${escaped(chars.slice(0, head).join(''))}…${escaped(chars.slice(chars.length - (most - head)).join(''))} (${chars.length} characters)`
}
