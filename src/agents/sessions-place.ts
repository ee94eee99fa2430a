/**
 * Where `mesh agent import AGENT --all` and `mesh agent follow AGENT` look for an agent's
 * sessions, and the variable that moves it. A folder that is not there is no agent here (not
 * installed, or its variable mis-set): said with where mesh looked, not as "0 sessions"; an agent
 * installed that never ran is said as having no sessions yet. Hermes's are in a state.db (its
 * follower says it as the others'); Hermes's import says its own (no state.db, no `hermes` on PATH).
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { claudeConfigDir, projectsDir } from './claude/home.js'
import { codexHome } from './codex/home.js'
import { hermesDbPath, hermesDbPaths } from './hermes/db.js'
import { HERMES_MESH_OWN, hermesHome } from './hermes/home.js'
import { isFolder, onlyMeshOwn, onPath, type MeshOwn } from './installed.js'
import { AGENT_SAID, type AgentName } from './names.js'
import { openclawHome } from './openclaw/home.js'

/**
 * Each agent's place: the variable that moves it, its own folder (an install, as installed.ts
 * tells one: not one holding only what a resume by mesh wrote, `meshOwn`), where its sessions are
 * (`dir`, a folder; Hermes's a state.db, in its home or a profile: `present`) and its command.
 */
interface Place { variable: string, home: (env: NodeJS.ProcessEnv) => string, dir: (env: NodeJS.ProcessEnv) => string, bin: string, meshOwn?: MeshOwn, present?: (env: NodeJS.ProcessEnv) => Promise<boolean> }

const PLACES: Record<AgentName, Place> = {
  claude: { variable: 'CLAUDE_CONFIG_DIR', home: env => claudeConfigDir(env), dir: env => projectsDir(env), bin: 'claude' },
  codex: { variable: 'CODEX_HOME', home: env => codexHome(env), dir: env => join(codexHome(env), 'sessions'), bin: 'codex' },
  openclaw: { variable: 'OPENCLAW_STATE_DIR', home: env => openclawHome(env), dir: env => join(openclawHome(env), 'agents'), bin: 'openclaw' },
  hermes: {
    variable: 'HERMES_HOME',
    home: env => hermesHome(env),
    dir: env => hermesDbPath(env),
    bin: 'hermes',
    meshOwn: HERMES_MESH_OWN,
    present: async env => (await Promise.all((await hermesDbPaths(env)).map(isFile))).some(Boolean)
  }
}

async function isFile (path: string): Promise<boolean> {
  try { return (await stat(path)).isFile() } catch (err: any) { if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return false; throw err }
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
  const said = AGENT_SAID[agent]
  const path = p.dir(env)
  if (p.present !== undefined ? await p.present(env) : await isFolder(path)) return undefined
  const set = env[p.variable]
  const why = set !== undefined && set !== '' ? `${p.variable} is ${set}: is that where ${said} keeps its files?` : `set ${p.variable} if ${said} keeps its files elsewhere`
  const home = p.home(env)
  if ((await isFolder(home) && !(p.meshOwn !== undefined && await onlyMeshOwn(home, p.meshOwn.paths))) || await onPath(p.bin, env)) {
    return { message: `${said} is here but has no sessions yet: no ${path} (${said} makes it at its first session)`, path, variable: p.variable, installed: true }
  }
  return { message: `no ${said} here: no ${path} (${why})`, path, variable: p.variable, installed: false }
}
