/** One process per home: a second one is told which pid holds it; a dead holder's lock is taken over. */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateWallet, writeNewWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { cliEnv, ROOT, runCli } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemon.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

function hold (home: string, ...flags: string[]): Promise<ReturnType<typeof spawn>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'hold-home.js'), home, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] })
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('holding')) resolve(child) })
    child.on('error', reject)
    child.on('exit', (c) => reject(new Error(`holder exited ${c}`)))
  })
}

describe('home lock', () => {
  it('a second process gets "home DIR is in use by pid N"; SIGKILL frees it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    await (await openVault({ home, wallet: generateWallet() })).close()
    const child = await hold(home)
    await expect(openVault({ home })).rejects.toThrow(`home ${home} is in use by pid ${child.pid as number}`)
    const r = await runCli(['status', '--home', home], { env: cliEnv(t.dir) })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`home ${home} is in use by pid ${child.pid as number}`)
    const exited = new Promise(resolve => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    const v = await openVault({ home })
    await v.close()
  })

  it('mesh join waits for a short holder of the home (a command, or mesh watch between two daemons) instead of refusing', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const walletPath = join(t.dir, 'wallet.json')
    await (await openVault({ home, wallet: await writeNewWallet(walletPath) })).close()
    const child = await hold(home)
    // Released 1.5 s after mesh join started: within the wait, so join runs.
    const released = new Promise(resolve => child.once('exit', resolve))
    setTimeout(() => { child.kill('SIGTERM') }, 1500)
    const d = await startDaemon({ home, wallet: walletPath, label: 'desk', env: cliEnv(t.dir) })
    cleanups.push(async () => { await d.stop('SIGINT') })
    await released
    expect(d.addr).toContain('/p2p/')
  })

  it('a mesh join of another version holding the home (its lock, a socket that does not answer this mesh): said as such, and mesh stop stops it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    await (await openVault({ home, wallet: generateWallet() })).close()
    const child = await hold(home, '--foreign')
    const exited = new Promise(resolve => child.once('exit', resolve))
    cleanups.push(async () => { if (child.exitCode === null) { child.kill('SIGKILL'); await exited } })
    const pid = child.pid as number
    const r = await runCli(['status', '--home', home], { env: cliEnv(t.dir) })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`mesh: a mesh join (pid ${pid}) holds home ${home} but does not answer this mesh (another version of mesh?): stop it (\`mesh stop\` or \`kill ${pid}\`), then start it again with this mesh (\`mesh join\`)`)
    const stop = await runCli(['stop', '--home', home], { env: cliEnv(t.dir) })
    expect(stop.code, stop.stderr).toBe(0)
    expect(stop.stdout).toContain(`stopped mesh join (pid ${pid}, another version of mesh)`)
    expect(await exited).toBe(0)
    const v = await openVault({ home })
    await v.close()
  })
})
