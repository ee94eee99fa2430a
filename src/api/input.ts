/**
 * A method's input as every front-end parses it (the API's call, HTTP, MCP), and why one does not
 * parse, said the same by each. Types only from zod and the schemas (the errors besides): the daemon loads those with
 * its first API request, and the HTTP routes import this at start.
 */
import type { z } from 'zod'
import { InvalidInputError } from '../errors.js'
import type { MethodDef } from './schema.js'
import { someNames } from './words.js'

/** The most issues one refusal lists. */
const MOST_ISSUES = 10

const strict = new WeakMap<z.ZodObject, z.ZodObject>()

/**
 * A method's input as every front-end parses it (the API's call, HTTP, MCP): a field it does not
 * take is refused, not dropped unsaid (a misspelt `timeout` for `timeoutMs` waited for ever).
 */
export function strictInput (def: MethodDef): z.ZodObject {
  let s = strict.get(def.input)
  if (s === undefined) { s = def.input.strict(); strict.set(def.input, s) }
  return s
}

/** Why an input does not parse, said the same by every front-end: each field and what is wrong, and for a field the method does not take, those it does. */
export function inputIssues (method: string, def: MethodDef, error: z.ZodError): string {
  // A few of each (the names, the issues), and how many more: a body of 500,000 unknown keys
  // was answered with all of them, 6.4 MB.
  const issues = error.issues.slice(0, MOST_ISSUES).map(i => {
    const at = i.path.length > 0 ? `${i.path.join('.')}: ` : ''
    if (i.code === 'unrecognized_keys') return `${at}${i.keys.length === 1 ? 'unknown field' : 'unknown fields'} ${someNames(i.keys)}${i.path.length === 0 ? ` (it takes ${Object.keys(def.input.shape).join(', ')})` : ''}`
    return `${i.path.length > 0 ? at : 'input: '}${i.message}`
  })
  const more = error.issues.length - issues.length
  return `${method}: ${issues.join('; ')}${more > 0 ? `; and ${more} more` : ''}`
}

/**
 * The refusal of an input that does not parse, the one error every front-end throws for it:
 * INVALID_INPUT, inputIssues' message, and the method in its details (HTTP once threw its own,
 * with empty details, where the socket and the in-process API said the method).
 */
export function invalidInput (method: string, def: MethodDef, error: z.ZodError): InvalidInputError {
  return new InvalidInputError(inputIssues(method, def, error), { method })
}
