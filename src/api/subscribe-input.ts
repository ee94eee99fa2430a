/**
 * What a subscription to the event stream may ask for, checked once for every transport: HTTP's
 * `/api/events?after=&sessions=` and the control socket's `{ id, subscribe: { after, sessions } }`
 * refuse the same input with the same words (INVALID_INPUT). Each transport says how the value it
 * was given is shown (a query's text, a JSON value).
 */
import { InvalidInputError } from '../errors.js'

/** Why `after` is not a seq (a whole number, 0 or more), with the value as `shown`; undefined when it is one. */
export function afterRefusal (after: unknown, shown: string): string | undefined {
  if (typeof after === 'number' && Number.isSafeInteger(after) && after >= 0) return undefined
  return `after: not a seq (a whole number, 0 or more): ${shown}`
}

/** Why `sessions` is not a list of session keys, with the value as `shown`; undefined when it is one. */
export function sessionsRefusal (sessions: unknown, shown: string): string | undefined {
  if (Array.isArray(sessions) && sessions.every(s => typeof s === 'string')) return undefined
  return `sessions: not a list of session keys (strings): ${shown}`
}

/** A request's id on the control socket: a whole number, so that it names one call as it is echoed back. */
export function idRefusal (id: unknown): string | undefined {
  if (typeof id === 'number' && Number.isSafeInteger(id)) return undefined
  return 'a request needs an id that is a whole number'
}

/** The control socket's `subscribe` object, checked: what api.subscribe takes, or INVALID_INPUT. */
export function subscribeInput (o: unknown, show: (v: unknown) => string): { after?: number, sessions?: string[] } {
  const given = (o ?? {}) as { after?: unknown, sessions?: unknown }
  if (typeof given !== 'object' || Array.isArray(given)) throw new InvalidInputError(`subscribe: not an object: ${show(o)}`)
  const refused = (given.after === undefined ? undefined : afterRefusal(given.after, show(given.after))) ??
    (given.sessions === undefined ? undefined : sessionsRefusal(given.sessions, show(given.sessions)))
  if (refused !== undefined) throw new InvalidInputError(refused)
  return { after: given.after as number | undefined, sessions: given.sessions as string[] | undefined }
}
