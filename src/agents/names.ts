/**
 * The agents whose sessions mesh stores natively, as the API names them: the `agent` enum of
 * agents.import is the one list, so the CLI, the follower and resume never disagree with what the
 * daemon accepts (a new agent is added there).
 */
import { METHODS } from '../api/schema.js'

export const AGENT_NAMES = METHODS['agents.import'].input.shape.agent.options
export type AgentName = typeof AGENT_NAMES[number]

/** Each agent as a person calls it, in what mesh says of it. */
export const AGENT_SAID: Readonly<Record<AgentName, string>> = { claude: 'Claude Code', codex: 'Codex', openclaw: 'OpenClaw', hermes: 'Hermes' }

export function isAgentName (a: unknown): a is AgentName {
  return AGENT_NAMES.includes(a as AgentName)
}
