/**
 * The mesh key of a session found on disk, `agent:<agent>:<sessionId>`, checked where its id is
 * read (a transcript's file name, a rollout's session_meta line) rather than by the daemon: an id
 * no key can hold (a space, a `!`, over 200 characters) is a property of that one file, which
 * never changes by asking again. So it is said naming the file, before anything is sent: an import
 * of many passes it by and goes on, a follower says it once, and `mesh agent list` tells why the
 * file is not imported.
 *
 * @example
 * const key = fileSessionKey('claude', 'bad id!', path) // throws InvalidSessionKeyError naming path
 */
import { parseSessionKey } from '../../crdt/session-key.js'
import { InvalidSessionKeyError } from '../errors.js'

/** Why `key` can name no mesh session, in the parser's words; undefined for a key that can. */
export function sessionKeyProblem (key: string): string | undefined {
  try {
    // The parser trims: an id with a space at its end would be stored under another key than its file's.
    return parseSessionKey(key) === key ? undefined : `Invalid session key "${key}": a space at its end`
  } catch (err) {
    if (err instanceof InvalidSessionKeyError) return err.message
    throw err
  }
}

/** What `mesh agent list` and the refusals say of a file whose session id makes no key (`why`: sessionKeyProblem's of `key`). */
export function badIdWords (sessionId: string, key: string, why: string): string {
  // The parser's reason without its `Invalid session key "<key>":` (the id is said already).
  const reason = why.replace(`Invalid session key "${key}"`, '').replace(/^Invalid session key/, '').replace(/^[:.]?\s*/, '').replace(/\.$/, '')
  return `its session id ${JSON.stringify(sessionId)} cannot be a mesh session key${reason !== '' ? ` (${reason})` : ''}`
}

/** `agent:<agent>:<sessionId>`, or InvalidSessionKeyError naming the file it was read from. */
export function fileSessionKey (agent: string, sessionId: string, path: string): string {
  const key = `agent:${agent}:${sessionId}`
  const why = sessionKeyProblem(key)
  if (why !== undefined) throw new InvalidSessionKeyError(`${path}: ${badIdWords(sessionId, key, why)}`, { key, path })
  return key
}

/** Throws InvalidSessionKeyError, in badIdWords's words, when `key` (of `sessionId`) can name no mesh session. */
export function checkSessionKey (key: string, sessionId: string): void {
  const why = sessionKeyProblem(key)
  if (why !== undefined) throw new InvalidSessionKeyError(badIdWords(sessionId, key, why), { key })
}
