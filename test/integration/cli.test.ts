/** The `mesh` CLI as a user drives it: real processes, a real HOME, exit codes and --json. */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
const mesh = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { env })
const meshIn = (input: string, ...args: string[]): ReturnType<typeof runCli> => runCli(args, { env, input })

beforeAll(async () => { ({ dir, cleanup } = await tempDir()); env = cliEnv(dir) })
afterAll(async () => { await cleanup() })

describe('mesh CLI', () => {
  it('prints help and rejects unknown commands with exit 2', async () => {
    const h = await mesh('--help')
    expect(h.code).toBe(0)
    expect(h.stdout).toContain('Usage: mesh <command>')
    for (const c of ['join', 'init', 'wallet', 'status', 'sessions', 'session', 'resume', 'memory', 'skills']) {
      const r = await mesh(c, '--help')
      expect(r.code, c).toBe(0)
      expect(r.stdout, c).toContain(`mesh ${c}`)
    }
    const bad = await mesh('frobnicate')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('unknown command')
    const badFlag = await mesh('status', '--nope')
    expect(badFlag.code).toBe(2)
  })

  it('tells a newcomer to run init when there is no wallet and no home', async () => {
    const r = await mesh('status')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/mesh init/)
  })

  it('wallet new writes 0600 and show prints the address; bad files exit 2', async () => {
    const path = join(dir, 'w.json')
    const r = await mesh('wallet', 'new', '--out', path, '--json')
    expect(r.code).toBe(0)
    const { address } = JSON.parse(r.stdout)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await mesh('wallet', 'show', '--wallet', path)).stdout.trim()).toBe(address)
    const cases: Array<[string, string]> = [['notjson.json', 'nope'], ['short.json', '[1,2,3]'], ['mismatch.json', JSON.stringify(Array(64).fill(9))]]
    for (const [name, text] of cases) {
      await writeFile(join(dir, name), text)
      const b = await mesh('wallet', 'show', '--wallet', join(dir, name), '--json')
      expect(b.code, name).toBe(2)
      expect(JSON.parse(b.stderr).error.code).toBe('INVALID_WALLET')
    }
    const missing = await mesh('wallet', 'show', '--wallet', join(dir, 'missing.json'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('does not exist')
  })

  it('wallet show on a home without a wallet here (a paired device) prints its vault\'s wallet, not a hint to make one', async () => {
    const t = await tempDir()
    try {
      const e = cliEnv(t.dir)
      const w = join(t.dir, 'elsewhere.json')
      const { address } = JSON.parse((await runCli(['wallet', 'new', '--out', w, '--json'], { env: e })).stdout)
      expect((await runCli(['init', '--wallet', w, '--label', 'laptop'], { env: e })).code).toBe(0)
      // The wallet is not where any command looks: as on a device paired without it.
      const shown = await runCli(['wallet', 'show'], { env: e })
      expect(shown.code, shown.stderr).toBe(0)
      expect(shown.stdout.trim()).toBe(address)
      expect(shown.stderr).toMatch(/no wallet on this machine, and none is needed here/)
      expect(shown.stderr).not.toMatch(/create one/)
      const json = await runCli(['wallet', 'show', '--json'], { env: e })
      expect(JSON.parse(json.stdout)).toEqual({ address, path: null })
      // No home set up either: nothing to show.
      const none = await runCli(['wallet', 'show', '--home', join(t.dir, 'nohome')], { env: e })
      expect(none.code).toBe(2)
      expect(none.stderr).toMatch(/no wallet found/)
    } finally {
      await t.cleanup()
    }
  })

  it('wallet new without --out writes where $MESH_WALLET says, and the next command finds it there', async () => {
    const named = join(dir, 'named', 'w.json')
    await mkdir(join(dir, 'named'), { mode: 0o700 })
    const withEnv = { ...env, MESH_WALLET: named }
    const r = await runCli(['wallet', 'new', '--json'], { env: withEnv })
    expect(r.code, r.stderr).toBe(0)
    const { address, path } = JSON.parse(r.stdout)
    expect(path).toBe(named)
    expect((await stat(named)).mode & 0o777).toBe(0o600)
    // Not at mesh's own default, where nothing would look while $MESH_WALLET is set.
    await expect(stat(join(dir, '.config', 'mesh', 'wallet.json'))).rejects.toMatchObject({ code: 'ENOENT' })
    const show = await runCli(['wallet', 'show'], { env: withEnv })
    expect(show.stdout.trim()).toBe(address)
    // A second one there is refused, the first kept.
    const again = await runCli(['wallet', 'new'], { env: withEnv })
    expect(again.code).not.toBe(0)
    expect((await runCli(['wallet', 'show'], { env: withEnv })).stdout.trim()).toBe(address)
  })

  it('init generates a wallet when none is found, then everything works offline', async () => {
    const init = await mesh('init', '--label', 'laptop', '--json')
    expect(init.code).toBe(0)
    const info = JSON.parse(init.stdout)
    expect(info.walletGenerated).toBe(true)
    expect(info.walletPath).toBe(join(dir, '.config', 'mesh', 'wallet.json'))
    expect(info.capabilities).toEqual(['read', 'write', 'admin']) // the first machine set up with the wallet is the vault's admin
    expect((await stat(join(info.home, 'device.key'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(info.home, 'vault.keys'))).mode & 0o777).toBe(0o600)

    expect((await mesh('session', 'new', 'agent:main:cli', '--title', 'CLI', '--goal', 'test it')).code).toBe(0)
    expect((await mesh('session', 'new', 'agent:main:cli')).code).toBe(2)
    expect((await mesh('session', 'append', 'agent:main:cli', '--role', 'user', '--text', 'first')).code).toBe(0)
    expect((await meshIn('second\nline', 'session', 'append', 'cli', '--role', 'assistant', '--stdin')).code).toBe(0)
    const badRole = await mesh('session', 'append', 'cli', '--role', 'robot', '--text', 'x')
    expect(badRole.code).toBe(2)
    expect(badRole.stderr).toContain('--role is one of user, assistant, system, tool; got "robot"')
    expect((await mesh('session', 'append', 'cli', '--role', 'user')).code).toBe(2)
    const badKey = await mesh('session', 'show', 'agent:main')
    expect(badKey.code).toBe(2)
    expect(badKey.stderr).toContain('mesh: KEY: invalid session key "agent:main". Agent-prefixed session keys must use agent:<agent-id>:<session-key>.')
    expect((await mesh('session', 'show', 'nope')).code).toBe(2)

    const show = await mesh('session', 'show', 'cli', '--json', '--tail', '1')
    const shown = JSON.parse(show.stdout)
    expect(shown.messages.map((m: any) => m.content)).toEqual(['second\nline'])
    expect(shown.messageCount).toBe(2)
    const human = await mesh('session', 'show', 'cli')
    expect(human.stdout).toContain('goal:       test it')
    expect(human.stdout).toContain('user (')

    const sessions = JSON.parse((await mesh('sessions', '--json')).stdout)
    expect(sessions.map((s: any) => s.key)).toEqual(['agent:main:cli'])

    const resume = JSON.parse((await mesh('resume', 'cli', '--json')).stdout)
    expect(resume.goal).toBe('test it')
    expect(resume.leaseTaken).toBe(true)
    expect(resume.lease.label).toBe('laptop')
    expect(resume.messages).toHaveLength(2)

    expect((await mesh('memory', 'set', 'editor', 'vim', '--tag', 'prefs')).code).toBe(0)
    expect((await mesh('memory', 'get', 'editor')).stdout.trim()).toBe('vim')
    expect((await mesh('memory', 'get', 'missing')).code).toBe(2)
    expect(JSON.parse((await mesh('memory', 'list', '--json')).stdout)[0]).toMatchObject({ key: 'editor', value: 'vim', tags: ['prefs'] })

    await mkdir(join(dir, 'skills', 'deploy'), { recursive: true })
    await writeFile(join(dir, 'skills', 'deploy', 'SKILL.md'), '---\ndescription: Deploy safely\nversion: 2.0.0\n---\nRun the checks first.\n')
    expect((await mesh('skills', 'add', join(dir, 'skills', 'deploy', 'SKILL.md'))).code).toBe(0)
    expect((await mesh('skills', 'add', join(dir, 'nope.md'))).code).toBe(2)
    // A file that is not Markdown is no skill: refused before it reaches every agent's folder.
    await writeFile(join(dir, 'hostname'), 'vm\n')
    const notMd = await mesh('skills', 'add', join(dir, 'hostname'), '--json')
    expect(notMd.code).toBe(2)
    expect(JSON.parse(notMd.stderr).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/is not a skill: give a SKILL\.md/) })
    expect((await mesh('skills', 'list')).stdout).toContain('deploy\t2.0.0\tDeploy safely')
    expect((await mesh('skills', 'show', 'deploy')).stdout).toContain('Run the checks first.')
    expect((await mesh('skills', 'show', 'nope')).code).toBe(2)

    expect((await mesh('peers')).stdout).toContain('no peers known (mesh join is not running here')
    // With no node running here, this device is not online in the mesh.
    const devices = JSON.parse((await mesh('devices', '--json')).stdout)
    expect(devices).toEqual([expect.objectContaining({ label: 'laptop', self: true, online: false })])
    expect((await mesh('devices')).stdout).toMatch(/laptop\t.*\tthis device/)
    const status = JSON.parse((await mesh('status', '--json')).stdout)
    expect(status).toMatchObject({ label: 'laptop', sessions: 1, memory: 1, skills: 1, capabilities: ['read', 'write', 'admin'] })
  })

  it('a mistyped --home is refused, not set up as a new device with the wallet found by default', async () => {
    // A user of its own, whose wallet sits where mesh looks for one by default.
    const user = join(dir, 'user-with-wallet')
    const userEnv = cliEnv(user)
    const wallet = join(user, '.config', 'mesh', 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env: userEnv })).code).toBe(0)
    const typo = join(user, 'mesh-typo')
    for (const args of [['status'], ['devices'], ['session', 'show', 'cli']]) {
      const r = await runCli([...args, '--home', typo, '--json'], { env: userEnv })
      expect(r.code, args.join(' ')).toBe(1)
      expect(JSON.parse(r.stderr).error.code).toBe('HOME_NOT_INITIALIZED')
    }
    const human = await runCli(['status', '--home', typo], { env: userEnv })
    expect(human.stderr).toContain(`mesh init --home ${typo}`)
    await expect(stat(join(typo, 'device.key'))).rejects.toThrow()
    // A wallet the user names still sets a home up in one command, as before.
    const named = await runCli(['status', '--home', typo, '--wallet', wallet, '--json'], { env: userEnv })
    expect(named.code).toBe(0)
  })

  it('agent import --file of a missing file is NOT_FOUND (exit 2) naming the flag, not an internal ENOENT', async () => {
    for (const agent of ['claude', 'codex', 'openclaw', 'hermes']) {
      const r = await mesh('agent', 'import', agent, '--file', join(dir, 'no-such.jsonl'), '--json')
      expect(r.code, agent).toBe(2)
      const { error } = JSON.parse(r.stderr)
      expect(error.code, agent).toBe('NOT_FOUND')
      expect(error.message, agent).toContain('--file')
    }
  })

  it('devices approve refuses a malformed code before it looks for a device', async () => {
    const r = await mesh('devices', 'approve', 'bad-code')
    expect(r.code).toBe(2)
    expect(r.stdout).not.toContain('looking for')
    expect(r.stderr).toContain('a pairing code is 8 symbols')
  })

  it('pair on a home that is set up says to pick a directory that is not, even when --home was given', async () => {
    const user = join(dir, 'user-pairing')
    const userEnv = cliEnv(user)
    const wallet = join(user, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env: userEnv })).code).toBe(0)
    const home = join(user, 'home')
    expect((await runCli(['init', '--home', home, '--wallet', wallet], { env: userEnv })).code).toBe(0)
    const r = await runCli(['pair', '--label', 'again', '--home', home], { env: userEnv })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('pass --home with a directory that is not set up')
  })

  it('a read-only device says so before trying, and resume does not take the lease', async () => {
    const roHome = join(dir, 'ro-home')
    const wallet = join(dir, '.config', 'mesh', 'wallet.json')
    expect((await mesh('init', '--home', roHome, '--wallet', wallet, '--read-only', '--label', 'tablet')).code).toBe(0)
    const st = JSON.parse((await mesh('status', '--home', roHome, '--json')).stdout)
    expect(st.capabilities).toEqual(['read'])
    const r = await mesh('session', 'append', 'x', '--home', roHome, '--role', 'user', '--text', 'hi', '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stderr).error.code).toBe('READ_ONLY')
    expect(JSON.parse(r.stderr).error.message).toContain('read-only')
    // A session it has not got yet is not one for it to create: it arrives from a sibling.
    const missing = await mesh('session', 'show', 'not-here-yet', '--home', roHome)
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('this device cannot write: sessions come from the devices that do')
    expect(missing.stderr).not.toContain('mesh session new')
  })

  it('refuses a home of another wallet', async () => {
    const other = join(dir, 'other.json')
    await mesh('wallet', 'new', '--out', other)
    const r = await mesh('status', '--wallet', other)
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('belongs to wallet')
    // What to do, on the command line only (the API's message names no flags).
    expect(r.stderr).toContain('give the wallet that set this home up (--wallet PATH)')
    // mesh init with it, even asking for nothing new, is not "already set up" (it said so, exit 0).
    const init = await mesh('init', '--wallet', other, '--json')
    expect(init.code).toBe(2)
    expect(JSON.parse(init.stderr).error).toMatchObject({ code: 'WALLET_MISMATCH', details: { wallet: expect.any(String), homeWallet: expect.any(String), path: other } })
    expect(JSON.parse(init.stderr).error.message).not.toContain('--wallet')
  })
})
