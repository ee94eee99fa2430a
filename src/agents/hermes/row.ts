/**
 * One line of Hermes's native export (`hermes sessions export OUT --format jsonl`: every column
 * of a `sessions` row plus `messages`, the rows of its messages) cut into records without
 * changing a byte: the row with its `messages` array emptied, and each message's exact text.
 * Joining them back puts the messages into the empty array with the separator the writer used
 * between the row's own members (Python's json.dumps uses one item separator throughout). A
 * line that does not come back exactly from its pieces is not cut (`split` says so). A head read
 * back from a document is checked to be JSON first: any device may have written it. Pure.
 */
import { InvalidInputError } from '../../errors.js'

interface Span { start: number, end: number }
interface Member { key: string, keySpan: Span, value: Span }

function ws (text: string, i: number): number { while (i < text.length && ' \n\r\t'.includes(text[i] as string)) i++; return i }

const unended = (): InvalidInputError => new InvalidInputError('a Hermes row is not JSON: it ends inside a value')

/**
 * Where the JSON value starting at `i` (after whitespace) ends. Meant for valid JSON; on text that
 * ends inside a string, object or array it throws instead of reading past the end.
 */
function valueEnd (text: string, i: number): number {
  i = ws(text, i)
  const c = text[i]
  if (c === '"') {
    for (i++; text[i] !== '"'; i++) {
      if (text[i] === '\\') i++
      if (i >= text.length) throw unended()
    }
    return i + 1
  }
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']'
    i = ws(text, i + 1)
    if (text[i] === close) return i + 1
    for (;;) {
      if (c === '{') { i = valueEnd(text, i); i = ws(text, i) + 1 } // key, ':'
      i = ws(text, valueEnd(text, i))
      if (text[i] === ',') { i++; continue }
      if (text[i] !== close) throw unended()
      return i + 1
    }
  }
  while (i < text.length && !',]} \n\r\t'.includes(text[i] as string)) i++
  return i
}

/** The top-level members of a JSON object text, with where each key and value sits. Expects valid JSON. */
export function topMembers (text: string): Member[] | undefined {
  let i = ws(text, 0)
  if (text[i] !== '{') return undefined
  i = ws(text, i + 1)
  const out: Member[] = []
  if (text[i] === '}') return out
  for (;;) {
    const ks = ws(text, i)
    const ke = valueEnd(text, ks)
    const vs = ws(text, ws(text, ke) + 1)
    const ve = valueEnd(text, vs)
    out.push({ key: JSON.parse(text.slice(ks, ke)) as string, keySpan: { start: ks, end: ke }, value: { start: vs, end: ve } })
    i = ws(text, ve)
    if (text[i] === ',') { i++; continue }
    return out
  }
}

/** The elements of the array whose text is at `span` ('[' to after ']'). */
function elements (text: string, span: Span): Span[] {
  const out: Span[] = []
  let i = ws(text, span.start + 1)
  if (text[i] === ']') return out
  for (;;) {
    const s = ws(text, i)
    const e = valueEnd(text, s)
    out.push({ start: s, end: e })
    i = ws(text, e)
    if (text[i] === ',') { i++; continue }
    return out
  }
}

/** Member separator of the object: the text between the first value's end and the second key. */
function memberSep (text: string, members: Member[]): string | undefined {
  const [a, b] = members
  if (a === undefined || b === undefined) return undefined
  return text.slice(a.value.end, b.keySpan.start)
}

export interface SplitRow { head: string, messages: string[] }

/** The row cut at its messages, or undefined when it has none or would not come back exactly. */
export function splitRow (line: string): SplitRow | undefined {
  let members: Member[] | undefined
  try { members = topMembers(line) } catch { return undefined } // not JSON: kept whole
  if (members === undefined) return undefined
  const msgs = members.find(m => m.key === 'messages')
  if (msgs === undefined || line[msgs.value.start] !== '[') return undefined
  const els = elements(line, msgs.value)
  const head = line.slice(0, msgs.value.start) + '[]' + line.slice(msgs.value.end)
  const messages = els.map(e => line.slice(e.start, e.end))
  try { if (joinRow(head, messages) !== line) return undefined } catch { return undefined }
  return { head, messages }
}

/**
 * The row again: the messages put into the head's empty `messages` array. Throws
 * InvalidInputError for a head that is not a JSON object with one.
 */
export function joinRow (head: string, messages: readonly string[]): string {
  let parsed: unknown
  try { parsed = JSON.parse(head) } catch { throw new InvalidInputError('a Hermes row head is not JSON') }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new InvalidInputError('a Hermes row head is not a JSON object')
  const members = topMembers(head)
  const msgs = members?.find(m => m.key === 'messages')
  if (members === undefined || msgs === undefined || head.slice(msgs.value.start, msgs.value.end) !== '[]') throw new InvalidInputError('not a Hermes row head: no empty messages array')
  const sep = memberSep(head, members) ?? ', '
  return head.slice(0, msgs.value.start + 1) + messages.join(sep) + head.slice(msgs.value.start + 1)
}
