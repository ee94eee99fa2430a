/**
 * Words the CLI's lines share, so one count reads the same in every command.
 *
 * @example
 * plural(1, 'byte') // '1 byte'
 * plural(40, 'new record') // '40 new records'
 * plural(2, 'entry', 'entries') // '2 entries'
 */
import { nearest } from '../api/nearest.js'

/** `n what`, with an s unless n is 1 (English nouns that take one: byte, record, line), or `many` for a noun that does not. */
export const plural = (n: number, what: string, many = `${what}s`): string => `${n} ${n === 1 ? what : many}`

/**
 * What was given where one of `names` was asked for, and the name it was most likely meant to be
 * (nearest.ts: at most two edits away): `got claud; did you mean claude?`, `got none`, `got an empty name`.
 */
export function gotWords (typed: string | undefined, names: readonly string[]): string {
  if (typed === undefined) return 'got none'
  if (typed.trim() === '') return 'got an empty name'
  const near = nearest(typed, names)
  return `got ${typed}${near !== undefined ? `; did you mean ${near}?` : ''}`
}

/**
 * The options a mistyped one most likely meant, written `--tail` or `--todo-add or --todo-done`:
 * the nearest (at most two edits away: `--tial`), else those whose name it starts (`--todo` for
 * --todo-add and --todo-done, `--prog` for --progress), three at most; `names` without dashes.
 */
export function nearOptions (typed: string, names: readonly string[]): string | undefined {
  const bare = typed.replace(/^-+/, '')
  const near = nearest(bare, names)
  if (near !== undefined) return `--${near}`
  if (bare.length < 3) return undefined
  const started = [...new Set(names)].filter(n => n.startsWith(bare) && n !== bare)
  if (started.length === 0 || started.length > 3) return undefined
  const dashed = started.map(n => `--${n}`)
  return dashed.length > 1 ? `${dashed.slice(0, -1).join(', ')} or ${dashed.at(-1) as string}` : dashed[0]
}
