/**
 * The first character of a text that `pattern` matches (a control character, a bidi control),
 * named as `U+0009`, and its index in characters (code points, as a person counts them; an emoji
 * is one), if any. Every refusal of such a character says it this way, `(U+0009) at character N`:
 * a memory key's, a title's, a tag's (src/api/schema-text.ts), a device's label (src/node/enrol.ts).
 */
export function charAt (v: string, pattern: RegExp): { cp: string, at: number } | undefined {
  const one = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
  const chars = [...v]
  const at = chars.findIndex(c => one.test(c))
  if (at < 0) return undefined
  return { cp: `U+${(chars[at]?.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`, at }
}
