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
  /** Empty when asked for with `paths: false`. */
  path: Array<string | number>
  /** The key of the member the token is in, through arrays (`"secrets": ["…"]`); undefined outside any object. */
  member?: string
  isKey: boolean
  /** A number token (asked for with `numbers`): `value` is its text as written. */
  number?: true
}

/**
 * `numbers`: number tokens too, as spans with `number` set (a redaction replaces those under
 * secret names). `paths: false`: spans without their path copied (`member` is still set), for a
 * caller that keeps every span of a deep text, where a copy per span would be quadratic.
 *
 * The walk keeps its own stack rather than recursing: JSON.parse takes a line nested thousands
 * deep (a tool's output), and a recursive walk of it overflowed the call stack, so a rewrite or a
 * redaction failed or skipped the line.
 */
export function stringSpans (text: string, want?: (path: ReadonlyArray<string | number>, isKey: boolean) => boolean, opts: { numbers?: boolean, paths?: boolean } = {}): StringSpan[] {
  const out: StringSpan[] = []
  const copyPaths = opts.paths !== false
  let i = 0
  const ws = (): void => { while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++ }
  const str = (): { start: number, end: number, value: string } => {
    const start = i
    i++ // opening quote
    while (text[i] !== '"') { if (text[i] === '\\') i++; i++ }
    i++
    return { start, end: i, value: JSON.parse(text.slice(start, i)) as string }
  }
  // One path stack, copied only for a span that is kept: most strings are not wanted. Beside it,
  // the open containers (the next index of an array; -1 for an object) and each one's member key.
  const path: Array<string | number> = []
  const open: number[] = []
  const members: Array<string | undefined> = []
  const member = (): string | undefined => members[members.length - 1]
  const keep = (s: { start: number, end: number, value: string }, isKey: boolean): void => {
    if (want === undefined || want(path, isKey)) out.push({ ...s, path: copyPaths ? [...path] : [], member: member(), isKey })
  }
  // A member's key, then its ':'; the key becomes the last step of the path.
  const key = (): void => {
    ws()
    const k = str()
    path.push(k.value)
    members[members.length - 1] = k.value
    keep(k, true)
    ws(); i++ // ':'
  }
  for (;;) {
    // At a value.
    ws()
    const c = text[i]
    if (c === '"') keep(str(), false)
    else if (c === '{') {
      i++; ws()
      if (text[i] === '}') i++
      else { open.push(-1); members.push(undefined); key(); continue }
    } else if (c === '[') {
      i++; ws()
      if (text[i] === ']') i++
      else { open.push(1); members.push(member()); path.push(0); continue }
    } else {
      // number, true, false, null
      const start = i
      while (i < text.length && !',]} \n\r\t'.includes(text[i] as string)) i++
      if (opts.numbers === true && c !== 't' && c !== 'f' && c !== 'n' && (want === undefined || want(path, false))) out.push({ start, end: i, value: text.slice(start, i), path: copyPaths ? [...path] : [], member: member(), isKey: false, number: true })
    }
    // After a value: on to the next one of its container, or close containers until one has one.
    for (;;) {
      const top = open.length - 1
      if (top < 0) return out
      path.pop()
      ws()
      if (text[i] === ',') {
        i++
        const n = open[top] as number
        if (n === -1) key()
        else { path.push(n); open[top] = n + 1 }
        break
      }
      i++ // '}' or ']'
      open.pop()
      members.pop()
    }
  }
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
