/**
 * Which agent a session key names (`agent:codex:…`), if it names one of the agents whose records
 * agents.import takes (its `agent` enum, the one list). agents.import refuses one agent's records
 * under another's key, so `mesh agent resume --out` and `mesh agent list` may read the agent from
 * the key alone.
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
