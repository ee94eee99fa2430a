/**
 * Which agent a session key names (`agent:codex:…`), if it names one of the agents whose records
 * agents.import takes (its `agent` enum, the one list). agents.import refuses one agent's records
 * under another's key, so `mesh agent resume --out` and `mesh agent list` may read the agent from
 * the key alone.
 *
 * An agent's own session id names a file resume writes (`<id>.jsonl`, `rollout-<date>-<id>.jsonl`)
 * and a word of the command it prints (`codex resume <id>`): isAgentSessionId says it can be both.
 *
 * @example
 * agentOfKey('agent:codex:0199…') // 'codex'; agentOfKey('agent:main:notes') // undefined
 */
import { AGENT_IMPORT_METHODS } from './schema-agents.js'

const AGENTS = AGENT_IMPORT_METHODS['agents.import'].input.shape.agent.options
export type KeyAgent = typeof AGENTS[number]

export function agentOfKey (key: string): KeyAgent | undefined {
  const [prefix, agent] = key.trim().split(':')
  return prefix === 'agent' && AGENTS.includes(agent as KeyAgent) ? agent as KeyAgent : undefined
}

/**
 * A session id as the agents write them (uuids, Hermes's `20261120_080000_a1b2c3`): what a key part
 * holds (A-Z a-z 0-9 . _ -, at most 200), starting with a letter or digit. Anything else, `../x` or
 * shell words, would name a file outside the agent's home or a command of its own, and a leading
 * `-` would be read as an option of the command a resume prints.
 */
export function isAgentSessionId (id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(id)
}
