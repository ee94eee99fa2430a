/**
 * Session keys follow OpenClaw's `--session-key` contract: `agent:<agent-id>:<session-key>` is
 * exact; a bare `<session-key>` is scoped to the default agent `main`. Each part is one or more
 * of the characters A-Z a-z 0-9 . _ - (a session-key part may itself hold further `:`-separated
 * parts); a key is at most 200 characters, a bare key's `agent:main:` counted. Invalid keys are
 * rejected before anything is written.
 */
import { InvalidSessionKeyError } from '../src/errors.js'

export type SessionKey = string & { readonly __brand: 'SessionKey' }

export const DEFAULT_AGENT = 'main'
const PART = /^[A-Za-z0-9._-]+$/
const MAX = 200

export function parseSessionKey (input: string): SessionKey {
  const raw = input.trim()
  if (raw.length === 0) throw new InvalidSessionKeyError('Invalid session key "". A session key is agent:<agent-id>:<session-key> or a bare <session-key>.')
  // Checked on the input here (so a huge one is not split) and on the full key below: a bare key
  // of 190 characters became a full key over 200 that this very function then refused.
  if (raw.length > MAX) throw new InvalidSessionKeyError(`Invalid session key: longer than ${MAX} characters.`)
  const parts = raw.split(':')
  let full: string[]
  if (parts[0] === 'agent') {
    if (parts.length < 3) {
      throw new InvalidSessionKeyError(`Invalid session key "${raw}". Agent-prefixed session keys must use agent:<agent-id>:<session-key>.`, { key: raw })
    }
    full = parts
  } else {
    full = ['agent', DEFAULT_AGENT, ...parts]
  }
  for (const p of full) {
    if (p.length === 0) throw new InvalidSessionKeyError(`Invalid session key "${raw}": empty part. Use agent:<agent-id>:<session-key> or a bare <session-key>.`, { key: raw })
    if (!PART.test(p)) throw new InvalidSessionKeyError(`Invalid session key "${raw}": "${p}" has characters outside A-Z a-z 0-9 . _ -`, { key: raw })
  }
  const key = full.join(':')
  if (key.length > MAX) throw new InvalidSessionKeyError(`Invalid session key: agent:${DEFAULT_AGENT}:<key> is longer than ${MAX} characters (a bare key has at most ${MAX - `agent:${DEFAULT_AGENT}:`.length}).`, { key: raw })
  return key as SessionKey
}
