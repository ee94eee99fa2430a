/**
 * `agents_resume`, the MCP tool of `mesh agent resume`: an agent (Claude Code on the laptop, say)
 * asks mesh to put a session captured on another machine where the agent looks for it, and gets
 * back the one command that continues it. It runs in `mesh mcp`, the process the agent host
 * started, so the files land under that user's CLAUDE_CONFIG_DIR / CODEX_HOME / OPENCLAW_STATE_DIR /
 * HERMES_HOME.
 */
import { homedir } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import { z } from 'zod'
import type { MeshApi } from '../api/api.js'
import type { FrontEndTool } from '../api/mcp.js'
import { InvalidInputError } from '../errors.js'
import { expandTilde, resumeAgentSession } from './resume.js'

/**
 * The calling agent's cwd: `~/…` is this server's home; a relative path is refused, since the
 * server's own directory (where `mesh mcp` was started) is not the caller's and it cannot see it.
 */
function agentCwd (cwd: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (cwd === undefined) return undefined
  const path = expandTilde(cwd, env)
  if (isAbsolute(path)) return path
  throw new InvalidInputError(`cwd ${JSON.stringify(cwd)} is relative: give an absolute path or ~/… (~ is ${env.HOME ?? homedir()}); relative to this server's own directory, ${process.cwd()}, it would be ${resolve(path)}`, { cwd, serverCwd: process.cwd() })
}

export function agentResumeTool (api: MeshApi, env: NodeJS.ProcessEnv = process.env): FrontEndTool {
  return {
    name: 'agents_resume',
    description: 'Writes an agent session held in mesh (key agent:claude:<id>, agent:codex:<id>, agent:openclaw:<id> or agent:hermes:<id>) where that agent looks for it on this machine, paths rewritten to cwd — Claude Code: ~/.claude/projects/<slug(cwd)>/<id>.jsonl with its side files; Codex: ~/.codex/sessions/YYYY/MM/DD/; OpenClaw: ~/.openclaw/agents/<agent>/sessions/ (sessions.json only where none exists or it lists no session); Hermes: an export file for its dashboard\'s import (~/.hermes/mesh-imports/<id>.jsonl, or out; importFirst says the step, done before command) — takes the session\'s lease (take: from the device that drives it), and returns the command that continues it (e.g. `cd DIR && claude --resume <id>`), with meshOnly: how many messages of the transcript were appended through mesh (sessions_append) and so are not in the agent\'s files. Refuses while the agent may be running that session here. On a device that writes nothing (read-only, revoked) the files are written with no lease taken, and notWritable says why: what the agent adds there stays there.',
    input: z.object({
      key: z.string().min(1).describe('the mesh session key, agent:<agent>:<sessionId>'),
      cwd: z.string().optional().describe(`the project's directory on this machine (remembered), an absolute path or ~/… (~ is the home of the user serving this tool (${env.HOME ?? homedir()}); a relative path is refused); default: found by the git remote, else the recorded cwd`),
      take: z.boolean().optional().describe('take the lease over from the device that drives the session'),
      force: z.boolean().optional().describe('replace a file here that holds lines mesh has not got (Hermes: a file at out)'),
      out: z.string().optional().describe('Hermes only: where to write the export file; a file there (not as mesh would write it) is refused (FILE_EXISTS) unless force'),
      partial: z.boolean().optional().describe('write it though the device that captures it holds more of it than mesh (an import stopped part-way, capture stuck at a bad line): refused without, since going on from the shorter conversation diverges from the whole one')
    }),
    // It replaces the agent's own session files (out, with force: any file named), and takes the
    // lease: a host asks its user first.
    destructive: true,
    // A long session takes seconds to come: a client that asked hears of each page of its records.
    run: async (args: { key: string, cwd?: string, take?: boolean, force?: boolean, out?: string, partial?: boolean }, { progress }) => await resumeAgentSession(api, args.key, {
      cwd: agentCwd(args.cwd, env), take: args.take, force: args.force, out: args.out, partial: args.partial, env, onPage: progress === undefined ? undefined : (n, total) => { progress(n, total, `${n} of ${total} records`) }
    })
  }
}
