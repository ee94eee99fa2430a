/**
 * The `mesh` command line. Global flags: --home DIR, --wallet PATH, --json, --help.
 * Exit codes: 0 ok, 1 failure, 2 bad usage or input (src/cli/exit-codes.ts).
 */
import '../polyfill.js'
import { parseArgs } from 'node:util'
import { isMeshError, UsageError } from '../errors.js'
import { exitCodeFor } from './exit-codes.js'
import { globalsFrom, stdout as out } from './context.js'
import type { Command } from './command.js'
import { initCmd, statusCmd, walletCmd } from './commands/identity.js'
import { resumeCmd, sessionCmd, sessionsCmd } from './commands/sessions.js'
import { memoryCmd, skillsCmd } from './commands/data.js'
import { joinCmd, setRunner } from './commands/join.js'
import { peersCmd, watchCmd } from './commands/watch.js'
import { ambient } from './context.js'
import { runInDaemon } from './control.js'

export const COMMANDS: Command[] = [joinCmd, initCmd, walletCmd, statusCmd, peersCmd, sessionsCmd, sessionCmd, resumeCmd, watchCmd, memoryCmd, skillsCmd]
/** Commands that never go through a running daemon. */
const LOCAL_ONLY = new Set(['join', 'init', 'wallet'])

const GLOBAL_OPTIONS = {
  home: { type: 'string' },
  wallet: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' }
} as const

function help (): string {
  const lines = [
    'mesh: your agent\'s session, memory and skills, end-to-end encrypted, on every machine you own',
    '',
    'Usage: mesh <command> [options]',
    '',
    'Commands:'
  ]
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`)
  lines.push('',
    'Global options:',
    '  --home DIR      the home (default: $MESH_HOME, else $XDG_DATA_HOME/mesh or ~/.local/share/mesh)',
    '  --wallet PATH   a Solana keypair file (default: $MESH_WALLET, ~/.config/solana/id.json, ~/.config/mesh/wallet.json)',
    '  --json          machine-readable output (errors too, on stderr)',
    '  -h, --help      help; `mesh <command> --help` for one command',
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad usage or input.')
  return lines.join('\n')
}

export async function main (argv: string[]): Promise<number> {
  let json = argv.includes('--json')
  try {
    const name = argv.find(a => !a.startsWith('-'))
    const cmd = COMMANDS.find(c => c.name === name)
    if (name === undefined || argv[0] === 'help') {
      if (argv.includes('--version')) { out.line('0.1.0'); return 0 }
      out.line(help())
      return name === undefined && !argv.includes('--help') && !argv.includes('-h') && argv.length > 0 ? 2 : 0
    }
    if (cmd === undefined) throw new UsageError(`unknown command "${name}". Run \`mesh --help\` for the list`)
    const rest = [...argv]
    rest.splice(rest.indexOf(name), 1)
    let parsed
    try {
      parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...cmd.options }, allowPositionals: true, strict: true })
    } catch (err: any) {
      throw new UsageError(`${err?.message ?? err}. Usage: ${cmd.usage}`)
    }
    const values = parsed.values as Record<string, unknown>
    json = values.json === true
    if (values.help === true) {
      out.line(`${cmd.usage}\n\n${cmd.summary}\n\nGlobal options: --home DIR, --wallet PATH, --json (see \`mesh --help\`).`)
      return 0
    }
    const g = globalsFrom(values as any)
    // While `mesh join` runs on this home, go through it: it holds the home and sees live data.
    if (!LOCAL_ONLY.has(cmd.name) && ambient.getStore() === undefined) {
      const code = await runInDaemon(g.home, argv, { stdout: (l) => { process.stdout.write(l + '\n') }, stderr: (l) => { process.stderr.write(l + '\n') } })
      if (code !== undefined) return code
    }
    return await cmd.run(g, parsed.positionals, values)
  } catch (err) {
    const code = isMeshError(err) ? err.code : undefined
    const message = err instanceof Error ? err.message : String(err)
    if (json) out.err(JSON.stringify({ error: { code: code ?? 'INTERNAL', message } }))
    else out.err(`mesh: ${message}`)
    if (!isMeshError(err) && process.env.MESH_DEBUG !== undefined) out.err(String((err as Error)?.stack))
    return exitCodeFor(code)
  }
}

setRunner(main)
