/**
 * Where `mesh agent import AGENT --all` and `mesh agent follow AGENT` look for an agent's
 * sessions, and the variable that moves it. A folder that is not there is no agent here (not
 * installed, or its variable mis-set): said with where mesh looked, not as "0 sessions".
 * Hermes's import says its own (no state.db, no `hermes` on PATH).
 */
import { join } from 'node:path'
import { projectsDir } from './claude/home.js'
import { codexHome } from './codex/home.js'
import { isFolder } from './installed.js'
import { AGENT_SAID, type AgentName } from './names.js'
import { openclawHome } from './openclaw/home.js'

const PLACES: Partial<Record<AgentName, { variable: string, dir: (env: NodeJS.ProcessEnv) => string }>> = {
  claude: { variable: 'CLAUDE_CONFIG_DIR', dir: env => projectsDir(env) },
  codex: { variable: 'CODEX_HOME', dir: env => join(codexHome(env), 'sessions') },
  openclaw: { variable: 'OPENCLAW_STATE_DIR', dir: env => join(openclawHome(env), 'agents') }
}

/**
 * Undefined when `agent`'s sessions folder is here; else what is missing, e.g. `no Claude Code
 * here: no /home/me/.claude/projects (set CLAUDE_CONFIG_DIR if Claude Code keeps its files
 * elsewhere)`, or with the variable set, `(CLAUDE_CONFIG_DIR is X: is that where …?)`.
 */
export async function noAgentHere (agent: AgentName, env: NodeJS.ProcessEnv = process.env): Promise<{ message: string, path: string, variable: string } | undefined> {
  const p = PLACES[agent]
  if (p === undefined) return undefined
  const said = AGENT_SAID[agent]
  const path = p.dir(env)
  if (await isFolder(path)) return undefined
  const set = env[p.variable]
  const why = set !== undefined && set !== '' ? `${p.variable} is ${set}: is that where ${said} keeps its files?` : `set ${p.variable} if ${said} keeps its files elsewhere`
  return { message: `no ${said} here: no ${path} (${why})`, path, variable: p.variable }
}
