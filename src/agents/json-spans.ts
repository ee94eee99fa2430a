/**
 * Where each string of a JSON text sits, with its path (object keys and array indexes from the
 * root) and whether it is an object key: lets a rewrite replace exactly the string tokens of
 * named fields in the original bytes, keeping everything else (spacing, escapes, key order,
 * number spelling) as the agent wrote it. Pure; expects valid JSON (JSON.parse it first).
 */

export interface StringSpan {
  /** Offsets into the text of the token, quotes included. */
  start: number
  end: number
  value: string
  path: Array<string | number>
  isKey: boolean
  /** A number token (asked for with `numbers`): `value` is its text as written. */
  number?: true
}

/** `numbers`: number tokens too, as spans with `number` set (a redaction replaces those under secret names). */
export function stringSpans (text: string, want?: (path: ReadonlyArray<string | number>, isKey: boolean) => boolean, opts: { numbers?: boolean } = {}): StringSpan[] {
  const out: StringSpan[] = []
  let i = 0
  const ws = (): void => { while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++ }
  const str = (): { start: number, end: number, value: string } => {
    const start = i
    i++ // opening quote
    while (text[i] !== '"') { if (text[i] === '\\') i++; i++ }
    i++
    return { start, end: i, value: JSON.parse(text.slice(start, i)) as string }
  }
  // One path stack, copied only for a span that is kept: most strings are not wanted.
  const path: Array<string | number> = []
  const keep = (s: { start: number, end: number, value: string }, isKey: boolean): void => {
    if (want === undefined || want(path, isKey)) out.push({ ...s, path: [...path], isKey })
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '"') { keep(str(), false); return }
    if (c === '{') {
      i++; ws()
      if (text[i] === '}') { i++; return }
      for (;;) {
        ws()
        const k = str()
        path.push(k.value)
        keep(k, true)
        ws(); i++ // ':'
        value()
        path.pop()
        ws()
        if (text[i] === ',') { i++; continue }
        i++; return // '}'
      }
    }
    if (c === '[') {
      i++; ws()
      if (text[i] === ']') { i++; return }
      let n = 0
      for (;;) {
        path.push(n++)
        value()
        path.pop()
        ws()
        if (text[i] === ',') { i++; continue }
        i++; return // ']'
      }
    }
    // number, true, false, null
    const start = i
    while (i < text.length && !',]} \n\r\t'.includes(text[i] as string)) i++
    if (opts.numbers === true && c !== 't' && c !== 'f' && c !== 'n' && (want === undefined || want(path, false))) out.push({ start, end: i, value: text.slice(start, i), path: [...path], isKey: false, number: true })
  }
  value()
  return out
}

/**
 * The text with each span's leading path `from` replaced by `to` inside the original token, so
 * the rest of the token keeps its bytes (its escapes included): a rewrite and its reverse give
 * back the original token exactly.
 */
export function replacePrefixes (text: string, edits: Array<{ span: StringSpan, from: string, to: string }>): string {
  const sorted = [...edits].sort((a, b) => a.span.start - b.span.start)
  let out = ''
  let at = 0
  for (const e of sorted) {
    const token = text.slice(e.span.start, e.span.end)
    const encFrom = JSON.stringify(e.from).slice(0, -1)
    const encTo = JSON.stringify(e.to).slice(0, -1)
    // The same prefix with '/' escaped as '\/' (legal JSON some writers use): rewritten in kind.
    const escFrom = encFrom.replace(/\//g, '\\/')
    const next = token.startsWith(encFrom)
      ? encTo + token.slice(encFrom.length)
      : token.startsWith(escFrom)
        ? encTo.replace(/\//g, '\\/') + token.slice(escFrom.length)
        : JSON.stringify(e.to + e.span.value.slice(e.from.length))
    out += text.slice(at, e.span.start) + next
    at = e.span.end
  }
  return out + text.slice(at)
}
