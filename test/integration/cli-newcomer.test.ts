/**
 * What a newcomer types that the rest of the CLI tests do not: values that start with "-"
 * (`--tail -3` is a negative count, refused as one with exit 2, not a missing value; `--text -5`
 * is the text "-5"; `--text -x` says how to write such a value), --json errors with their code
 * and details, `mesh skills add` given a folder or a path that is not there, `mesh help CMD`, and
 * `--tail` with `--all`, `mesh pair` given a malformed --via or --listen, deleting a memory
 * entry or a skill that is not there, `mesh memory list --tag` with no entry of that tag, and the
 * hint `mesh status --home DIR` gives to start that home's daemon, a `mesh agent` subcommand's
 * usage with its error, `mesh pair --via` an address that does not answer, and a command that
 * sets a home up because it was given --wallet, and `mesh agent list` before this machine is set up.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { until } from '../helpers/wait.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
const mesh = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { env })

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  env = cliEnv(dir)
  const init = await mesh('init', '--label', 'laptop')
  if (init.code !== 0) throw new Error(`mesh init failed: ${init.stderr}`)
  const made = await mesh('session', 'new', 'dash')
  if (made.code !== 0) throw new Error(`mesh session new failed: ${made.stderr}`)
}, 60_000)
afterAll(async () => { await cleanup() })

describe('values that start with "-"', () => {
  it('reads a negative --tail as a count and refuses it (exit 2), however it is written', async () => {
    for (const args of [['session', 'show', 'dash', '--tail', '-3'], ['session', 'show', 'dash', '--tail=-3'], ['resume', 'dash', '--tail', '-3']]) {
      const r = await mesh(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toBe('mesh: --tail takes a count of messages (0 or more), not -3\n')
    }
    const j = await mesh('session', 'show', 'dash', '--tail', '-1', '--json')
    expect(j.code).toBe(2)
    expect(JSON.parse(j.stderr)).toEqual({ error: { code: 'USAGE', message: '--tail takes a count of messages (0 or more), not -1', details: {} } })
    // Counts still work, 0 included (the session's header and no messages).
    expect((await mesh('session', 'show', 'dash', '--tail', '0')).code).toBe(0)
  })

  it('says a refused --json=VALUE as JSON, as --json asks (and an argument after "--" asks nothing)', async () => {
    for (const args of [['status', '--json=1'], ['--json=1', 'status']]) {
      const r = await mesh(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(JSON.parse(r.stderr).error, args.join(' ')).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^--json takes no value/) })
    }
    const arg = await mesh('session', 'show', 'dash', '--tail', 'x', '--', '--json')
    expect(arg.code).toBe(2)
    expect(arg.stderr).toMatch(/^mesh: /)
  })

  it('reads a count in decimal digits only, up to a cap, and says so in its own words (exit 2)', async () => {
    const refused: Array<[string, string]> = [
      ['', '--tail takes a count of messages (0 or more), not an empty value'],
      ['0x1', '--tail takes a count of messages (0 or more), not 0x1'],
      ['1e3', '--tail takes a count of messages (0 or more), not 1e3'],
      [' 5', '--tail takes a count of messages (0 or more), not  5'],
      ['99999999999999999999', '--tail takes a count of messages (0 or more), at most 1000000, not 99999999999999999999']
    ]
    for (const [v, said] of refused) {
      for (const args of [['session', 'show', 'dash', `--tail=${v}`], ['watch', 'dash', `--tail=${v}`]]) {
        const r = await mesh(...args)
        expect(r.code, args.join(' ')).toBe(2)
        expect(r.stderr, args.join(' ')).toBe(`mesh: ${said}\n`)
      }
    }
    expect((await mesh('session', 'show', 'dash', '--tail', '1000000')).code).toBe(0)
    const lock = await mesh('agent', 'memory', 'sync', 'hermes', '--lock-timeout', '0x10')
    expect(lock.code).toBe(2)
    expect(lock.stderr).toBe('mesh: --lock-timeout takes a number of milliseconds (0 or more), not 0x10\n')
  })

  it('refuses a sync\'s flag given to a sync that does not take it, rather than ignoring it', async () => {
    for (const [args, said] of [
      [['agent', 'memory', 'sync', 'claude', '--lock-timeout', '500'], 'mesh agent memory sync claude takes no --lock-timeout: it is for memory sync hermes'],
      [['agent', 'memory', 'sync', 'hermes', '--prefer', 'mesh'], 'mesh agent memory sync hermes takes no --prefer: it is for every sync but memory sync hermes (it merges entries)'],
      [['agent', 'memory', 'sync', 'openclaw', '--cwd', '.'], 'mesh agent memory sync openclaw takes no --cwd: it is for memory sync claude'],
      [['agent', 'memory', 'sync', 'claude', '--workspace', '.'], 'mesh agent memory sync claude takes no --workspace: it is for memory sync openclaw']
    ] as Array<[string[], string]>) {
      const r = await mesh(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^mesh: ${said.replace(/[()]/g, '\\$&')}`))
    }
  })

  it('takes a negative number as the value of a text option', async () => {
    expect((await mesh('session', 'append', 'dash', '--role', 'user', '--text', '-5')).code).toBe(0)
    const shown = JSON.parse((await mesh('session', 'show', 'dash', '--json')).stdout)
    expect(shown.messages.map((m: any) => m.content)).toEqual(['-5'])
  })

  it('says how to write another value that starts with "-"', async () => {
    const r = await mesh('session', 'append', 'dash', '--role', 'user', '--text', '-x')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--text needs a value (one that starts with "-" is written --text=-VALUE)')
    expect((await mesh('session', 'append', 'dash', '--role', 'user', '--text=-x')).code).toBe(0)
  })
})

describe('mesh skills add FILE|FOLDER', () => {
  it('reads the SKILL.md of a folder, and names a path that is not there (NOT_FOUND, exit 2)', async () => {
    const folder = join(dir, 'skills', 'review')
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, 'SKILL.md'), '---\nname: review\ndescription: review a change\n---\nRead the diff first.\n')
    const added = await mesh('skills', 'add', folder)
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toContain('added skill review')
    const missing = await mesh('skills', 'add', join(dir, 'skills', 'nope', 'SKILL.md'), '--json')
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.stderr).error).toMatchObject({ code: 'NOT_FOUND', message: `no such file: ${join(dir, 'skills', 'nope', 'SKILL.md')} (give a SKILL.md, or the folder that holds one)` })
    // A folder without a SKILL.md names the file it looked for.
    await mkdir(join(dir, 'skills', 'empty'))
    const empty = await mesh('skills', 'add', join(dir, 'skills', 'empty'))
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain(`no such file: ${join(dir, 'skills', 'empty', 'SKILL.md')}`)
  })
})

describe('help and flags that cannot go together', () => {
  it('mesh help CMD is mesh CMD --help; an unknown one is exit 2', async () => {
    const asked = await mesh('help', 'session')
    expect(asked.code).toBe(0)
    expect(asked.stdout).toBe((await mesh('session', '--help')).stdout)
    expect(asked.stdout).toMatch(/^Usage: mesh session new KEY/)
    const unknown = await mesh('help', 'frob')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frob"')
  })

  it('a subcommand\'s --help shows its own usage and examples (mesh agent import --help), not the whole group\'s', async () => {
    const imp = await mesh('agent', 'import', '--help')
    expect(imp.code).toBe(0)
    expect(imp.stdout).toMatch(/^Usage: mesh agent import claude\|codex\|openclaw\|hermes \(--file PATH \| --session ID \| --all \| --since DATE\) \[--key KEY\] \[--force\]\n/)
    const examples = imp.stdout.split('\n').filter(l => l.startsWith('  mesh '))
    expect(examples.length).toBeGreaterThan(2)
    for (const e of examples) expect(e).toMatch(/^ {2}mesh agent import /)
    expect((await mesh('help', 'agent', 'import')).stdout).toBe(imp.stdout)
    expect(imp.stdout).toContain('Every `mesh agent` command: `mesh agent --help`.')
    // One per line in the usage (mesh session), or repeated with the command's name (mesh devices).
    expect((await mesh('session', 'append', '--help')).stdout).toMatch(/^Usage: mesh session append KEY --role ROLE \(--text T \| --stdin\) \[--id ID\] \[--force\]\n/)
    expect((await mesh('devices', 'revoke', '--help')).stdout).toMatch(/^Usage: mesh devices revoke DEVICE\|--all-but-this /)
    // What the subcommand does, not what the group does.
    const approve = (await mesh('devices', 'approve', '--help')).stdout.split('\n')
    expect(approve[2]).toMatch(/^let a new machine in: /)
    // The group's own help is unchanged.
    const group = await mesh('agent', '--help')
    expect(group.stdout).toMatch(/^Usage: mesh agent import .* \| resume KEY /)
    expect(group.stdout.split('\n')[2]).toMatch(/^Claude Code, Codex, OpenClaw and Hermes sessions through mesh/)
  })

  it('an option of the group that this subcommand does not take is refused (exit 2), naming what it takes', async () => {
    const show = await mesh('session', 'show', 'dash', '--force')
    expect(show.code).toBe(2)
    expect(show.stderr).toMatch(/^mesh: mesh session show has no option --force \(it takes --tail, --all\)\. Usage: mesh session show KEY/)
    const list = await mesh('agent', 'list', '--redact')
    expect(list.code).toBe(2)
    expect(list.stderr).toMatch(/^mesh: mesh agent list has no option --redact\. Usage: mesh agent list \[AGENT\]/)
    const out = await mesh('agent', 'import', 'claude', '--all', '--out', 'foo.jsonl')
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/has no option --out \(it takes --file, --session, --all, --since, --key, --force\)/)
    // What the subcommand takes, and the global options, still go.
    expect((await mesh('session', 'show', 'dash', '--tail', '1', '--json')).code).toBe(0)
  })

  it('mesh lease KEY says the command is missing, not the key', async () => {
    const r = await mesh('lease', 'dash')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^mesh: unknown lease command dash: mesh lease take KEY \[--take\] \| renew KEY \| release KEY \[--epoch N\]/)
    expect((await mesh('lease', 'take', 'dash')).code).toBe(0)
    expect((await mesh('lease', 'release', 'dash')).stdout).toBe('released the driver lease of agent:main:dash\n')
  })

  it('refuses --tail with --all (exit 2) rather than picking one', async () => {
    const r = await mesh('session', 'show', 'dash', '--all', '--tail', '3')
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('mesh: give --tail N or --all, not both\n')
  })
})

describe('a home that is a file', () => {
  it('is bad input (exit 2) said as such, for --home and $MESH_HOME, before any command meets ENOTDIR', async () => {
    const file = join(dir, 'not-a-home.json')
    await writeFile(file, '{}')
    for (const args of [['status', '--home', file], ['init', '--home', file, '--label', 'x'], ['join', '--home', file]]) {
      const r = await mesh(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toBe(`mesh: --home ${file} is a file, not a directory: give the folder mesh keeps this machine's state in (mesh join, init and pair make it when missing)\n`)
    }
    const under = await mesh('init', '--home', join(file, 'sub'), '--json')
    expect(under.code).toBe(2)
    expect(JSON.parse(under.stderr).error).toMatchObject({ code: 'INVALID_INPUT', message: `--home ${join(file, 'sub')} cannot be made: ${file} is a file, not a directory` })
    const viaEnv = await runCli(['status'], { env: { ...env, MESH_HOME: file } })
    expect(viaEnv.code).toBe(2)
    expect(viaEnv.stderr).toContain(`$MESH_HOME ${file} is a file, not a directory`)
  })

  it('an empty --home (a script\'s unset variable) is bad input, not the working directory made a home', async () => {
    const cwd = join(dir, 'scratch')
    await mkdir(cwd, { recursive: true })
    const r = await runCli(['init', '--home', '', '--label', 'x'], { env, cwd })
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("mesh: --home was given an empty value: give the directory (an unset variable in a script gives '')\n")
    expect(await readdir(cwd)).toEqual([])
    expect((await runCli(['status', '--wallet='], { env, cwd })).code).toBe(2)
  })

  it('an empty --out to mesh wallet new says so, as an empty --home and --wallet do, and makes nothing', async () => {
    const cwd = join(dir, 'scratch-out')
    await mkdir(cwd, { recursive: true })
    for (const args of [['wallet', 'new', '--out', ''], ['wallet', 'new', '--out=']]) {
      const r = await runCli(args, { env, cwd })
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toBe("mesh: --out was given an empty value: give the path of the wallet file to make (an unset variable in a script gives '')\n")
    }
    expect(await readdir(cwd)).toEqual([])
  })
})

describe('mesh agent import hermes on a machine without Hermes', () => {
  it('says neither place sessions come from is here (no state.db, no hermes on PATH), exit 2', async () => {
    const r = await runCli(['agent', 'import', 'hermes', '--all'], { env: { ...env, PATH: '/nonexistent' } })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`mesh: no Hermes here: no state.db at ${join(dir, '.hermes', 'state.db')} (set HERMES_HOME if Hermes keeps it elsewhere) and no \`hermes\` on PATH`)
  })
  // `--since 7d`, the README's own Hermes example, said it as bad usage (USAGE, no HERMES_HOME),
  // where --all and the other agents say NOT_FOUND, where mesh looked and the variable that moves it.
  it('--since says so too: NOT_FOUND, where it looked and HERMES_HOME (exit 2)', async () => {
    const r = await runCli(['agent', 'import', 'hermes', '--since', '7d', '--json'], { env: { ...env, PATH: '/nonexistent' } })
    expect(r.code).toBe(2)
    const err = JSON.parse(r.stderr).error
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toContain(`no Hermes here: no state.db at ${join(dir, '.hermes', 'state.db')} (set HERMES_HOME if Hermes keeps it elsewhere)`)
  })
  // Claude Code, Codex and OpenClaw alike (was: "0 claude sessions, 0 new records", exit 0): where
  // mesh looked, and the variable that moves it, named, or said as set when it is.
  it('says so for Claude Code, Codex and OpenClaw too, naming where it looked and the variable (exit 2)', async () => {
    // No agent's command on PATH either (one there is an agent installed that has no sessions yet).
    const noBins = join(dir, 'no-bins')
    await mkdir(noBins, { recursive: true })
    const bare: NodeJS.ProcessEnv = { ...env, PATH: noBins }
    for (const v of ['CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'OPENCLAW_STATE_DIR']) delete bare[v]
    for (const [agent, said, where, variable] of [['claude', 'Claude Code', '.claude/projects', 'CLAUDE_CONFIG_DIR'], ['codex', 'Codex', '.codex/sessions', 'CODEX_HOME'], ['openclaw', 'OpenClaw', '.openclaw/agents', 'OPENCLAW_STATE_DIR']] as const) {
      const r = await runCli(['agent', 'import', agent, '--all'], { env: bare })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toBe(`mesh: no ${said} here: no ${join(dir, where)} (set ${variable} if ${said} keeps its files elsewhere)\n`)
    }
    const typo = join(dir, 'claud')
    const set = await runCli(['agent', 'import', 'claude', '--since', '7d', '--json'], { env: { ...bare, CLAUDE_CONFIG_DIR: typo } })
    expect(set.code).toBe(2)
    expect(JSON.parse(set.stderr).error).toMatchObject({ code: 'NOT_FOUND', message: `no Claude Code here: no ${join(typo, 'projects')} (CLAUDE_CONFIG_DIR is ${typo}: is that where Claude Code keeps its files?)` })

    // The follower says it once, and keeps watching: the folder may come later.
    const f = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'claude'], bare)
    try {
      await f.waitFor(/^caught up: /, 30_000)
      await f.waitFor(/^note: no Claude Code here yet: no .* watching for it$/, 10_000)
    } finally {
      expect(await f.stop('SIGINT'), f.lines.join('\n')).toBe(0)
    }
    expect(f.lines.filter(l => l.includes('no Claude Code here'))).toEqual([`note: no Claude Code here yet: no ${join(dir, '.claude', 'projects')} (set CLAUDE_CONFIG_DIR if Claude Code keeps its files elsewhere): watching for it`])
  }, 60_000)
})

describe('where mesh join cannot listen, or its config.json is wrong', () => {
  it('names the file and the key, or the address and why, as bad input (exit 2) without a stack', async () => {
    const home = join(dir, 'cfg')
    expect((await mesh('init', '--home', home, '--label', 'cfg')).code).toBe(0)
    const config = join(home, 'config.json')
    const join1 = async (): Promise<Awaited<ReturnType<typeof runCli>>> => await mesh('join', '--home', home, '--no-mdns', '--dht', 'off', '--http', 'off')
    await writeFile(config, JSON.stringify({ listen: ['nope'] }))
    const bad = await join1()
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(new RegExp(`^mesh: ${config.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: listen: "nope" is not a multiaddr`))
    await writeFile(config, JSON.stringify({ dht: 'offf' }))
    const dht = await mesh('join', '--home', home, '--no-mdns', '--http', 'off')
    expect(dht.code).toBe(2)
    expect(dht.stderr).toContain(`${config}: dht takes client, server or off, not offf`)
    // Whether this machine announces itself is never left to a typo: a value that is no boolean,
    // a key mesh does not know, and a file that is no object are refused, not ignored (mDNS on).
    for (const [text, said] of [
      ['{"mdns": "no"}', `${config}: mdns is true or false (no quotes), not "no"`],
      ['{"mDNS": false}', `${config}: mesh knows no setting "mDNS" (mdns?); the settings are listen, announce,`],
      ['{"relay": 0}', `${config}: relay is true or false (no quotes), not 0`],
      ['{"port": "4001"}', `${config}: port is a TCP port, a whole number from 0 to 65535 (no quotes), not "4001"`],
      ['{"httpPort": 70000}', `${config}: httpPort is a TCP port, a whole number from 0 to 65535 (no quotes), not 70000`],
      ['null', `${config} holds null, not an object of settings`],
      ['["/ip4/127.0.0.1/tcp/0"]', `${config} holds a list, not an object of settings`]
    ] as const) {
      await writeFile(config, text)
      const r = await join1()
      expect(r.code, text).toBe(2)
      expect(r.stderr, text).toContain(said)
      expect(r.stdout, text).not.toContain('discovery:')
    }
    // An address another program listens on.
    const { createServer } = await import('node:net')
    const server = createServer()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as { port: number }).port
      await writeFile(config, JSON.stringify({ listen: [`/ip4/127.0.0.1/tcp/${port}`] }))
      const busy = await join1()
      expect(busy.code).toBe(2)
      expect(busy.stderr).toBe(`mesh: cannot listen on /ip4/127.0.0.1/tcp/${port}: the address is in use (another program, or a mesh join of another home, listens there). Pass another --listen (or set listen in config.json); tcp/0 picks a free port\n`)
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  }, 60_000)
})

describe('mesh pair with a malformed address', () => {
  it('is bad input naming its flag (exit 2), before a code is shown or anything is written', async () => {
    for (const flag of ['--via', '--listen']) {
      const home = join(dir, `pair-${flag.slice(2)}`)
      const r = await runCli(['pair', '--home', home, '--no-mdns', flag, 'nonsense'], { env, timeoutMs: 20_000 })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(new RegExp(`^mesh: ${flag} nonsense is not a multiaddr`))
      expect(await readdir(home).catch(() => [])).toEqual([])
    }
    // Two roles at once: refused as `devices approve` refuses them, not sent as a mirror's request.
    const home = join(dir, 'pair-two-roles')
    const two = await runCli(['pair', '--home', home, '--no-mdns', '--read-only', '--mirror'], { env, timeoutMs: 20_000 })
    expect(two.code, two.stderr).toBe(2)
    expect(two.stdout).toBe('')
    expect(two.stderr).toMatch(/^mesh: --read-only and --mirror exclude each other/)
    expect(await readdir(home).catch(() => [])).toEqual([])
  })
})

describe('deleting what is not there', () => {
  it('is NOT_FOUND (exit 2) as an error, with --json on stderr, not {"deleted": false} on stdout', async () => {
    for (const [args, message] of [[['memory', 'delete', 'nothing-here'], 'no memory entry nothing-here'], [['skills', 'remove', 'nothing-here'], 'no skill named nothing-here']] as const) {
      const text = await mesh(...args)
      expect(text.code).toBe(2)
      expect(text.stdout).toBe('')
      expect(text.stderr).toBe(`mesh: ${message}\n`)
      const json = await mesh(...args, '--json')
      expect(json.code).toBe(2)
      expect(json.stdout).toBe('')
      expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'NOT_FOUND', message })
    }
  })
})

describe('mesh memory list --tag', () => {
  it('says no entry has the tag, not that memory is empty, when other entries exist', async () => {
    expect((await mesh('memory', 'set', 'tagged-elsewhere', 'x', '--tag', 'one')).code).toBe(0)
    const r = await mesh('memory', 'list', '--tag', 'other')
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('no memory entry is tagged other\n')
  })
})

describe('mesh status of another home, with no daemon', () => {
  it('says how to start that home\'s daemon: mesh join with its --home', async () => {
    const home = join(dir, 'status-home')
    expect((await mesh('init', '--home', home, '--label', 'other')).code).toBe(0)
    const r = await mesh('status', '--home', home)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`daemon:       not running (start it with \`mesh join --home ${home}\`)\n`)
  })
})

describe('a mesh agent subcommand given too little', () => {
  it('shows that subcommand\'s usage, not every agent subcommand\'s', async () => {
    const cases: Array<[string[], string]> = [
      [['agent', 'export', 'agent:claude:x'], 'mesh: missing --out FILE: mesh agent export KEY --out FILE [--force] [--redact] [--cwd DIR] [--as claude|hermes]\n'],
      [['agent', 'resume'], 'mesh: missing KEY: mesh agent resume KEY [--cwd DIR] [--out FILE] [--take] [--force] [--partial]\n'],
      [['agent', 'list', 'bogus'], 'mesh: which agent: claude, codex, openclaw or hermes (got bogus). mesh agent list [AGENT]\n'],
      // An empty name said as one (it read "(got )"); a mistyped --as as the agents' names are.
      [['agent', 'list', ''], 'mesh: which agent: claude, codex, openclaw or hermes (got an empty name). mesh agent list [AGENT]\n'],
      [['agent', 'export', 'agent:claude:x', '--out', 'x.jsonl', '--as', 'hremes'], 'mesh: --as claude or hermes (got hremes; did you mean hermes?)\n'],
      // A mistyped agent's name: the one it was most likely meant to be is named (it said only "got claud").
      [['agent', 'list', 'codx'], 'mesh: which agent: claude, codex, openclaw or hermes (got codx; did you mean codex?). mesh agent list [AGENT]\n'],
      [['agent', 'import', 'claud', '--all'], 'mesh: which agent: claude, codex, openclaw or hermes (got claud; did you mean claude?). mesh agent import claude|codex|openclaw|hermes (--file PATH | --session ID | --all | --since DATE) [--key KEY] [--force]\n'],
      [['agent', 'follow', 'claude,hermis'], 'mesh: cannot follow hermis (did you mean hermes?): the agents followed are claude, codex, openclaw, hermes\n'],
      [['agent', 'memory', 'sync', 'opencaw'], 'mesh: mesh agent memory sync claude|openclaw|hermes (got opencaw; did you mean openclaw?)\n'],
      [['agent', 'import', 'claude'], 'mesh: give one of --file PATH, --session ID, --all or --since DATE: mesh agent import claude|codex|openclaw|hermes (--file PATH | --session ID | --all | --since DATE) [--key KEY] [--force]\n']
    ]
    for (const [args, stderr] of cases) {
      const r = await mesh(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toBe(stderr)
    }
  })
})

describe('mesh pair --via an address that does not answer', () => {
  it('listens on loopback only; says it cannot reach it (once) and keeps trying, rather than waiting with nothing said', async () => {
    // Port 1 on loopback: nothing listens there, so the dial is refused at once.
    const via = '/ip4/127.0.0.1/tcp/1/p2p/12D3KooWDJcbcvJAXKh7obyvtFcDu3NY2GRDXcVnpHfPFzcJNi9m'
    // Its debug log (stderr) notes every failed dial: the count of those says it tried again.
    // No --listen: with --via it listens on loopback only (it listened on every interface).
    const p = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', join(dir, 'pair-unreachable'), '--no-mdns', '--via', via], { ...env, DEBUG: 'mesh:node:pair' })
    const tries = (): number => p.lines.filter(l => l.includes('mesh:node:pair cannot reach')).length
    try {
      const listening = (await p.waitFor(/^waiting: .*listening on /, 15_000)).replace(/^.*listening on /, '').split(' ')
      expect(listening.length).toBeGreaterThan(0)
      for (const a of listening) expect(a).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
      expect(await p.waitFor(/^cannot reach /, 15_000)).toMatch(new RegExp(`^cannot reach ${via} yet \\(.*\\); trying again every 2 s`))
      await until(() => tries() >= 3, 'two more dials of the --via address', 20_000)
      expect(p.lines.filter(l => l.startsWith('cannot reach')).length).toBe(1)
    } finally {
      await p.stop('SIGKILL')
    }
  }, 30_000)
})

describe('a command given --wallet on a home that is not set up', () => {
  it('says it set the home up, once, rather than only which wallet it read', async () => {
    const wallet = join(dir, 'named-wallet.json')
    expect((await mesh('wallet', 'new', '--out', wallet)).code).toBe(0)
    const home = join(dir, 'set-up-by-sessions')
    const first = await mesh('sessions', '--home', home, '--wallet', wallet)
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toContain(`(home ${home} was not set up: it is now a device of wallet `)
    const again = await mesh('sessions', '--home', home, '--wallet', wallet)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toContain('was not set up')
  })
})

describe('mesh agent list on a machine not set up yet', () => {
  it('lists the agents\' sessions here as local-only (exit 0), and says how they come into mesh', async () => {
    const user = join(dir, 'fresh-user')
    const project = join(user, '.claude', 'projects', '-w')
    await mkdir(project, { recursive: true })
    const sid = '0c0c0c0c-0000-4000-8000-0000000000f1'
    await writeFile(join(project, `${sid}.jsonl`), JSON.stringify({ type: 'user', uuid: 'f1', parentUuid: null, sessionId: sid, cwd: '/w', timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: 'hi' } }) + '\n')
    const fresh = cliEnv(user)
    const text = await runCli(['agent', 'list', 'claude'], { env: fresh })
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`^claude\\t${sid}\\t.*\\t-\\tnot imported\\t`, 'm'))
    expect(text.stderr).toContain('note: this machine has no mesh home yet')
    expect(text.stderr).toContain('`mesh join` sets it up; then `mesh agent import claude --all` brings them in')
    const json = await runCli(['agent', 'list', 'claude', '--json'], { env: fresh })
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ local: [{ key: `agent:claude:${sid}`, imported: false, sync: 'local-only' }], sessions: [] })
    // Nothing was set up by asking.
    await expect(readdir(join(user, '.local'))).rejects.toThrow()
  })
})
