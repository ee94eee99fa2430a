/**
 * Rewriting the paths of chosen JSON fields in an agent's lines, in place in the original bytes
 * (see json-spans.ts): only string tokens whose path a field matcher accepts, and only values
 * under the mapping's root on a path boundary. Everything else stays byte for byte.
 */
import { InvalidInputError } from '../errors.js'
import { replacePrefixes, stringSpans, type StringSpan } from './json-spans.js'
import { rewritePath, under, type PathMap } from './paths.js'

/** Whether a string token at this path (a value, or an object key when isKey) holds a path to rewrite. */
export type FieldMatcher = (path: ReadonlyArray<string | number>, isKey: boolean) => boolean

/** The options of lines read back to their recorded root (a follow, an import, a check of what is there). */
export const BACK = { alreadyThere: 'keep' } as const

export interface RemapResult { lines: string[], rewritten: number }

/**
 * `alreadyThere`: what a value already under the target root does. `refuse` (a session going out
 * to a directory, where the user can choose another) throws; `keep` (lines read back to the
 * recorded root: an agent's own file, which names what it names) leaves it as it is.
 */
export function remapLines (lines: readonly string[], match: FieldMatcher, map: PathMap, opts: { alreadyThere?: 'refuse' | 'keep' } = {}): RemapResult {
  let rewritten = 0
  if (map.from === map.to) return { lines: [...lines], rewritten }
  const out = lines.map((line) => {
    // A quick no: most lines never mention the root.
    if (!mentions(line, map.from) && !mentions(line, map.to)) return line
    try { JSON.parse(line) } catch { return line }
    const spans = stringSpans(line, match)
    const edits: Array<{ span: StringSpan, from: string, to: string }> = []
    for (const s of spans) {
      if (!match(s.path, s.isKey)) continue
      if (rewritePath(s.value, map) !== undefined) { edits.push({ span: s, from: map.from.replace(/\/$/, ''), to: map.to.replace(/\/$/, '') }); continue }
      // A value already under the target root would come back as a source path on the way
      // back: the mapping could not restore the original bytes.
      if (opts.alreadyThere !== 'keep' && under(s.value, map.to) && !under(map.to, map.from)) {
        throw new InvalidInputError(`cannot map ${map.from} to ${map.to}: the session already names ${s.value}, under the new root, so importing it back could not tell the two apart. Choose another --cwd`, { path: s.value })
      }
    }
    if (edits.length === 0) return line
    rewritten += edits.length
    return replacePrefixes(line, edits)
  })
  return { lines: out, rewritten }
}

/** Whether a line may hold the path: as JSON.stringify writes it, or with '/' escaped as '\\/'. */
function mentions (line: string, path: string): boolean {
  const enc = JSON.stringify(path).slice(1, -1)
  return line.includes(enc) || line.includes(enc.replace(/\//g, '\\/'))
}
