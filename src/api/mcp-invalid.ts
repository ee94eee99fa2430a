/**
 * Why a line of JSON is no JSON-RPC message the MCP server takes, in one line, and whether it is
 * answered. JSON-RPC 2.0 answers an invalid request with -32600, its id when one can be read,
 * else null; a line that may be a response (it holds result or error) is never answered, since
 * two peers would answer each other's answers for ever, and neither is a notification (no id).
 * The SDK's own parse says why as a multi-line dump of its union's every branch, and answers
 * nothing.
 *
 * @example
 * invalidMessage({ id: 12, method: 'tools/list' }) // { reason: '"jsonrpc" must be "2.0"', answer: { id: 12 } }
 * invalidMessage([1, 2, 3])                        // { reason: 'a batch (a JSON array) is not taken: ...', answer: undefined }
 */

/** One line saying what is wrong, and the id to answer it with (undefined: not answered). */
export interface InvalidMessage {
  reason: string
  answer?: { id: string | number | null }
}

const isId = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isSafeInteger(v))

const kind = (v: unknown): string => v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`

const FIELDS = new Set(['jsonrpc', 'id', 'method', 'params'])

/** What is wrong with a JSON value the protocol's schema refused. */
export function invalidMessage (value: unknown): InvalidMessage {
  // The protocol this server speaks (2025-06-18) has no batches; its requests are not read either.
  if (Array.isArray(value)) return { reason: 'a batch (a JSON array) is not taken: send one JSON-RPC message per line' }
  if (value === null || typeof value !== 'object') return { reason: `not a JSON-RPC message: ${kind(value)}, where a message is a JSON object` }
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
                  ? `${unknown.length === 1 ? 'unknown field' : 'unknown fields'} ${unknown.map(k => JSON.stringify(k)).join(', ')} (a request has jsonrpc, id, method and params)`
                  : 'not a JSON-RPC 2.0 request, notification or response'
  // A request (it has an id) is answered; a notification, or what may be a response, is not.
  if (!('id' in m) || 'result' in m || 'error' in m) return { reason }
  return { reason, answer: { id: isId(m.id) ? m.id : null } }
}
