/**
 * The follow sources by agent name: what `mesh agent follow AGENT` and `mesh join --follow`
 * accept. An agent with a new Source adds one line here.
 */
import { isTime } from '../../../crdt/index.js'
import { nearest } from '../../api/nearest.js'
import { InvalidInputError } from '../../errors.js'
import { ClaudeSource } from './claude.js'
import { CodexSource } from './codex.js'
import { HermesSource } from './hermes.js'
import { OpenclawSource } from './openclaw.js'
import type { Source } from './source.js'

const MAKERS: Record<string, (env: NodeJS.ProcessEnv, since?: number) => Source> = {
  claude: (env, since) => new ClaudeSource(env, since),
  codex: (env, since) => new CodexSource(env, since),
  openclaw: (env, since) => new OpenclawSource(env, since),
  hermes: (env, since) => new HermesSource(env, since)
}

export const FOLLOWABLE = Object.keys(MAKERS)

/** The agents a --follow list names, each once, in its order (`claude,,claude` -> claude). */
export function followNames (list: string): string[] {
  return [...new Set(list.split(',').map(s => s.trim()).filter(s => s !== ''))]
}

/** Sources for a list such as `claude,codex`. */
export function followSources (list: string, env: NodeJS.ProcessEnv = process.env, since?: number): Source[] {
  const names = followNames(list)
  if (names.length === 0) throw new InvalidInputError(`which agents to follow: ${FOLLOWABLE.join(', ')}`)
  return names.map(n => {
    const make = MAKERS[n]
    if (make === undefined) {
      const near = nearest(n, FOLLOWABLE)
      throw new InvalidInputError(`cannot follow ${n}${near !== undefined ? ` (did you mean ${near}?)` : ''}: the agents followed are ${FOLLOWABLE.join(', ')}`)
    }
    return make(env, since)
  })
}

/**
 * A date for --since: ISO 8601 (`2026-11-01`, `2026-11-01T09:00Z`) or an age (`7d`, `12h`,
 * `30m`); ms since the epoch.
 */
export function parseSince (s: string, now = Date.now()): number {
  const age = /^(\d+)\s*([dhm])$/.exec(s.trim())
  if (age !== null) {
    const t = now - Number(age[1]) * ({ d: 86_400_000, h: 3_600_000, m: 60_000 } as const)[age[2] as 'd' | 'h' | 'm']
    // An age past what a date holds (99999999999999999999d) is no time at all.
    if (!isTime(t)) throw new InvalidInputError(`--since ${s}: an age too long to be a date (at most about 100 million days)`)
    return t
  }
  const t = Date.parse(s)
  if (!Number.isFinite(t)) throw new InvalidInputError(`--since ${s}: not a date (2026-11-01, 2026-11-01T09:00Z) nor an age (7d, 12h, 30m)`)
  return t
}
