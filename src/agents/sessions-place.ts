/**
 * Where `mesh agent import AGENT --all` and `mesh agent follow AGENT` look for an agent's
 * sessions, and the variable that moves it. A folder that is not there is no agent here (not
 * installed, or its variable mis-set): said with where mesh looked, not as "0 sessions"; an agent
 * installed that never ran is said as having no sessions yet.
 * Hermes's import says its own (no state.db, no `hermes` on PATH).
 */
import { join } from 'node:path'
import { claudeConfigDir, projectsDir } from './claude/home.js'
import { codexHome } from './codex/home.js'
import { isFolder, onPath } from './installed.js'
import { AGENT_SAID, type AgentName } from './names.js'
import { openclawHome } from './openclaw/home.js'

const PLACES: Partial<Record<AgentName, { variable: string, home: (env: NodeJS.ProcessEnv) => string, dir: (env: NodeJS.ProcessEnv) => string, bin: string }>> = {
  claude: { variable: 'CLAUDE_CONFIG_DIR', home: env => claudeConfigDir(env), dir: env => projectsDir(env), bin: 'claude' },
  codex: { variable: 'CODEX_HOME', home: env => codexHome(env), dir: env => join(codexHome(env), 'sessions'), bin: 'codex' },
  openclaw: { variable: 'OPENCLAW_STATE_DIR', home: env => openclawHome(env), dir: env => join(openclawHome(env), 'agents'), bin: 'openclaw' }
}

/**
 * Undefined when `agent`'s sessions folder is here; else what is missing, e.g. `no Claude Code
 * here: no /home/me/.claude/projects (set CLAUDE_CONFIG_DIR if Claude Code keeps its files
 * elsewhere)`, or with the variable set, `(CLAUDE_CONFIG_DIR is X: is that where …?)`. An agent
 * installed but never run (its own folder here, as installed.ts tells an install, or its command
 * on PATH) makes that folder at its first session: `installed`, said as `Codex is here but has no
 * sessions yet`, nothing to do rather than nothing found.
 */
export async function noAgentHere (agent: AgentName, env: NodeJS.ProcessEnv = process.env): Promise<{ message: string, path: string, variable: string, installed: boolean } | undefined> {
  const p = PLACES[agent]
  if (p === undefined) return undefined
  const said = AGENT_SAID[agent]
  const path = p.dir(env)
  if (await isFolder(path)) return undefined
  const set = env[p.variable]
  const why = set !== undefined && set !== '' ? `${p.variable} is ${set}: is that where ${said} keeps its files?` : `set ${p.variable} if ${said} keeps its files elsewhere`
  if (await isFolder(p.home(env)) || await onPath(p.bin, env)) {
    return { message: `${said} is here but has no sessions yet: no ${path} (${said} makes it at its first session)`, path, variable: p.variable, installed: true }
  }
  return { message: `no ${said} here: no ${path} (${why})`, path, variable: p.variable, installed: false }
}
