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
export function inputIssues (method: string, def: Pick<MethodDef, 'input'>, error: z.ZodError): string {
  // A few of each (the names, the issues), and how many more: a body of 500,000 unknown keys
  // was answered with all of them, 6.4 MB.
  const issues = error.issues.slice(0, MOST_ISSUES).map(i => {
    const at = i.path.length > 0 ? `${i.path.join('.')}: ` : ''
    if (i.code === 'unrecognized_keys') return `${at}${i.keys.length === 1 ? 'unknown field' : 'unknown fields'} ${someNames(i.keys)}${i.path.length === 0 ? ` (it takes ${Object.keys(def.input.shape).join(', ') || 'none'})` : ''}`
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
export function invalidInput (method: string, def: Pick<MethodDef, 'input'>, error: z.ZodError): InvalidInputError {
  return new InvalidInputError(inputIssues(method, def, error), { method })
}

/**
 * A method's input parsed as every front-end parses it (the API's call, HTTP), or its refusal
 * (invalidInput), each issue no field words itself said by inWords.
 */
export function parseInput (method: string, def: MethodDef, input: unknown): unknown {
  refuseProtoKeys(method, input)
  const parsed = strictInput(def).safeParse(input, { error: inWords })
  if (!parsed.success) throw invalidInput(method, def, parsed.error)
  return parsed.data
}

/**
 * The input of a tool that is no method of the schema (an MCP tool of the front-end's own:
 * devices_revoke) parsed as parseInput parses a method's: strict, and refused in the same words,
 * `name` (the tool's) where a method's name would be.
 */
export function parseToolInput (name: string, input: z.ZodObject, args: unknown): unknown {
  refuseProtoKeys(name, args)
  const parsed = input.strict().safeParse(args, { error: inWords })
  if (!parsed.success) throw invalidInput(name, { input }, parsed.error)
  return parsed.data
}

/** How deep refuseProtoKeys looks: deeper than any method's input nests. */
const PROTO_DEPTH = 8

/**
 * An object of the input holding a key named `__proto__` (JSON.parse makes it an own key) is
 * refused, naming where: zod leaves such a key out of what it parses, so a task field of that name
 * sent over HTTP or MCP was answered 200 and stored nothing, unsaid (the CLI refuses it itself).
 */
function refuseProtoKeys (method: string, input: unknown, path: string[] = [], depth = 0): void {
  if (input === null || typeof input !== 'object' || depth > PROTO_DEPTH) return
  if (Object.prototype.hasOwnProperty.call(input, '__proto__')) {
    throw new InvalidInputError(`${method}: ${[...path, '__proto__'].join('.')}: a field cannot be named __proto__ (no JavaScript object can hold that name as a field): give it another name`, { method })
  }
  for (const [k, v] of Object.entries(input)) refuseProtoKeys(method, v, [...path, k], depth + 1)
}

const ARTICLE: Record<string, string> = { string: 'a string', number: 'a number', int: 'a whole number', bigint: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object', record: 'an object', null: 'null', undefined: 'nothing' }
const expected = (t: string): string => ARTICLE[t] ?? t
const given = (v: unknown): string => v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v === 'number' || typeof v === 'boolean' ? String(v) : expected(typeof v)
const oneOf = (values: readonly unknown[]): string => values.length === 1
  ? JSON.stringify(values[0])
  : `one of ${values.slice(0, -1).map(v => JSON.stringify(v)).join(', ')} or ${JSON.stringify(values[values.length - 1])}`
const items = (n: number | bigint): string => `${n} ${Number(n) === 1 ? 'item' : 'items'}`
const chars = (n: number | bigint): string => `${n} ${Number(n) === 1 ? 'character' : 'characters'}`

/**
 * zod's own words for an issue ("Too small: expected string to have >=1 characters") said for a
 * person ("is empty", "must be at most 200 characters"), after the field's name; a field's own
 * words (the schema's message) stand. Undefined leaves zod's. The error map of the API's parse.
 */
export function inWords (iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return `is missing (${expected(iss.expected)})`
      return `must be ${expected(iss.expected)}, not ${given(iss.input)}`
    case 'too_small': {
      const { origin, minimum: min, inclusive } = iss
      if (origin === 'string') return Number(min) <= 1 ? 'is empty' : `must be at least ${chars(min)}`
      if (origin === 'array' || origin === 'set') return Number(min) <= 1 ? 'is an empty list: give at least one' : `must hold at least ${items(min)}`
      if (origin === 'number' || origin === 'bigint') return inclusive === false ? `must be more than ${min}` : `must be at least ${min}`
      return undefined
    }
    case 'too_big': {
      const { origin, maximum: max, inclusive } = iss
      if (origin === 'string') return `must be at most ${chars(max)}`
      if (origin === 'array' || origin === 'set') return `must hold at most ${items(max)}`
      if (origin === 'number' || origin === 'bigint') return inclusive === false ? `must be less than ${max}` : `must be at most ${max}`
      return undefined
    }
    case 'invalid_value': return `must be ${oneOf(iss.values)}`
    case 'invalid_format': return iss.format === 'regex' ? `does not match ${String(iss.pattern)}` : `is not a valid ${iss.format}`
    case 'not_multiple_of': return `must be a multiple of ${iss.divisor}`
    case 'invalid_union': {
      // A choice of types (a string or a number): each type named, where each branch refused the type alone.
      const types = iss.errors.map(e => e.length === 1 && e[0]?.code === 'invalid_type' && e[0].path.length === 0 ? e[0].expected : undefined)
      if (types.length > 0 && types.every(t => t !== undefined)) {
        const names = [...new Set(types.map(t => expected(t as string)))]
        return iss.input === undefined ? `is missing (${names.join(' or ')})` : `must be ${names.join(' or ')}, not ${given(iss.input)}`
      }
      return 'is none of the forms it takes'
    }
    case 'invalid_key': return 'has a key it does not take'
    default: return undefined
  }
}
