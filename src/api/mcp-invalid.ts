/**
 * Why a line of JSON is no JSON-RPC message the MCP server takes, in one line, and what is
 * answered. JSON-RPC 2.0 answers an invalid request with -32600, its id when one can be read,
 * else null: JSON that is no object at all ("str", 5, null) is answered under id null. A line
 * that may be a response (it holds result or error) is never answered, since two peers would
 * answer each other's answers for ever, and neither is a notification (no id).
 *
 * A batch (a JSON array) is refused: the protocol this server speaks (MCP 2025-06-18 and later)
 * has none, and the SDK's own stdio transport reads none. It is answered as JSON-RPC 2.0 answers
 * a batch, so a client waiting for one of its ids is not left waiting: one array holding -32600
 * for each element that is a request (its id, or null where the element is no object or its id
 * is no id); an empty array is answered with one -32600 under id null; a batch of notifications
 * only is answered with nothing. The SDK's own parse says why as a multi-line dump of its union's
 * every branch, and answers nothing.
 *
 * @example
 * invalidMessage({ id: 12, method: 'tools/list' }) // { reason: '"jsonrpc" must be "2.0"', ids: [12], batch: false }
 * invalidMessage([{ jsonrpc: '2.0', id: 5, method: 'ping' }, 1]) // { reason: 'a batch (a JSON array) is not taken: ...', ids: [5, null], batch: true }
 */
import { someNames } from './words.js'

type Id = string | number | null

/** One line saying what is wrong, and the ids to answer -32600 under (none: nothing is answered). */
export interface InvalidMessage {
  reason: string
  ids: Id[]
  /** The answers go out as one JSON array (a batch is answered by a batch), else as one message. */
  batch: boolean
}

export const BATCH_REFUSED = 'a batch (a JSON array) is not taken: send one JSON-RPC message per line'

const isId = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v))

const kind = (v: unknown): string => v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`

const FIELDS = new Set(['jsonrpc', 'id', 'method', 'params'])

/**
 * The id a refused value is answered under: none for a notification (no id) or what may be a
 * response, null where no id can be read (no object, or an id that is no string or integer).
 */
function answerId (value: unknown): Id | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const m = value as Record<string, unknown>
  if (!('id' in m) || 'result' in m || 'error' in m) return undefined
  return isId(m.id) ? m.id : null
}

/** What is wrong with a JSON value the protocol's schema refused. */
export function invalidMessage (value: unknown): InvalidMessage {
  if (Array.isArray(value)) {
    if (value.length === 0) return { reason: 'an empty batch (a JSON array) is no message: send one JSON-RPC message per line', ids: [null], batch: false }
    return { reason: BATCH_REFUSED, ids: value.map(answerId).filter((id): id is Id => id !== undefined), batch: true }
  }
  const id = answerId(value)
  const ids = id === undefined ? [] : [id]
  if (value === null || typeof value !== 'object') return { reason: `not a JSON-RPC message: ${kind(value)}, where a message is a JSON object`, ids, batch: false }
  const m = value as Record<string, unknown>
  const unknown = Object.keys(m).filter(k => !FIELDS.has(k))
  const reason = m.jsonrpc !== '2.0'
    ? '"jsonrpc" must be "2.0"'
    : 'result' in m || 'error' in m
      ? 'not a JSON-RPC response this server can read (it answers no response)'
      : 'id' in m && !isId(m.id)
        ? `"id" must be a string or an integer, not ${kind(m.id)}`
        : !('method' in m)
            ? 'no "method": a request names the method it calls'
            : typeof m.method !== 'string'
              ? `"method" must be a string, not ${kind(m.method)}`
              : 'params' in m && (m.params === null || typeof m.params !== 'object' || Array.isArray(m.params))
                ? `"params" must be an object, not ${kind(m.params)}`
                : unknown.length > 0
                  ? `${unknown.length === 1 ? 'unknown field' : 'unknown fields'} ${someNames(unknown)} (a request has jsonrpc, id, method and params)`
                  : 'not a JSON-RPC 2.0 request, notification or response'
  return { reason, ids, batch: false }
}
