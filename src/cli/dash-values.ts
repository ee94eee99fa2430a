/**
 * `--tail -3`: node:util's parseArgs reads a value that starts with "-" after an option as a
 * missing value ("argument is ambiguous"), so a negative number was refused as "--tail needs a
 * value". No option of mesh is a digit, so a token like -3 or -0.5 can only be a value: it is
 * given to the option before it, and the command checks it as it checks any value.
 */
import type { ParseArgsConfig } from 'node:util'

type Options = NonNullable<ParseArgsConfig['options']>

const NEGATIVE_NUMBER = /^-\d/

/** `args` with each `--opt -N` (or `-o -N`) of a string option written `--opt=-N`. */
export function joinNegativeValues (args: string[], options: Options): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--') { out.push(...args.slice(i)); break }
    const next = args[i + 1]
    const name = nameOf(a, options)
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`--${name}=${next}`)
      i++
      continue
    }
    out.push(a)
  }
  return out
}

/** The option a token names (`--tail`, or a short alias such as `-n`), if it is one with no value attached. */
function nameOf (token: string, options: Options): string | undefined {
  if (token.startsWith('--') && !token.includes('=')) return token.slice(2)
  if (/^-[^-]$/.test(token)) return Object.keys(options).find(k => options[k]?.short === token.slice(1))
  return undefined
}
