/**
 * redact() on the shapes secrets take in agents' transcripts, each with the text around it: the
 * secret replaced whole, and what follows it (a command, the rest of a line) kept.
 */
import { describe, expect, it } from 'vitest'
import { redact, REDACTED } from '../../src/agents/redact.js'

const CASES: Array<[string, string]> = [
  // An unquoted value inside a line holds a quote (a password's sign): it went on to a space,
  // not stopped at the quote with the rest left visible.
  ['x PASSWORD=ab"cd', `x PASSWORD=${REDACTED}`],
  ["x API_TOKEN=it's-9k more", `x API_TOKEN=${REDACTED} more`],
  // A quote that closes a string around the pair still ends the value.
  ['echo "PASSWORD=abc9" > f', `echo "PASSWORD=${REDACTED}" > f`],
  ["sh -c 'API_TOKEN=abc9def,x'", `sh -c 'API_TOKEN=${REDACTED}'`]
]

describe('redact on the shapes secrets take', () => {
  it.each(CASES)('%s', (text, want) => {
    expect(redact(text).text).toBe(want)
  })
})
