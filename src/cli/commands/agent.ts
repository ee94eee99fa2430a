/**
 * mesh agent import|resume|export|list|follow|hook(s)|skills|memory: real agents' sessions
 * (Claude Code, Codex, OpenClaw, Hermes) through mesh. This module is what every command loads
 * (its name, options and help); the subcommands are agent-run.ts, loaded when one runs, with the
 * agents' code (zod, Yjs and the SQLite readers, which a command talking to a daemon never loads).
 */
import { subcommandOf, type Command } from '../command.js'
import type { InputNames } from '../input-names.js'

export const AGENT_SUBCOMMANDS = ['import', 'resume', 'export', 'list', 'follow', 'hooks', 'hook', 'skills', 'memory'] as const

export const AGENT_USAGE = 'mesh agent import claude|codex|openclaw|hermes (--file PATH | --session ID | --all | --since DATE) [--key KEY] [--force] | resume KEY [--cwd DIR] [--out FILE] [--take] [--force] [--partial] | export KEY --out FILE [--force] [--redact] [--cwd DIR] [--as claude|hermes] | list [AGENT] | follow claude|codex|openclaw|hermes[,…] [--since DATE] | hooks install|uninstall claude | hook claude | skills sync claude|codex|hermes|openclaw [--prefer mesh|local] | memory sync claude|openclaw|hermes [--cwd DIR] [--workspace DIR] [--prefer mesh|local] [--lock-timeout MS]'

export const agentCmd: Command = {
  name: 'agent',
  arity: { import: 2, resume: 2, export: 2, list: 2, follow: 2, hooks: 3, hook: 2, skills: 3, memory: 3 },
  usage: AGENT_USAGE,
  summary: 'Claude Code, Codex, OpenClaw and Hermes sessions through mesh: import them (or capture them live), resume them natively on another machine; sync skills and memory',
  subSummaries: {
    import: 'copy an agent\'s own session files into mesh: one (--file PATH, or --session ID as the agent names it), every one (--all) or those written since a date (--since 7d, --since 2026-12-01); a re-import adds only new lines (--key KEY: another mesh key for the one session than agent:AGENT:ID; --force: store them while another device drives the session)',
    resume: 'write a session from mesh as the agent\'s own files on this machine, paths mapped to this clone of the project (--cwd DIR, else the one found here), and print the command that resumes it; takes the driver lease (--take: from another device that drives it). --force replaces a file here that holds lines mesh has not got; --partial writes it though the device that captures it holds more of it than mesh; --out FILE: where Hermes\'s export file goes',
    export: 'write a session from mesh to a file (--out FILE), never over one that is there unless --force (--redact takes secrets out; --as claude|hermes writes it in that agent\'s format; a Claude Code transcript is said with its session id, where Claude Code looks for it and the command that continues it, its paths mapped to --cwd or the project found here as resume finds it)',
    list: 'the agents\' sessions on this machine and in mesh: which are imported, which are live, and those in mesh not here yet',
    follow: 'capture sessions live: each new line of the agents\' session files goes into mesh as it is written (until Ctrl-C); --since DATE follows only sessions written since then',
    hooks: 'install or remove the Claude Code hooks (SessionStart, Stop, SessionEnd) that import a session as Claude Code works on it and release its lease when it ends',
    hook: 'what the installed hook runs: reads Claude Code\'s hook event on stdin and imports that session',
    skills: 'sync an agent\'s skills folder with mesh\'s skills, both ways (--prefer decides a conflict)',
    memory: 'sync an agent\'s memory files with mesh\'s memory, both ways (--prefer decides a conflict; Hermes\'s entries are merged): --cwd DIR the project whose Claude Code memory, --workspace DIR the OpenClaw workspace, --lock-timeout MS how long to wait for Hermes\'s memory lock'
  },
  examples: [
    'mesh agent import claude --session 1af7fc5e-8455-4414-9ccd-011d40f70b2a',
    'mesh agent import claude --since 7d                   # every session written in the last week',
    'mesh agent resume agent:claude:1af7fc5e-8455-4414-9ccd-011d40f70b2a --cwd ~/src/app',
    'mesh agent import codex --file ~/.codex/sessions/2026/01/02/rollout-2026-01-02T03-04-05-0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.jsonl',
    'mesh agent export agent:claude:1af7fc5e-8455-4414-9ccd-011d40f70b2a --redact --out shared.jsonl',
    'mesh agent import openclaw --session 8555a0a4-0b79-459d-939c-e17cdbbf4fe2',
    'mesh agent import hermes --file sessions.jsonl        # from `hermes sessions export sessions.jsonl --format jsonl`',
    'mesh agent import hermes --since 2d                   # from ~/.hermes/state.db, read-only',
    'mesh agent resume agent:hermes:20261121_093000_a1b2c3 --cwd ~/src/app',
    'mesh agent export agent:openclaw:8555a0a4-0b79-459d-939c-e17cdbbf4fe2 --as hermes --out for-hermes.jsonl',
    'mesh agent follow claude,codex                        # capture sessions live as the agents write them',
    'mesh agent follow openclaw,hermes                     # their SQLite stores, read-only, as the gateways write them',
    'mesh agent hooks install claude                       # register and flush sessions from Claude Code\'s hooks',
    'mesh agent skills sync claude',
    'mesh agent memory sync hermes',
    'mesh agent memory sync claude --cwd ~/src/app          # CLAUDE.md, CLAUDE.local.md and the project memory folder',
    'mesh agent memory sync openclaw                       # the workspace MEMORY.md and memory/*.md',
    'mesh agent list'
  ],
  options: {
    file: { type: 'string' },
    session: { type: 'string' },
    key: { type: 'string' },
    cwd: { type: 'string' },
    out: { type: 'string' },
    redact: { type: 'boolean' },
    take: { type: 'boolean' },
    partial: { type: 'boolean' },
    force: { type: 'boolean' },
    all: { type: 'boolean' },
    as: { type: 'string' },
    prefer: { type: 'string' },
    'lock-timeout': { type: 'string' },
    workspace: { type: 'string' },
    since: { type: 'string' }
  },
  // Only --key is typed by the person: the rest of an import is read from the agent's files.
  inputNames: (values): InputNames => values.key !== undefined ? { 'agents.import': { key: '--key' } } : {},
  async run (g, args, values) {
    const sub = subcommandOf('agent', args[0], AGENT_SUBCOMMANDS, AGENT_USAGE) // a typo is refused before the agents' code loads
    const { runAgent } = await import('./agent-run.js')
    return await runAgent(g, sub, args, values)
  }
}
