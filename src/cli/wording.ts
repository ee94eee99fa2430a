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
