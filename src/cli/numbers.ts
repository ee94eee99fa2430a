/**
 * Whole-number flags (--tail N, --lock-timeout MS) as the CLI reads them: decimal digits and
 * nothing else, up to a cap. Number() took '' as 0, 0x1 as 1, 1e3 as 1000, and a number past
 * what the API takes reached its schema, whose message names no flag.
 */
import { UsageError } from '../errors.js'

/** `what`: what the flag counts, said in the refusal (`a count of messages (0 or more)`). */
export function wholeNumber (v: unknown, flag: string, what: string, max: number): number {
  const s = String(v)
  if (!/^\d+$/.test(s)) throw new UsageError(`${flag} takes ${what}, not ${s === '' ? 'an empty value' : s}`)
  const n = Number(s)
  if (n > max) throw new UsageError(`${flag} takes ${what}, at most ${max}, not ${s}`)
  return n
}
