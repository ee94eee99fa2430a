/**
 * The CLI's names for the API fields its commands fill from what a person typed. The API refuses
 * an input naming its method and field (`memory.set: tags.0: a tag is empty…`), as every one of
 * its users (HTTP, MCP, the SDK) needs it; at a terminal that names nothing the person gave.
 * Each command says where each field came from (Command.inputNames), and the CLI's one error
 * printer says the refusal with those names (`--tag: a tag is empty…`); the code, and so the exit
 * code, stay the API's, and `--json` keeps the method and gives each API path with its name:
 *
 *   inCliWords({ code: 'INVALID_INPUT', message: 'memory.set: tags.1: …', details: { method: 'memory.set' } },
 *     { 'memory.set': { tags: '--tag' } })
 *   // { code: 'INVALID_INPUT', message: '--tag (the 2nd): …', details: { method: 'memory.set', inputs: { 'tags.1': '--tag (the 2nd)' } } }
 */
import type { WireError } from '../api/wire-error.js'
import { oneLine, printable } from './printable.js'

/** For each API method a command calls, the flag or argument each top-level input field came from. */
export type InputNames = Readonly<Record<string, Readonly<Record<string, string>>>>

/** One issue's start in the API's refusal: `method: path: …`, the next after `; `. */
const ISSUE_AT = /(^|; )([A-Za-z_$][\w$]*(?:\.[\w$-]+)*): /g

const ordinal = (n: number): string => `${n}${n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`

/** What the person gave for an API path, or undefined for a field the command did not fill from them. */
function nameOf (path: string, names: Readonly<Record<string, string>>): string | undefined {
  const [field = '', ...rest] = path.split('.')
  const name = Object.prototype.hasOwnProperty.call(names, field) ? names[field] : undefined
  if (name === undefined) return undefined
  // A flag given several times (`--tag a --tag b`): which one, past the first.
  const index = rest.length === 1 && /^\d+$/.test(rest[0] as string) ? Number(rest[0]) : 0
  return index > 0 ? `${name} (the ${ordinal(index + 1)})` : name
}

/**
 * The API's refusal of an input as the CLI says it: each field the command names said by its flag
 * or argument, and the method's name dropped when every field was. Any other error as it is.
 */
export function inCliWords (error: WireError, names: InputNames | undefined, opts: { json?: boolean } = {}): WireError {
  if (error.code === 'INVALID_SESSION_KEY') return keyInCliWords(error, names, opts.json === true)
  const method = error.details.method
  if (names === undefined || error.code !== 'INVALID_INPUT' || typeof method !== 'string') return error
  const own = Object.prototype.hasOwnProperty.call(names, method) ? names[method] : undefined
  if (own === undefined || !error.message.startsWith(`${method}: `)) return error
  const inputs: Record<string, string> = {}
  let unnamed = 0
  const body = error.message.slice(method.length + 2).replace(ISSUE_AT, (all, sep: string, path: string) => {
    const name = nameOf(path, own)
    if (name === undefined) { unnamed++; return all }
    inputs[path] = name
    return `${sep}${name}: `
  })
  if (Object.keys(inputs).length === 0) return error
  return { ...error, message: unnamed === 0 ? body : `${method}: ${body}`, details: { ...error.details, inputs } }
}

/**
 * A session key refused (INVALID_SESSION_KEY, thrown by the key's parser, in the CLI or the API,
 * without a method) said by the one flag or argument the command takes a session key from
 * (`KEY: invalid session key …`, `--key: …`), the key in it shown on one line and printable (a
 * line break in it as ⏎; for `--json`, the key as it was given: JSON keeps every character). A
 * command whose methods name the key field differently, or not at all, keeps the message as it is.
 */
function keyInCliWords (error: WireError, names: InputNames | undefined, json: boolean): WireError {
  const given = new Set(Object.values(names ?? {}).flatMap(own => Object.prototype.hasOwnProperty.call(own, 'key') ? [own.key as string] : []))
  if (given.size !== 1) return error
  const name = [...given][0] as string
  const key = error.details.key
  let message = error.message.replace(/^Invalid session key/, 'invalid session key')
  if (typeof key === 'string' && !json) message = message.split(key).join(oneLine(printable(key)))
  return { ...error, message: `${name}: ${message}`, details: { ...error.details, inputs: { key: name } } }
}
