/** The shape of a CLI command. */
import type { ParseArgsConfig } from 'node:util'
import type { Globals } from './context.js'
import type { InputNames } from './input-names.js'
import { UsageError } from '../errors.js'
import { shellQuote } from '../shell-quote.js'

export interface Command {
  name: string
  usage: string
  summary: string
  /**
   * A group's one line per subcommand (`mesh devices approve --help` says what approve does, not
   * what the group does); every subcommand its arity names has one (test/unit/cli-help.test.ts).
   */
  subSummaries?: Readonly<Record<string, string>>
  /**
   * What a flag its usage names does, where neither its summary nor an example says it: shown
   * under "Options" in `mesh <command> --help`, keyed by the flag as written (`--dht client|server|off`).
   */
  flags?: Readonly<Record<string, string>>
  /**
   * What its one-line summary leaves out (the summary is also its line in `mesh --help`): shown
   * under the summary in `mesh <command> --help` alone.
   */
  details?: string
  /** Lines shown under "Examples" in `mesh <command> --help`. */
  examples?: string[]
  options: NonNullable<ParseArgsConfig['options']>
  /**
   * The most positional arguments it takes, a subcommand's name counted: one number, or one per
   * subcommand (one not listed is left to the command, which names it unknown). More are refused
   * (refuseExtraArgs), since a word dropped without a word is input lost: `--text hello world`.
   */
  arity: number | Readonly<Record<string, number>>
  run: (g: Globals, args: string[], values: Record<string, unknown>) => Promise<number>
  /**
   * For each API method it calls, the flag or argument each input field came from (the given
   * options decide some: `--text` or stdin): the API's refusal of an input is said with these
   * (src/cli/input-names.ts), not with the API's field names a person never typed.
   */
  inputNames?: InputNames | ((values: Record<string, unknown>) => InputNames)
}

/**
 * The subcommand of a command group (`mesh memory get`), else a UsageError (exit 2) that says
 * whether it is missing or unknown, with the group's subcommands and usage: `mesh memory` alone
 * lacks a command, and `mesh lease KEY` names a command that is not one (not a missing KEY).
 * `elsewhere` names the command that does what a word asks of another group (`mesh session
 * list`: sessions are listed by `mesh sessions`).
 */
export function subcommandOf<T extends string> (group: string, sub: string | undefined, names: readonly T[], usage: string, elsewhere: Record<string, string> = {}): T {
  if (sub !== undefined && (names as readonly string[]).includes(sub)) return sub as T
  const other = sub !== undefined ? elsewhere[sub] : undefined
  if (other !== undefined) throw new UsageError(`unknown ${group} command ${sub as string}: ${other}`)
  if (sub === undefined || sub === '') {
    const listed = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1) as string}` : names.join('')
    throw new UsageError(`missing ${group} command (${listed}): ${usage}`)
  }
  throw new UsageError(`unknown ${group} command ${sub}: ${usage}`)
}

/** The words given to a command, `ls` taken as `list` where the command has a `list` (checked and run as it). */
export function subcommandAliases (cmd: Pick<Command, 'arity'>, args: string[]): string[] {
  return args[0] === 'ls' && typeof cmd.arity !== 'number' && cmd.arity.list !== undefined ? ['list', ...args.slice(1)] : args
}

/** The options whose value is free text, the first one a usage names being what a quoted extra word most likely meant. */
const TEXT_OPTIONS = ['text', 'goal', 'title', 'progress', 'plan'] as const

/**
 * Why the extra words are there, as best it can be told. With no text option given (`--text`,
 * `--title`…), they are most likely that text without its option: the first the usage names,
 * all the words quoted as one (`mesh session append KEY hello world`, or `"hello world"`). With
 * one given, an unquoted word is the rest of its value (`--text hello world`), and a quoted one
 * a value without its option.
 */
function extraArgHint (extras: readonly string[], usage: string, takesValue: boolean, given: readonly string[]): string {
  const named = optionsNamed(usage).filter(o => (TEXT_OPTIONS as readonly string[]).includes(o))
  const quoted = /\s/.test(extras[0] as string)
  // In the usage's order (`mesh session new KEY "Fix login"`: --title, named before --goal).
  const option = named[0]
  if (option !== undefined && !named.some(o => given.includes(o)) && (quoted || takesValue)) return ` (did you mean --${option} ${shellQuote(extras.join(' '))}?)`
  if (quoted) return ' (each value goes after its option)'
  return takesValue ? ' (a value with spaces needs quotes)' : ''
}

/**
 * A UsageError (exit 2) for a positional argument past what the command takes (Command.arity).
 * `given`: the options given, which tell what the extra words most likely are (extraArgHint).
 */
export function refuseExtraArgs (cmd: Pick<Command, 'name' | 'usage' | 'arity'>, args: readonly string[], given: readonly string[] = []): void {
  const max = typeof cmd.arity === 'number' ? cmd.arity : cmd.arity[args[0] ?? '']
  if (max === undefined || args.length <= max) return
  // Past a value it takes (not only a subcommand's name), the extra word is most likely the rest of that value.
  const takesValue = max > (typeof cmd.arity === 'number' ? 0 : 1)
  // A subcommand's own usage (`mesh session append …`), not its whole group's.
  const sub = typeof cmd.arity === 'number' ? undefined : args[0]
  const part = sub !== undefined ? subUsage(cmd, sub) : undefined
  const usage = part ?? cmd.usage
  const extras = args.slice(max)
  throw new UsageError(`unexpected argument "${extras[0] as string}"${extraArgHint(extras, usage, takesValue, given)}. Usage: ${usage} (\`mesh ${cmd.name}${part !== undefined ? ` ${sub as string}` : ''} --help\` for examples)`)
}

/**
 * A UsageError (exit 2) for an option its group takes but this subcommand does not (`mesh session
 * show KEY --force`, `mesh agent list --redact`): parsed for the group and dropped unsaid, it is
 * input lost. A subcommand takes the options its part of the usage names (subUsage), and `global`.
 */
export function refuseForeignOptions (cmd: Pick<Command, 'name' | 'usage' | 'arity'>, sub: string | undefined, given: readonly string[], global: readonly string[]): void {
  if (typeof cmd.arity === 'number' || sub === undefined || cmd.arity[sub] === undefined) return
  const part = subUsage(cmd, sub)
  if (part === undefined) return
  const takes = optionsNamed(part)
  const foreign = given.find(o => !global.includes(o) && !takes.includes(o))
  if (foreign === undefined) return
  const listed = takes.filter(o => !global.includes(o)).map(o => `--${o}`)
  throw new UsageError(`mesh ${cmd.name} ${sub} has no option --${foreign}${listed.length > 0 ? ` (it takes ${listed.join(', ')})` : ''}. Usage: ${part}`)
}

/** The long options a usage text names (`--tail N` gives tail). */
export const optionsNamed = (usage: string): string[] => [...new Set([...usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map(m => m[1] as string))]

/** The part of a group's usage (`mesh NAME a … | b …`, or a line each; alternatives at the top level only) that runs `sub`. */
export function subUsage (cmd: Pick<Command, 'name' | 'usage'>, sub: string): string | undefined {
  const prefix = `mesh ${cmd.name} `
  if (!cmd.usage.startsWith(prefix)) return undefined
  const parts: string[] = []
  let depth = 0
  let start = 0
  const u = cmd.usage.slice(prefix.length)
  for (let i = 0; i < u.length; i++) {
    const c = u[i] as string
    if (c === '(' || c === '[') depth++
    else if (c === ')' || c === ']') depth--
    else if (depth === 0 && u.startsWith(' | ', i)) { parts.push(u.slice(start, i)); start = i + 3 } else if (depth === 0 && c === '\n') { parts.push(u.slice(start, i)); start = i + 1 }
  }
  parts.push(u.slice(start))
  // An alternative may repeat `mesh NAME ` (`mesh devices [list] | mesh devices approve …`).
  const bodies = parts.map(p => p.trim()).map(p => p.startsWith(prefix) ? p.slice(prefix.length) : p)
  const part = bodies.find(p => (p.split(' ')[0] as string).replace(/^\[|\]$/g, '').split('|').includes(sub))
  return part === undefined ? undefined : prefix + part
}
