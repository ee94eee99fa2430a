/**
 * The `mesh` command line, a thin client of the API. Global flags: --home DIR, --wallet PATH,
 * --json, --help. Exit codes: 0 ok, 1 failure, 2 bad usage or input (src/cli/exit-codes.ts).
 * Only light modules are imported here: a command that talks to a running daemon loads neither
 * libp2p, Yjs nor the store.
 */
import '../polyfill.js'
import { parseArgs } from 'node:util'
import { isMeshError, UsageError, type ErrorCode } from '../errors.js'
import { errorToWire } from '../api/wire-error.js'
import { versionFields, versionLine } from '../node/versions.js'
import { exitCodeFor } from './exit-codes.js'
import { inCliWords, type InputNames } from './input-names.js'
import { globalsFrom, setJsonOutput, stdout as out } from './context.js'
import { refuseExtraArgs, refuseForeignOptions, subcommandAliases, subUsage, type Command } from './command.js'
import { joinNegativeValues } from './dash-values.js'
import { commandNear, nearOptions } from './wording.js'
import { messageHere } from './zone-words.js'
import { initCmd, statusCmd, walletCmd } from './commands/identity.js'
import { devicesCmd } from './commands/devices.js'
import { leaseCmd, resumeCmd, sessionCmd, sessionsCmd, taskCmd } from './commands/sessions.js'
import { memoryCmd, skillsCmd } from './commands/data.js'
import { joinCmd, stopCmd } from './commands/join.js'
import { peersCmd, watchCmd } from './commands/watch.js'
import { dashboardCmd } from './commands/dashboard.js'
import { mcpCmd } from './commands/mcp.js'
import { agentCmd } from './commands/agent.js'
import { pairCmd } from './commands/pair.js'
import { doctorCmd } from './commands/doctor.js'

export const VERSION = '0.1.0'

export const COMMANDS: Command[] = [
  joinCmd, stopCmd, initCmd, walletCmd, statusCmd, peersCmd, devicesCmd,
  sessionsCmd, sessionCmd, resumeCmd, taskCmd, leaseCmd, watchCmd, memoryCmd, skillsCmd,
  dashboardCmd, mcpCmd, agentCmd, pairCmd, doctorCmd
]

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
    '  -h, --help      help; `mesh <command> --help` for one command, with examples',
    '  -v, --version   the version of mesh and the wire protocols it speaks (two machines sync only if theirs match)',
    '',
    'Examples:',
    '  mesh join                                   # run this machine\'s node (the daemon)',
    '  mesh session new fix-login --goal "users stay logged in"',
    '  echo "found it" | mesh session append fix-login --role assistant --stdin',
    '  mesh resume fix-login                       # pick a session up (takes the driver lease)',
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad usage or input.')
  return lines.join('\n')
}

/**
 * A command's help; for a subcommand of a group (`mesh agent import --help`), its own part of the
 * usage and the examples that run it, then where the whole group's help is.
 */
function commandHelp (cmd: Command, sub?: string): string {
  const own = sub !== undefined && typeof cmd.arity !== 'number' && cmd.arity[sub] !== undefined ? subUsage(cmd, sub) : undefined
  const examples = (cmd.examples ?? []).filter(e => own === undefined || e === `mesh ${cmd.name} ${sub as string}` || e.startsWith(`mesh ${cmd.name} ${sub as string} `))
  const lines = [`Usage: ${own ?? cmd.usage}`, '', (own !== undefined ? cmd.subSummaries?.[sub as string] : undefined) ?? cmd.summary]
  if (own === undefined && cmd.details !== undefined) lines.push('', cmd.details)
  // A group's subcommand shows the flags its own usage names.
  const flags = Object.entries(cmd.flags ?? {}).filter(([f]) => own === undefined || own.includes(f.split(' ')[0] as string))
  if (flags.length > 0) {
    const width = Math.max(...flags.map(([f]) => f.length))
    lines.push('', 'Options:', ...flags.map(([f, what]) => `  ${f.padEnd(width)}  ${what}`))
  }
  if (examples.length > 0) lines.push('', 'Examples:', ...examples.map(e => `  ${e}`))
  if (own !== undefined) lines.push('', `Every \`mesh ${cmd.name}\` command: \`mesh ${cmd.name} --help\`.`)
  else if (cmd.subSummaries !== undefined) lines.push('', `What one command does, its flags explained: \`mesh ${cmd.name} ${Object.keys(cmd.subSummaries)[0] as string} --help\`.`)
  lines.push('', 'Global options: --home DIR, --wallet PATH, --json (see `mesh --help`).')
  return lines.join('\n')
}


/** What to do about an error, said by the CLI alone: the API's messages name no command-line flags. */
const CLI_ADVICE: Partial<Record<ErrorCode, string>> = {
  WALLET_MISMATCH: ': give the wallet that set this home up (--wallet PATH), or another home (--home DIR)'
}

/**
 * An option that takes one value given twice (`--text x --text y`, `--home A --home B`) is refused,
 * not settled by the last: which one the user meant is theirs to say. Options that take several
 * (`--listen`, `--bootstrap`) and flags without a value (`--json --json`) may repeat.
 */
function refuseRepeated (tokens: ReadonlyArray<{ kind: string, name?: string, rawName?: string, value?: string }> | undefined, options: Record<string, { type: string, multiple?: boolean }>, usage: string): void {
  const seen = new Map<string, string | undefined>()
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.name === undefined) continue
    const o = options[t.name]
    if (o === undefined || o.type !== 'string' || o.multiple === true) continue
    if (seen.has(t.name)) throw new UsageError(`--${t.name} given twice (${JSON.stringify(seen.get(t.name))} and ${JSON.stringify(t.value)}): give it once. Usage: ${usage}`)
    seen.set(t.name, t.value)
  }
}

/** node:util's parseArgs messages, said the way the rest of the CLI speaks. */
function parseError (err: any, cmd: Command): string {
  const message = String(err?.message ?? err)
  const option = /Option '(-[^ ']+)/.exec(message)?.[1] ?? /option '(-[^ ']+)'/i.exec(message)?.[1]
  if (err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    // A short one (`-x`) is more likely a value that starts with "-" than an option: said how to
    // write one. A long one is an option the command does not have: said where its options are.
    const near = option.startsWith('--') ? nearOptions(option, Object.keys({ ...GLOBAL_OPTIONS, ...cmd.options })) : undefined
    const why = option.startsWith('--') ? `\`mesh ${cmd.name} --help\` lists its options` : 'a value that starts with "-" is written --option=-VALUE, or after "--" when it is an argument'
    return `mesh ${cmd.name} has no option ${option}${near !== undefined ? `; did you mean ${near}?` : ''} (${why})`
  }
  if (err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    if (/does not take/.test(message)) return `${option} takes no value`
    // `--text -x`: a value that starts with "-" is attached with "=" (a negative number is taken as it is).
    return /ambiguous/.test(message) ? `${option} needs a value (one that starts with "-" is written ${option}=-VALUE)` : `${option} needs a value`
  }
  return message.replace(/\.$/, '')
}

/**
 * A command's name written as a group's subcommand (`mesh session task KEY --todo-add T`), found
 * when the group refuses an option: the command meant, and the options it would refuse in turn
 * (with the one it most likely meant), else undefined. Parsed leniently, for its words only.
 */
function commandMeant (cmd: Command, args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { cmd: Command, said: string } | undefined {
  if (typeof cmd.arity === 'number') return undefined
  const lenient = parseArgs({ args, options, allowPositionals: true, strict: false, tokens: true })
  const word = lenient.positionals[0]
  const meant = COMMANDS.find(c => c.name === word && c !== cmd)
  if (word === undefined || cmd.arity[word] !== undefined || meant === undefined) return undefined
  const known = Object.keys({ ...GLOBAL_OPTIONS, ...meant.options })
  const unknown = [...new Set((lenient.tokens ?? []).flatMap(t => t.kind === 'option' && !known.includes(t.name) ? [t.rawName] : []))]
  const near = unknown.length === 1 && (unknown[0] as string).startsWith('--') ? nearOptions(unknown[0] as string, known) : undefined
  const either = unknown.length === 0 ? '' : ` It has no option ${unknown.join(', ')} either${near !== undefined ? `; did you mean ${near}?` : ''}`
  return { cmd: meant, said: `there is no \`mesh ${cmd.name} ${word}\`: did you mean \`mesh ${meant.name}\`?${either}` }
}

/** The refusal of a command's name written as a group's subcommand, with the usage of the command meant. */
function meantError (meant: { cmd: Command, said: string }): UsageError {
  return new UsageError(`${meant.said}${meant.said.endsWith('?') ? '' : '.'} Usage: ${meant.cmd.usage} (\`mesh ${meant.cmd.name} --help\` for examples)`)
}

/**
 * Where the command's name is: the first argument that is neither an option nor the value of a
 * global option written before it (`mesh --home DIR join`, as `git -C DIR status`); -1 for none.
 */
function commandAt (argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (!a.startsWith('-')) return i
    const global = GLOBAL_OPTIONS[a.slice(2) as keyof typeof GLOBAL_OPTIONS] as { type: string } | undefined
    if (a.startsWith('--') && global?.type === 'string') i++
  }
  return -1
}

/** The command of this name; one message for every way a name that is not a command is given. */
function commandNamed (name: string): Command {
  const cmd = COMMANDS.find(c => c.name === name)
  if (cmd === undefined) {
    const near = commandNear(name, COMMANDS)
    throw new UsageError(`unknown command "${name}"${near !== undefined ? ` (did you mean ${near}?)` : ''}. Run \`mesh --help\` for the list`)
  }
  return cmd
}

/**
 * Whether an error met before the flags are parsed (or in parsing them) is said as JSON: --json
 * among the options, written alone or with a value it does not take (`--json=1`, refused as such),
 * and not an argument after `--`.
 */
function asksJson (argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end < 0 ? argv : argv.slice(0, end)).some(a => a === '--json' || a.startsWith('--json='))
}

/**
 * `started` is told once the command's run has begun (its synchronous start done: `mesh watch`
 * takes Ctrl-C there): bin/mesh.js then hands it a Ctrl-C that came while the CLI loaded.
 */
export async function main (argv: string[], hooks: { started?: () => void } = {}): Promise<number> {
  let json = asksJson(argv)
  setJsonOutput(json)
  // The command run, once its flags are parsed: its names for the API's input fields.
  let names: InputNames | undefined
  try {
    // `mesh help session` (also after global options: `mesh --home DIR help session`) is `mesh session --help`.
    const first = commandAt(argv)
    const asksHelp = argv[first] === 'help'
    const next = asksHelp ? commandAt(argv.slice(first + 1)) : -1
    const at = next >= 0 ? first + 1 + next : first
    const name = argv[at]
    const helpFor = next >= 0 ? name : undefined
    if (name === undefined || (asksHelp && helpFor === undefined)) {
      if (argv.includes('--version') || argv.includes('-v')) {
        if (json) out.json(versionFields(VERSION))
        else out.line(versionLine(VERSION))
        return 0
      }
      const helpFlag = argv.includes('--help') || argv.includes('-h')
      // `mesh --home` with nothing after: said as `mesh status --home` says it.
      const last = argv[argv.length - 1]
      if (last !== undefined && !helpFlag && last.startsWith('--') && GLOBAL_OPTIONS[last.slice(2) as keyof typeof GLOBAL_OPTIONS]?.type === 'string') throw new UsageError(`${last} needs a value`)
      // Options and no command (`mesh --bogus`, `mesh --home DIR`): said in one line, as any
      // other bad input (and as JSON with --json), not the whole help with exit 2.
      if (name === undefined && !helpFlag && argv.length > 0) {
        const unknown = argv.find(a => a.startsWith('-') && a !== '-v' && GLOBAL_OPTIONS[a.replace(/^--?/, '').split('=')[0] as keyof typeof GLOBAL_OPTIONS] === undefined)
        throw new UsageError(unknown !== undefined ? `unknown option ${unknown} (before any command; \`mesh --help\` lists the commands and their options)` : 'no command given: `mesh --help` lists them')
      }
      out.line(help())
      return 0
    }
    const cmd = commandNamed(name)
    // `mesh help agent import` is `mesh agent import --help`: the word after the command, if any.
    if (helpFor !== undefined) { out.line(commandHelp(cmd, argv.slice(at + 1).find(a => !a.startsWith('-')))); return 0 }
    const options = { ...GLOBAL_OPTIONS, ...cmd.options }
    const rest = [...argv]
    rest.splice(at, 1)
    let parsed
    try {
      parsed = parseArgs({ args: joinNegativeValues(rest, options), options, allowPositionals: true, strict: true, tokens: true })
    } catch (err: any) {
      const meant = commandMeant(cmd, rest, options)
      if (meant !== undefined) throw meantError(meant)
      throw new UsageError(`${parseError(err, cmd)}. Usage: ${cmd.usage} (\`mesh ${cmd.name} --help\` for examples)`)
    }
    const values = parsed.values as Record<string, unknown>
    json = values.json === true
    setJsonOutput(json)
    if (values.help === true) { out.line(commandHelp(cmd, parsed.positionals[0])); return 0 }
    const words = subcommandAliases(cmd, parsed.positionals)
    // `mesh session task KEY` with no option the group refuses: the command meant all the same,
    // where the words after it are what that command takes (`mesh lease status` may be a question
    // about leases in other words, not `mesh status`); alone, where that command takes an
    // argument (`mesh session task`, its KEY missing).
    const meant = commandMeant(cmd, rest, options)
    const after = words.length - 1
    if (meant !== undefined && typeof meant.cmd.arity === 'number' && (after >= 1 || meant.cmd.arity >= 1) && after <= meant.cmd.arity) throw meantError(meant)
    refuseRepeated(parsed.tokens, options, (words[0] !== undefined ? subUsage(cmd, words[0]) : undefined) ?? cmd.usage)
    refuseExtraArgs(cmd, words, Object.keys(values))
    refuseForeignOptions(cmd, words[0], Object.keys(values), Object.keys(GLOBAL_OPTIONS))
    names = typeof cmd.inputNames === 'function' ? cmd.inputNames(values) : cmd.inputNames
    const running = cmd.run(globalsFrom(values as any), words, values)
    hooks.started?.()
    return await running
  } catch (err) {
    // The API's own wire shape (the socket, HTTP and MCP send the same): what a script reads (LEASE_HELD's holder, expiresAt, online);
    // a refused input names the flag or argument it came from (with --json, beside the API's path).
    const error = inCliWords(errorToWire(err), names, { json })
    if (json) out.jsonErr({ error })
    // A lease's end or a revocation said in this machine's zone, as the CLI says every time (the API's message says it in UTC).
    else out.err(`mesh: ${messageHere(error)}${CLI_ADVICE[error.code as ErrorCode] ?? ''}`)
    if (!isMeshError(err) && process.env.MESH_DEBUG !== undefined) out.err(String((err as Error)?.stack))
    return exitCodeFor(error.code as ErrorCode, error.details)
  }
}
