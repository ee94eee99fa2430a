/**
 * More of what a newcomer meets, through real `mesh` processes beside two real daemons of one
 * wallet (alpha and beta, on loopback): `mesh watch --json` says on its stream that it waits for
 * a session and when it arrived; a command group without its command says so and lists them;
 * one message for an unknown command however it is asked; `mesh lease renew` without a lease to
 * renew is LEASE_NOT_HELD, and with another device's lease LEASE_HELD naming it; "last write" in
 * LEASE_HELD counts writes of the session, not taking its lease; and a --json error is the API's
 * own wire error, the same body HTTP and MCP give; a word past what a command takes (an unquoted
 * text's rest) is refused, not dropped; a value the API refuses is said by the flag or argument it
 * came from (`--tag (the 2nd): …`), not the API's method and field, which HTTP keeps.
 */
import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, runCli, type RunResult } from '../helpers/cli.js'
import { api as httpApi, startPair, type Pair } from '../helpers/daemons.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

let t: { dir: string, cleanup: () => Promise<void> }
let pair: Pair
const cleanups: Array<() => Promise<unknown>> = []
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env: pair.env })
const A = (): string[] => ['--home', pair.a.home]
const B = (): string[] => ['--home', pair.b.home]
/** The --json error a command printed, after checking its exit code. */
const errorOf = (r: RunResult, code: number): any => {
  expect(r.code, r.stderr).toBe(code)
  expect(r.stdout).toBe('')
  return JSON.parse(r.stderr).error
}
/** A message with its figures (seconds ago, minutes left, a clock time) left out: two calls a moment apart say the same. */
const figureless = (e: { message: string }): unknown => ({ ...e, message: e.message.replace(/\d+/g, 'N') })

beforeAll(async () => {
  t = await tempDir()
  pair = await startPair(t.dir)
}, 90_000)
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
  await pair?.stop()
  await t?.cleanup()
})

/** Creates KEY on alpha and waits until beta holds it too. */
async function sessionOnBoth (key: string): Promise<void> {
  expect((await mesh('session', 'new', key, ...A())).code).toBe(0)
  await poll(`${key} on beta`, async () => (await mesh('session', 'show', key, '--tail', '0', ...B())).code === 0)
}

/** Waits until DEVICE's view of KEY passes `ok`. */
async function seen (home: () => string[], key: string, what: string, ok: (v: any) => boolean): Promise<void> {
  await poll(what, async () => {
    const r = await mesh('session', 'show', key, '--json', ...home())
    return r.code === 0 && ok(JSON.parse(r.stdout))
  })
}

describe('mesh watch --json', () => {
  it('says on its stream that it waits for a session not here yet, then that it arrived, before its messages', async () => {
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'later', '--json', ...B()], pair.env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    let stdout = ''
    let stderr = ''
    w.child.stdout?.on('data', (d: Buffer) => { stdout += d.toString() })
    w.child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    await w.waitFor(/"event":"waiting"/)
    // Made on the other device: it arrives from a peer.
    expect((await mesh('session', 'new', 'later', ...A())).code).toBe(0)
    expect((await mesh('session', 'append', 'later', '--role', 'user', '--text', 'first words', ...A())).code).toBe(0)
    await w.waitFor(/"content":"first words"/)
    expect(await w.stop('SIGINT')).toBe(0)
    const lines = stdout.trim().split('\n').map(l => JSON.parse(l))
    expect(lines.slice(0, 2)).toEqual([{ event: 'waiting', key: 'agent:main:later' }, { event: 'arrived', key: 'agent:main:later' }])
    expect(lines.slice(2).map(m => m.content)).toEqual(['first words'])
    // Everything a script reads is on the stream: no prose on stderr in JSON mode.
    expect(stderr).toBe('')
  })
})

describe('a command group without its command', () => {
  it('says the command is missing and lists them (exit 2), where a wrong one is still unknown', async () => {
    const groups: Array<[string, string]> = [
      ['session', 'new, append or show'],
      ['lease', 'take, renew or release'],
      ['memory', 'set, get, list, search or delete'],
      ['skills', 'add, list, show or remove'],
      ['wallet', 'new or show'],
      ['agent', 'import, resume, export, list, follow, hooks, hook, skills or memory']
    ]
    for (const [group, listed] of groups) {
      const r = await mesh(group)
      expect(r.code, group).toBe(2)
      expect(r.stderr, group).toMatch(new RegExp(`^mesh: missing ${group} command \\(${listed}\\): mesh ${group} `))
      expect(r.stderr, group).not.toContain('(none)')
    }
    expect(errorOf(await mesh('memory', '--json'), 2)).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^missing memory command \(set, get/), details: {} })
    const wrong = await mesh('memory', 'frob')
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toMatch(/^mesh: unknown memory command frob: mesh memory set KEY VALUE/)
  })

  it('takes ls for list, and says where sessions are listed when asked of one session', async () => {
    expect((await mesh('memory', 'set', 'ls-probe', 'x', ...A())).code).toBe(0)
    const ls = await mesh('memory', 'ls', '--json', ...A())
    expect(ls.code, ls.stderr).toBe(0)
    expect(JSON.stringify(JSON.parse(ls.stdout))).toContain('ls-probe')
    expect((await mesh('skills', 'ls', ...A())).code).toBe(0)
    for (const word of ['list', 'ls']) {
      const r = await mesh('session', word, ...A())
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`mesh: unknown session command ${word}: sessions are listed by \`mesh sessions\` (--details for each one's status)\n`)
    }
  })
})

describe('an unknown command', () => {
  it('is said one way, whether run or asked about (exit 2), and its --json error is the wire shape', async () => {
    const run = await mesh('frob')
    const asked = await mesh('help', 'frob')
    expect(run.code).toBe(2)
    expect(asked.code).toBe(2)
    expect(run.stderr).toBe('mesh: unknown command "frob". Run `mesh --help` for the list\n')
    expect(asked.stderr).toBe(run.stderr)
    expect(JSON.parse((await mesh('frob', '--json')).stderr)).toEqual({ error: { code: 'USAGE', message: 'unknown command "frob". Run `mesh --help` for the list', details: {} } })
    // A typo near a command names it.
    const typo = await mesh('sesion', 'show', 'x')
    expect(typo.code).toBe(2)
    expect(typo.stderr).toBe('mesh: unknown command "sesion" (did you mean `mesh session`?). Run `mesh --help` for the list\n')
    // A group's subcommand written alone names the groups it is in (`mesh show fix-login` was
    // taken for `mesh stop`, which stops the node); one that stops, revokes or deletes only for a
    // typo that keeps all its letters (two neighbours swapped, one key too many), and never over
    // another as near.
    const meant: Array<[string, string]> = [
      ['show', '`mesh session show`, `mesh wallet show` or `mesh skills show`'],
      ['approve', '`mesh devices approve`'],
      ['new', '`mesh session new` or `mesh wallet new`'],
      ['shop', '`mesh session show`'],
      ['revoke', '`mesh devices revoke`'],
      ['sotp', '`mesh stop`'],
      ['stopp', '`mesh stop`'],
      ['revkoe', '`mesh devices revoke`']
    ]
    const said = await Promise.all(meant.map(async ([word]) => await mesh(word, 'fix-login')))
    said.forEach((r, i) => expect(r.stderr).toBe(`mesh: unknown command "${meant[i]?.[0] as string}" (did you mean ${meant[i]?.[1] as string}?). Run \`mesh --help\` for the list\n`))
    // A letter missing or changed is another word as often as a typo (`mesh top`, `mesh sop`
    // offered `mesh stop`, one edit away): no destructive command is put in the user's fingers.
    const unsure = ['top', 'sop', 'stoq2', 'revok', 'delte', 'stip']
    const refused = await Promise.all(unsure.map(async word => await mesh(word)))
    refused.forEach((r, i) => {
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`mesh: unknown command "${unsure[i] as string}". Run \`mesh --help\` for the list\n`)
    })
  })
})

describe('a value the API refuses', () => {
  it('is said by the flag or argument it came from (exit 2); --json keeps the code and gives the API path; HTTP keeps the API\'s names', async () => {
    // Said before as `memory.set: tags.1: …`, `sessions.create: title: …`: names no one typed.
    const said: Array<[string[], RegExp]> = [
      [['memory', 'set', 'k', 'v', '--tag', 'ok', '--tag', ' '], /^mesh: --tag \(the 2nd\): a tag is empty or only whitespace: give it some text\n$/],
      [['session', 'new', 'refused', '--title', 't'.repeat(201)], /^mesh: --title: a title is at most 200 characters/],
      [['task', 'refused', '--todo-add', ' ', '--file', ''], /^mesh: --todo-add: a todo is empty or only whitespace: give it some text; --file: a file touched is empty/]
    ]
    for (const [args, words] of said) {
      const r = await mesh(...args, ...A())
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(words)
    }
    expect(errorOf(await mesh('task', 'refused', '--file', ' ', '--json', ...A()), 2)).toEqual({
      code: 'INVALID_INPUT',
      message: '--file: a file touched is empty or only whitespace: give it some text',
      details: { method: 'sessions.task', inputs: { 'files.0': '--file' } }
    })
    // A session key refused is said by KEY or --key too, the key on one line (was: `Invalid session key "bad` and `key": …` on a second line, `details: {}`).
    const file = join(t.dir, 'claude-one.jsonl')
    await writeFile(file, JSON.stringify({ type: 'user', sessionId: 'abc', message: { role: 'user', content: 'hi' }, uuid: 'u1', timestamp: '2025-01-01T00:00:00Z', cwd: '/tmp' }) + '\n')
    const keyed: Array<[string[], string]> = [
      [['session', 'new', 'k'.repeat(201)], 'mesh: KEY: invalid session key: longer than 200 characters.\n'],
      [['session', 'append', 'bad\nkey', '--role', 'user', '--text', 'hi'], 'mesh: KEY: invalid session key "bad⏎key": "bad⏎key" has characters outside A-Z a-z 0-9 . _ -\n'],
      [['lease', 'take', 'bad\nkey'], 'mesh: KEY: invalid session key "bad⏎key": "bad⏎key" has characters outside A-Z a-z 0-9 . _ -\n'],
      [['resume', 'bad\nkey'], 'mesh: KEY: invalid session key "bad⏎key": "bad⏎key" has characters outside A-Z a-z 0-9 . _ -\n'],
      [['agent', 'import', 'claude', '--file', file, '--key', 'bad\nkey'], 'mesh: --key: invalid session key "bad⏎key": "bad⏎key" has characters outside A-Z a-z 0-9 . _ -\n']
    ]
    for (const [args, words] of keyed) {
      const r = await mesh(...args, ...A())
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toBe(words)
    }
    expect(errorOf(await mesh('session', 'new', 'k'.repeat(201), '--json', ...A()), 2)).toEqual({
      code: 'INVALID_SESSION_KEY', message: 'KEY: invalid session key: longer than 200 characters.', details: { inputs: { key: 'KEY' } }
    })
    const overHttp = await httpApi(pair.a, 'POST', `/api/sessions/${encodeURIComponent('agent:main:refused')}/task`, { files: [' '] })
    expect(overHttp.status).toBe(400)
    expect(overHttp.body.error).toMatchObject({ code: 'INVALID_INPUT', message: 'sessions.task: files.0: a file touched is empty or only whitespace: give it some text' })
  })
})

describe('global options before the command', () => {
  it('are taken there as after it (`mesh --home DIR status`), where the home was taken for the command', async () => {
    const before = await mesh('--home', pair.a.home, 'status', '--json')
    const after = await mesh('status', '--home', pair.a.home, '--json')
    expect(before.code).toBe(0)
    expect(JSON.parse(before.stdout).home).toBe(JSON.parse(after.stdout).home)
    expect(JSON.parse(before.stdout).home).toBe(pair.a.home)
    // A command's own option is still its own: before the command it is unknown there.
    const wrong = await mesh('--tail', '3', 'status')
    expect(wrong.code).toBe(2)
    // `help` after global options is help too (it was "unknown command help").
    const helped = await mesh('--home', pair.a.home, 'help', 'session')
    expect(helped.code).toBe(0)
    expect(helped.stdout).toBe((await mesh('session', '--help')).stdout)
    // `-v` is --version; a global option with no value and no command says so (it printed the help).
    expect((await mesh('-v')).stdout).toBe((await mesh('--version')).stdout)
    // What decides whether two builds work together: the protocols, as the code defines them.
    expect((await mesh('--version')).stdout).toMatch(/^mesh \d+\.\d+\.\d+ \(protocols: membership 2\.0\.0, sync 1\.0\.0, pair 1\.0\.0, pair-rendezvous 1\.0\.0, kad 1\.0\.0; home format 1\)\n$/)
    expect(JSON.parse((await mesh('--version', '--json')).stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/), protocols: { membership: '/mesh/membership/2.0.0', sync: '/mesh/sync/1.0.0', pair: '/mesh/pair/1.0.0', 'pair-rendezvous': '/mesh/pair-rendezvous/1.0.0', kad: '/mesh/kad/1.0.0' }, homeFormat: 1 })
    const bare = await mesh('--home')
    expect(bare.code).toBe(2)
    expect(bare.stderr).toBe('mesh: --home needs a value\n')
    expect((await mesh('--help', '--home')).code).toBe(0)
    // Options and no command: one line saying which, not the whole help (as JSON with --json).
    const bogus = await mesh('--bogus')
    expect(bogus.code).toBe(2)
    expect(bogus.stdout).toBe('')
    expect(bogus.stderr).toBe('mesh: unknown option --bogus (before any command; `mesh --help` lists the commands and their options)\n')
    expect(JSON.parse((await mesh('--bogus', '--json')).stderr).error.code).toBe('USAGE')
    const none = await mesh('--home', pair.a.home)
    expect(none.code).toBe(2)
    expect(none.stderr).toBe('mesh: no command given: `mesh --help` lists them\n')
    const list = await mesh('--json', 'help')
    expect(list.code).toBe(0)
    expect(list.stdout).toBe((await mesh('--help')).stdout)
  })
})

describe('a wallet file named with --wallet', () => {
  it('is read, and a bad one refused (exit 2), with a daemon running as without one', async () => {
    const t = await tempDir()
    try {
      const bad = join(t.dir, 'bad.json')
      await writeFile(bad, 'not json')
      // pair.a's daemon runs; the same command on a home with none opens it here.
      const viaDaemon = await mesh('status', '--wallet', bad, ...A())
      expect(viaDaemon.code).toBe(2)
      expect(viaDaemon.stderr).toMatch(/^mesh: wallet file .*bad\.json is not JSON/)
      const missing = await mesh('status', '--wallet', join(t.dir, 'nope.json'), ...A())
      expect(missing.code).toBe(2)
      expect(missing.stderr).toMatch(/does not exist/)
      // Another wallet than the home's: refused as without a daemon (WALLET_MISMATCH).
      const other = join(t.dir, 'other.json')
      expect((await mesh('wallet', 'new', '--out', other)).code).toBe(0)
      const foreign = await mesh('status', '--wallet', other, '--json', ...A())
      expect(foreign.code).toBe(2)
      // Said as without a daemon: one wording, the same details.
      const daemonError = JSON.parse(foreign.stderr).error
      expect(daemonError).toMatchObject({ code: 'WALLET_MISMATCH', details: { wallet: expect.any(String), homeWallet: expect.any(String), path: other } })
      expect(daemonError.message).toMatch(/^home .* belongs to wallet \S+, not \S+ \(.*other\.json\)$/)
    } finally { await t.cleanup() }
  })
})

describe('words past what a command takes', () => {
  it('are refused (exit 2), nothing written, where an unquoted text lost all but its first word', async () => {
    await sessionOnBoth('agent:main:words')
    // The rest of an unquoted --text: the message is not appended cut short, nor at all.
    const cut = await mesh('session', 'append', 'words', '--role', 'user', '--text', 'hello', 'world', ...A())
    expect(cut.code).toBe(2)
    // The usage of append alone, not of every session command.
    expect(cut.stderr).toBe('mesh: unexpected argument "world" (a value with spaces needs quotes). Usage: mesh session append KEY --role ROLE (--text T | --stdin) [--id ID] [--force] (`mesh session append --help` for examples)\n')
    // A quoted text given without its option: the extra word has spaces, so quotes are not what it lacks.
    const bare = await mesh('session', 'append', 'words', 'hello world', '--role', 'user', ...A())
    expect(bare.code).toBe(2)
    expect(bare.stderr).toBe("mesh: unexpected argument \"hello world\" (did you mean --text 'hello world'?). Usage: mesh session append KEY --role ROLE (--text T | --stdin) [--id ID] [--force] (`mesh session append --help` for examples)\n")
    // Unquoted and without --text: the words it most likely meant, quoted as one (not "needs quotes", which alone would not do).
    const unquoted = await mesh('session', 'append', 'words', 'some', 'text', '--role', 'user', ...A())
    expect(unquoted.code).toBe(2)
    expect(unquoted.stderr).toContain("mesh: unexpected argument \"some\" (did you mean --text 'some text'?)")
    // Quoted for a shell to paste: a $ in it stays a $.
    const priced = await mesh('session', 'append', 'words', 'costs $5 now', '--role', 'user', ...A())
    expect(priced.stderr).toContain("(did you mean --text 'costs $5 now'?)")
    // A home in a hint is quoted the same way: pasted, it names that home.
    const spaced = join(t.dir, 'my home')
    const notSet = await mesh('status', '--home', spaced)
    expect(notSet.code).toBe(1)
    expect(notSet.stderr).toContain(`\`mesh init --home '${spaced}'\``)
    // The first text option the usage names: a new session's title, not its goal.
    const titled = await mesh('session', 'new', 'titled', 'fix the login', ...A())
    expect(titled.code).toBe(2)
    expect(titled.stderr).toBe("mesh: unexpected argument \"fix the login\" (did you mean --title 'fix the login'?). Usage: mesh session new KEY [--title T] [--goal G] (`mesh session new --help` for examples)\n")
    // A flag missing: said with what it takes and the subcommand's usage alone.
    const noRole = await mesh('session', 'append', 'words', '--text', 'hi', ...A())
    expect(noRole.code).toBe(2)
    expect(noRole.stderr).toBe('mesh: missing --role (one of user, assistant, system, tool): mesh session append KEY --role ROLE (--text T | --stdin) [--id ID] [--force]\n')
    const noKey = await mesh('session', 'show', ...A())
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toBe('mesh: missing session KEY: mesh session show KEY [--tail N | --all] [--json]\n')
    const shown = JSON.parse((await mesh('session', 'show', 'words', '--json', ...A())).stdout)
    expect(shown.messages).toEqual([])
    const value = await mesh('memory', 'set', 'words-editor', 'neo', 'vim', ...A())
    expect(value.code).toBe(2)
    expect(value.stderr).toContain('unexpected argument "vim"')
    expect((await mesh('memory', 'get', 'words-editor', ...A())).stderr).toBe('mesh: no memory entry words-editor\n')
    expect(errorOf(await mesh('status', 'now', '--json', ...A()), 2)).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^unexpected argument "now"\. Usage: mesh status/) })
    expect((await mesh('devices', 'list', 'all', ...A())).stderr).toMatch(/^mesh: unexpected argument "all"\. Usage/)
    // An option that takes one value, given twice: refused, not settled by the last one.
    const twice = await mesh('session', 'append', 'words', '--role', 'user', '--text', 'x', '--text', 'y', ...A())
    expect(twice.code).toBe(2)
    expect(twice.stderr).toBe('mesh: --text given twice ("x" and "y"): give it once. Usage: mesh session append KEY --role ROLE (--text T | --stdin) [--id ID] [--force]\n')
    expect((await mesh('status', '--home', join(t.dir, 'nowhere'), ...A())).stderr).toMatch(/^mesh: --home given twice \(".*nowhere" and ".*"\): give it once/)
    // Options that take several, and flags, may repeat.
    expect((await mesh('task', 'words', '--todo-add', 'one', '--todo-add', 'two', ...A())).code).toBe(0)
    expect((await mesh('status', '--json', '--json', ...A())).code).toBe(0)
    // What a command does take still works: words to search, a subcommand's own arguments.
    expect((await mesh('memory', 'search', 'neo', 'vim', ...A())).code).toBe(0)
    expect((await mesh('session', 'append', 'words', '--role', 'user', '--text', 'hello world', ...A())).code).toBe(0)
    expect(JSON.parse((await mesh('session', 'show', 'words', '--json', ...A())).stdout).messages.map((m: any) => m.content)).toEqual(['hello world'])
  })
})

describe('flags and names a newcomer gets wrong', () => {
  it('are bad input naming what to fix (exit 2): --dial, --as, an agent subcommand; an agent session not here says how it comes', async () => {
    // A mistyped option: the one meant, if one is that close, and how a value starting with "-" is written.
    const tial = await mesh('session', 'show', 'x', '--tial', '3', ...A())
    expect(tial.code).toBe(2)
    expect(tial.stderr).toMatch(/^mesh: mesh session has no option --tial; did you mean --tail\? \(`mesh session --help` lists its options\)/)
    expect((await mesh('session', 'show', 'x', '--frobnicate', ...A())).stderr).toMatch(/^mesh: mesh session has no option --frobnicate \(`mesh session --help` lists its options\)/)
    // The start of an option's name (`--todo` for --todo-add and --todo-done, `--prog` for --progress): the options it starts.
    const todo = await mesh('task', 'x', '--todo', 'write a test', ...A())
    expect(todo.code).toBe(2)
    expect(todo.stderr).toMatch(/^mesh: mesh task has no option --todo; did you mean --todo-add or --todo-done\? \(`mesh task --help` lists its options\)/)
    expect((await mesh('task', 'x', '--prog', 'half', ...A())).stderr).toMatch(/^mesh: mesh task has no option --prog; did you mean --progress\?/)
    // A command's name written as a group's subcommand (`mesh session task`): the command meant, and its option.
    const sessionTask = await mesh('session', 'task', 'x', '--todo', 'write a test', ...A())
    expect(sessionTask.code).toBe(2)
    expect(sessionTask.stderr).toMatch(/^mesh: there is no `mesh session task`: did you mean `mesh task`\? It has no option --todo either; did you mean --todo-add or --todo-done\? Usage: mesh task KEY /)
    expect((await mesh('session', 'task', 'x', '--plan', 'p', ...A())).stderr).toMatch(/^mesh: there is no `mesh session task`: did you mean `mesh task`\? Usage: mesh task KEY /)
    // And with no flag at all, or only one every command takes (said "unknown session command task" with session's usage).
    const bare = await mesh('session', 'task', 'x', ...A())
    expect(bare.code).toBe(2)
    expect(bare.stderr).toMatch(/^mesh: there is no `mesh session task`: did you mean `mesh task`\? Usage: mesh task KEY /)
    expect(errorOf(await mesh('session', 'task', 'x', '--json', ...A()), 2).message).toMatch(/^there is no `mesh session task`: did you mean `mesh task`\? Usage: mesh task KEY /)
    // And without its KEY (said "unknown session command task" with session's usage): the command meant all the same.
    const keyless = await mesh('session', 'task', ...A())
    expect(keyless.code).toBe(2)
    expect(keyless.stderr).toMatch(/^mesh: there is no `mesh session task`: did you mean `mesh task`\? Usage: mesh task KEY /)
    // A short one is more likely a value that starts with "-": said how to write one.
    expect((await mesh('session', 'show', 'x', '-z', ...A())).stderr).toMatch(/^mesh: mesh session has no option -z \(a value that starts with "-" is written --option=-VALUE, or after "--" when it is an argument\)/)
    const dash = await mesh('session', 'append', 'x', '--role', 'user', '--text=-x', ...A())
    expect(dash.stderr).not.toMatch(/needs a value|no option/)
    const dial = await mesh('devices', 'approve', 'K7QM-2XDF', '--dial', 'banana', ...A())
    expect(dial.code, dial.stderr).toBe(2)
    expect(dial.stderr).toMatch(/^mesh: --dial banana is not a multiaddr/)
    const noPeer = await mesh('devices', 'approve', 'K7QM-2XDF', '--dial', '/ip4/127.0.0.1/tcp/4040', ...A())
    expect(noPeer.code, noPeer.stderr).toBe(2)
    expect(noPeer.stderr).toMatch(/^mesh: --dial \/ip4\/127\.0\.0\.1\/tcp\/4040 names no peer/)
    const as = await mesh('agent', 'export', 'agent:claude:1af7', '--out', 'x.jsonl', '--as', 'frob', ...A())
    expect(as.code, as.stderr).toBe(2)
    expect(as.stderr).toBe('mesh: --as claude or hermes (got frob)\n')
    const sub = await mesh('agent', 'frobnicate', ...A())
    expect(sub.code).toBe(2)
    expect(sub.stderr).toMatch(/^mesh: unknown agent command frobnicate: mesh agent import/)
    const claude = await mesh('session', 'show', 'agent:claude:1af7fc5e', ...A())
    expect(claude.code).toBe(2)
    expect(claude.stderr).toMatch(/no session agent:claude:1af7fc5e \(import it with `mesh agent import claude --session 1af7fc5e` on the machine whose claude has it/)
    const own = await mesh('session', 'show', 'fix-nothing', ...A())
    expect(own.stderr).toMatch(/create it with `mesh session new agent:main:fix-nothing`/)
    // What reads an agent's records is not told to create a plain session: the key names no agent.
    for (const args of [['export', 'fix-nothing', '--out', 'x.jsonl'], ['resume', 'fix-nothing']]) {
      const r = await mesh('agent', ...args, ...A())
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe('mesh: no session agent:main:fix-nothing (an agent\'s session key names its agent, agent:claude|codex|openclaw|hermes:ID; `mesh agent list` shows those here)\n')
    }
    // An empty transcript (a conversation not started yet) imports nothing, and says so.
    const t = await tempDir()
    const empty = join(t.dir, '0b0b0b0b-0000-4000-8000-000000000004.jsonl')
    await writeFile(empty, '')
    const none = await mesh('agent', 'import', 'claude', '--file', empty, ...A())
    expect(none.code).toBe(2)
    expect(none.stderr).toMatch(/holds no records yet .*nothing was imported/)
    // A line that is not JSON (a write cut short) is kept as written, and said.
    const torn = join(t.dir, '0b0b0b0b-0000-4000-8000-000000000005.jsonl')
    const lines = [
      JSON.stringify({ type: 'user', uuid: 'u1', parentUuid: null, sessionId: '0b0b0b0b-0000-4000-8000-000000000005', timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: 'hello' } }),
      '{"type":"assistant","uuid":"a1","mess'
    ]
    await writeFile(torn, lines.join('\n') + '\n')
    const kept = await mesh('agent', 'import', 'claude', '--file', torn, ...A())
    expect(kept.code, kept.stderr).toBe(0)
    expect(kept.stderr).toContain(`note: 1 line of ${torn} is not JSON: kept as written`)
    const keptJson = await mesh('agent', 'import', 'claude', '--file', torn, '--json', ...A())
    expect(JSON.parse(keptJson.stdout)).toMatchObject({ records: 2, added: 0, unparsed: 1 })
    const back = join(t.dir, 'back.jsonl')
    expect((await mesh('agent', 'export', 'agent:claude:0b0b0b0b-0000-4000-8000-000000000005', '--out', back, ...A())).code).toBe(0)
    expect(await readFile(back, 'utf8')).toBe(lines.join('\n') + '\n')
    // Imported again: the line was said by the import that took it, not again; a new one is said alone.
    const again = await mesh('agent', 'import', 'claude', '--file', torn, ...A())
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toContain('not JSON')
    await appendFile(torn, '{"type":"user","uu\n')
    const more = await mesh('agent', 'import', 'claude', '--file', torn, ...A())
    expect(more.stderr).toContain(`note: 1 line of ${torn} is not JSON: kept as written`)
    // A Hermes row whose messages are not a list is kept whole, and said (it shows no messages).
    const odd = join(t.dir, 'hermes.jsonl')
    const row = '{"id": "20261201_100000_abcdef", "source": "cli", "cwd": "/tmp", "messages": "notalist"}'
    await writeFile(odd, row + '\n')
    const h = await mesh('agent', 'import', 'hermes', '--file', odd, ...A())
    expect(h.code, h.stderr).toBe(0)
    expect(h.stderr).toContain(`note: Hermes session 20261201_100000_abcdef in ${odd}: its "messages" is not a list, so no message of it can be shown; the row is kept whole`)
    const hJson = await mesh('agent', 'import', 'hermes', '--file', odd, '--json', ...A())
    expect(JSON.parse(hJson.stdout)).toMatchObject([{ key: 'agent:hermes:20261201_100000_abcdef', added: 0, unreadMessages: true }])
    expect(hJson.stderr).not.toContain('note:')
    const hBack = join(t.dir, 'hermes-back.jsonl')
    expect((await mesh('agent', 'export', 'agent:hermes:20261201_100000_abcdef', '--out', hBack, ...A())).code).toBe(0)
    expect(await readFile(hBack, 'utf8')).toBe(row + '\n')
    // A well-formed row says nothing of the kind.
    const fine = join(t.dir, 'hermes-fine.jsonl')
    await writeFile(fine, '{"id": "20261201_100500_abcdef", "source": "cli", "cwd": "/tmp", "messages": [{"id": 1, "role": "user", "content": "hi"}]}\n')
    const ok = await mesh('agent', 'import', 'hermes', '--file', fine, ...A())
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stderr).not.toContain('is not a list')
    // An export with no session in it (empty, or its one line cut short) imported nothing: exit 2, said.
    const noRow = join(t.dir, 'hermes-none.jsonl')
    await writeFile(noRow, '{"id": "20261201_1')
    const n = await mesh('agent', 'import', 'hermes', '--file', noRow, ...A())
    expect(n.code).toBe(2)
    expect(n.stderr).toBe(`mesh: ${noRow} holds no Hermes session (its one line, 18 bytes, is not whole (no newline, not JSON): the export is being written, or was cut short): nothing was imported\n`)
    const empty0 = join(t.dir, 'hermes-empty.jsonl')
    await writeFile(empty0, '')
    const e0 = await mesh('agent', 'import', 'hermes', '--file', empty0, ...A())
    expect(e0.code).toBe(2)
    expect(e0.stderr).toBe(`mesh: ${empty0} holds no Hermes session (an export has one JSON line per session: hermes sessions export FILE --format jsonl): nothing was imported\n`)
    // A Claude transcript saved under another name than *.jsonl is imported, not a bare ENOTDIR
    // (its "side folder", the name without .jsonl, was the file itself).
    const renamed = join(t.dir, '0b0b0b0b-0000-4000-8000-000000000006.json')
    await writeFile(renamed, lines.join('\n') + '\n')
    const asJson = await mesh('agent', 'import', 'claude', '--file', renamed, '--key', 'agent:claude:renamed', ...A())
    expect(asJson.code, asJson.stderr).toBe(0)
    expect(asJson.stdout).toMatch(/^agent:claude:renamed: /)
    await t.cleanup()
  })
})

describe('mesh lease renew', () => {
  it('is LEASE_NOT_HELD when no device holds the lease, LEASE_HELD naming the holder when another does; HTTP says the same', async () => {
    await sessionOnBoth('relay')
    const path = `/api/sessions/${encodeURIComponent('agent:main:relay')}/lease`
    const none = errorOf(await mesh('lease', 'renew', 'relay', '--json', ...B()), 1)
    expect(none).toEqual({ code: 'LEASE_NOT_HELD', message: 'no device holds the driver lease of agent:main:relay, so there is none to renew: take it with `mesh lease take agent:main:relay` or `mesh resume agent:main:relay`', details: { key: 'agent:main:relay' } })
    const overHttp = await httpApi(pair.b, 'PUT', path)
    expect(overHttp.status).toBe(409)
    expect(overHttp.body).toEqual({ error: none })

    expect((await mesh('lease', 'take', 'relay', ...A())).code).toBe(0)
    await seen(B, 'relay', 'alpha\'s lease on beta', v => v.lease?.label === 'alpha')
    const held = errorOf(await mesh('lease', 'renew', 'relay', '--json', ...B()), 1)
    expect(held).toMatchObject({ code: 'LEASE_HELD', details: { key: 'agent:main:relay', holder: 'alpha', device: pair.a.deviceId, online: true, expiresAt: expect.any(Number) } })
    expect(held.message).toMatch(/^this device does not hold the driver lease of agent:main:relay: alpha does \(lease ends in .*, online now\); take it over with `mesh resume agent:main:relay --take`$/)
    const heldOverHttp = await httpApi(pair.b, 'PUT', path)
    expect(heldOverHttp.status).toBe(409)
    expect(figureless(heldOverHttp.body.error)).toEqual(figureless(held))
    // The holder renews it.
    expect((await mesh('lease', 'renew', 'relay', ...A())).code).toBe(0)
  })
})

describe('LEASE_HELD when taking a lease', () => {
  it('counts a write of the session as the last write, not taking the lease; CLI, HTTP and MCP give one error', async () => {
    await sessionOnBoth('handoff')
    // Beta writes while no device drives it; then alpha takes the lease and writes nothing.
    expect((await mesh('session', 'append', 'handoff', '--role', 'user', '--text', 'beta wrote', ...B())).code).toBe(0)
    await seen(A, 'handoff', 'beta\'s message on alpha', v => v.messages.some((m: any) => m.content === 'beta wrote'))
    expect((await mesh('lease', 'take', 'handoff', ...A())).code).toBe(0)
    await seen(B, 'handoff', 'alpha\'s lease on beta', v => v.lease?.label === 'alpha')

    // Taking the lease was not a write: the last writer is still beta, on both devices.
    for (const home of [A, B]) {
      const v = JSON.parse((await mesh('session', 'show', 'handoff', '--json', ...home())).stdout)
      expect(v.lastWriter).toMatchObject({ device: pair.b.deviceId, label: 'beta' })
    }
    const refused = errorOf(await mesh('resume', 'handoff', '--json', ...B()), 1)
    expect(refused).toMatchObject({ code: 'LEASE_HELD', details: { key: 'agent:main:handoff', holder: 'alpha', device: pair.a.deviceId, online: true, expiresAt: expect.any(Number) } })
    expect(refused.message).toMatch(/^session agent:main:handoff is being driven by alpha, last write \d+s ago by this device, online now \(lease ends in /)
    expect(refused.message).toContain('Run `mesh resume agent:main:handoff --take` to take over')
    // The API says the lease's end in UTC (its error reaches HTTP and MCP clients elsewhere); the
    // CLI's own line says it in this machine's zone, as `mesh session show` says the lease.
    const endsAt = refused.details.expiresAt as number
    expect(refused.message).toContain(`, at ${new Date(endsAt).toISOString().slice(11, 16)} UTC)`)
    const inTokyo = await runCli(['resume', 'handoff', ...B()], { env: { ...pair.env, TZ: 'Asia/Tokyo' } })
    expect(inTokyo.code).toBe(1)
    expect(inTokyo.stderr).toMatch(/^mesh: session agent:main:handoff is being driven by alpha, .*\(lease ends in \d+ min, at /)
    expect(inTokyo.stderr).toContain(`, at ${new Date(endsAt + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')} GMT+9). Run \`mesh resume agent:main:handoff --take\` to take over`)
    // `mesh lease take` refused names itself, not `mesh resume`.
    const leaseRefused = errorOf(await mesh('lease', 'take', 'handoff', '--json', ...B()), 1)
    expect(leaseRefused.code).toBe('LEASE_HELD')
    expect(leaseRefused.message).toContain('Run `mesh lease take agent:main:handoff --take` to take over')
    // A write refused by the lease carries the same details (the README's list), online included.
    const appendRefused = errorOf(await mesh('session', 'append', 'handoff', '--role', 'user', '--text', 'refused', '--json', ...B()), 1)
    expect(appendRefused).toMatchObject({ code: 'LEASE_HELD', details: { key: 'agent:main:handoff', holder: 'alpha', device: pair.a.deviceId, online: true, expiresAt: expect.any(Number) } })
    // Its advice is what a person types at the CLI: no API field (`force: true`) they never type.
    const appendSaid = await mesh('session', 'append', 'handoff', '--role', 'user', '--text', 'refused', ...B())
    expect(appendSaid.code).toBe(1)
    expect(appendSaid.stderr).toMatch(/: take it over with `mesh resume agent:main:handoff --take`, or write anyway with --force\n$/)

    // The same refusal over HTTP and MCP: one wire shape; MCP's hint names what an agent does.
    const overHttp = await httpApi(pair.b, 'POST', `/api/sessions/${encodeURIComponent('agent:main:handoff')}/lease`, {})
    expect(overHttp.status).toBe(409)
    expect(figureless(overHttp.body.error)).toEqual(figureless(refused))
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...B()], env: pair.env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-test', version: '0' })
    await client.connect(transport)
    cleanups.push(async () => await client.close())
    const tool = await client.callTool({ name: 'sessions_take_lease', arguments: { key: 'handoff' } })
    expect(tool.isError).toBe(true)
    const forAgent = 'Call it again with take: true to take over'
    expect(figureless((tool.structuredContent as any).error)).toEqual(figureless({ ...refused, message: refused.message.replace('Run `mesh resume agent:main:handoff --take` to take over', forAgent) }))
    expect((tool.structuredContent as any).error.message).toContain(forAgent)
    await client.close()
  })
})
