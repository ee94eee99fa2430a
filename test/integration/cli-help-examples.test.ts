/**
 * Every example `mesh --help` and `mesh CMD --help` print is a line a newcomer can paste into a
 * shell and run: what it explains is a `#` comment. Several were not: `mesh join --follow
 * claude,codex      also capture Claude Code …` (the explanation taken as arguments),
 * `mesh join --relay   (on an always-on machine …)` and `mesh init --mirror … (a blind mirror …)`
 * (a shell syntax error), `mesh agent export agent:claude:<id> …` (`<id>` a redirection from a
 * file named id), `… | jq .lease.epoch); …; mesh lease release …` (`…` run as a command), and the
 * top-level `mesh join   run this machine's node (the daemon)`.
 */
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { commandPart } from '../helpers/help-lines.js'
import { tempDir } from '../helpers/tmp.js'

/** The command's text outside quotes and $(…), where a shell would take `(`, `<`, `>` as syntax. */
const unquoted = (cmd: string): string => cmd.replace(/\$\([^)]*\)/g, 'S').replace(/"[^"]*"|'[^']*'/g, 'Q')

describe('mesh --help examples', () => {
  it('are each a line a shell runs as written, its explanation a # comment', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const top = await runCli(['--help'], { env })
      const commands = [...top.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map(m => m[1] as string)
      expect(commands).toContain('join')
      const helps = [top.stdout, ...await Promise.all(commands.map(async c => (await runCli([c, '--help'], { env })).stdout))]
      const examples = helps.flatMap(h => {
        const at = h.indexOf('\nExamples:\n')
        expect(at, h.slice(0, 80)).toBeGreaterThan(0)
        return h.slice(at + '\nExamples:\n'.length).split('\n\n')[0]?.split('\n').map(l => l.trim()) ?? []
      })
      expect(examples.length).toBeGreaterThan(40)
      const wrong: string[] = []
      for (const line of examples) {
        const cmd = commandPart(line)
        const bare = unquoted(cmd)
        // Prose after a wide gap (not behind #), shell syntax where text was meant, a placeholder run as a command.
        if (/ {2}/.test(bare) || /[()<>]/.test(bare) || /(^|[;|] *)…/.test(bare)) wrong.push(line)
        else if (spawnSync('bash', ['-n', '-c', cmd]).status !== 0) wrong.push(line)
      }
      expect(wrong).toEqual([])
    } finally { await t.cleanup() }
  })
})

/**
 * `mesh agent SUB --help` is the one place a subcommand's flags are said: its Usage named flags
 * its text never explained (`resume`'s --out, --force and --partial, `memory sync`'s --workspace
 * and --lock-timeout, `import`'s --key and --force, `follow`'s --since).
 */
describe('mesh agent SUB --help', () => {
  it('explains every flag its usage names', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const subs = ['import', 'resume', 'export', 'list', 'follow', 'hooks', 'hook', 'skills', 'memory']
      const unexplained: string[] = []
      for (const sub of subs) {
        const help = (await runCli(['agent', sub, '--help'], { env })).stdout
        const [usage = '', , text = ''] = help.split('\n')
        expect(usage, help).toMatch(/^Usage: mesh agent /)
        for (const flag of new Set(usage.match(/--[a-z-]+/g) ?? [])) if (!text.includes(flag)) unexplained.push(`${sub} ${flag}`)
      }
      expect(unexplained).toEqual([])
    } finally { await t.cleanup() }
  })
})

/**
 * Each command's --help names its flags in its Usage; `mesh join --help` explained none of
 * --announce, --dht, --http, --listen, --no-mdns, --label and --read-only, `mesh devices`
 * approve's six, `mesh pair` three, and session, resume and task some of theirs. Each is now said
 * in the summary, an example, or under "Options".
 */
describe('mesh CMD --help', () => {
  it('explains every flag its usage names (but the global ones)', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const top = (await runCli(['--help'], { env })).stdout
      const commands = [...top.matchAll(/^ {2}([a-z]+) {2,}/gm)].map(m => m[1] as string)
      const unexplained: string[] = []
      for (const c of commands) {
        const help = (await runCli([c, '--help'], { env })).stdout
        const cut = help.indexOf('\n\n')
        const usage = help.slice(0, cut)
        // A group's flags may be said by its commands' own --help, which its --help points at.
        const subs = [...usage.matchAll(new RegExp(`(?:mesh ${c} |\\| )([a-z]+)`, 'g'))].map(m => m[1] as string)
        const pointed = new RegExp(`\`mesh ${c} [a-z]+ --help\``).test(help)
        const body = help.slice(cut) + (pointed ? (await Promise.all(subs.map(async sub => (await runCli([c, sub, '--help'], { env })).stdout))).join('\n') : '')
        for (const flag of new Set(usage.match(/--[a-z-]+/g) ?? [])) {
          if (!['--json', '--home', '--wallet'].includes(flag) && !body.includes(flag)) unexplained.push(`${c} ${flag}`)
        }
      }
      expect(unexplained).toEqual([])
    } finally { await t.cleanup() }
  })
})


/**
 * The global options are listed once, at the foot of every --help; `mesh mcp --help`'s usage
 * named `[--home DIR]` as if it were its own option, as no other command's did. (`mesh devices
 * revoke`'s --wallet stays: revoking signs with the wallet, which that usage says it needs.)
 */
describe('mesh CMD --help usage', () => {
  it('names no --home, the global option every command takes, as the command\'s own', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const top = (await runCli(['--help'], { env })).stdout
      const commands = [...top.matchAll(/^ {2}([a-z]+) {2,}/gm)].map(m => m[1] as string)
      expect(commands).toContain('mcp')
      const naming: string[] = []
      for (const c of commands) {
        const help = (await runCli([c, '--help'], { env })).stdout
        const usage = help.slice(0, help.indexOf('\n\n'))
        if (usage.includes('--home')) naming.push(c)
      }
      expect(naming).toEqual([])
    } finally { await t.cleanup() }
  })
})

/**
 * `mesh session --help`'s first example named its session `agent:main:fix-login` and the rest
 * `fix-login`, as if they were two sessions: every example says the short form, and one line
 * says what it is short for.
 */
describe('mesh session --help examples', () => {
  it('name the session one way, the short form, and say what it expands to', async () => {
    const t = await tempDir()
    try {
      const help = (await runCli(['session', '--help'], { env: cliEnv(t.dir) })).stdout
      const examples = help.slice(help.indexOf('\nExamples:\n') + '\nExamples:\n'.length).split('\n\n')[0]?.split('\n') ?? []
      const keys = examples.map(l => commandPart(l).match(/mesh session [a-z]+ (\S+)/)?.[1])
      expect(keys.length).toBeGreaterThan(2)
      expect(new Set(keys)).toEqual(new Set(['fix-login']))
      expect(help).toMatch(/fix-login is short for agent:main:fix-login/)
    } finally { await t.cleanup() }
  })
})

/**
 * `mesh watch`'s one-line summary, in `mesh --help`'s list of commands too, was a paragraph with
 * the whole --json event list in it: a short line there, the rest said in `mesh watch --help`.
 */
describe('mesh watch --help', () => {
  it('has a one-line summary in mesh --help, its --json events said in its own --help', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const line = (await runCli(['--help'], { env })).stdout.split('\n').find(l => l.startsWith('  watch ')) ?? ''
      expect(line).not.toContain('"event"')
      expect(line.trim().length).toBeLessThanOrEqual(100)
      const help = (await runCli(['watch', '--help'], { env })).stdout
      for (const event of ['earlier', 'waiting', 'arrived', 'revoked']) expect(help).toContain(`{"event":"${event}"`)
      expect(help).toMatch(/--tail N +.*default 50/)
    } finally { await t.cleanup() }
  })
})

/**
 * A flag shown only in an example (`mesh join --bootstrap`, `--relay`, `--follow`) is not
 * explained: every flag a command's usage names is said once outside its usage and examples (its
 * summary, or a line under Options), in its --help or, for a group, its command's own --help.
 */
describe('mesh CMD --help Options', () => {
  it('explain every flag its usage names outside its examples (but the global ones)', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const top = (await runCli(['--help'], { env })).stdout
      const commands = [...top.matchAll(/^ {2}([a-z]+) {2,}/gm)].map(m => m[1] as string)
      /** A help without its usage, examples and foot: where a flag is explained. */
      const explaining = (help: string): string => help.split('\n\n').slice(1).filter(p => !p.startsWith('Examples:') && !p.startsWith('Global options:')).join('\n\n')
      const unexplained: string[] = []
      for (const c of commands) {
        const help = (await runCli([c, '--help'], { env })).stdout
        const usage = help.slice(0, help.indexOf('\n\n'))
        const subs = [...new Set([...usage.matchAll(new RegExp(`(?:mesh ${c} |\\| )\\[?([a-z]+)`, 'g'))].map(m => m[1] as string))]
        const own = await Promise.all(subs.map(async sub => (await runCli([c, sub, '--help'], { env })).stdout))
        const body = [help, ...own].map(explaining).join('\n')
        for (const flag of new Set(usage.match(/--[a-z-]+/g) ?? [])) {
          if (!['--json', '--home', '--wallet'].includes(flag) && !body.includes(flag)) unexplained.push(`${c} ${flag}`)
        }
      }
      expect(unexplained).toEqual([])
    } finally { await t.cleanup() }
  })
})
