/**
 * sessions.releaseLease with an expected epoch, through each front-end a developer uses: the SDK
 * owning the home in its process, the SDK through a running `mesh join`, and the daemon's HTTP
 * API. Only this device's lease of that epoch is let go; another epoch's stays, and the answer
 * says why nothing was released (other-epoch, renewed, none). A take says whether it only renewed
 * this device's live lease (renewed); a take with auto (the follower's own) stays the follower's
 * through its own renewals and appends, and becomes a person's once one takes or renews it.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { connectMesh, generateWallet, openMesh, type MeshClient } from '../../src/index.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let daemon: Daemon
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(t.dir)
  const wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  daemon = await startDaemon(env, { home: join(t.dir, 'desk'), wallet, label: 'desk' })
}, 60_000)
afterAll(async () => {
  await daemon?.proc.stop('SIGINT')
  await t.cleanup()
})

/** The sequence a follower's release goes through, against one client. */
async function sequence (mesh: MeshClient, key: string): Promise<void> {
  await mesh.sessions.create({ key })
  // The follower's own take (auto).
  const { lease, renewed } = await mesh.sessions.takeLease({ key, auto: true })
  // A take that made the lease says so; one while this device holds it live only renewed it
  // (the same epoch): what the follower tells its own take from a person's by.
  expect(renewed).toBe(false)
  // The follower's own renewal (a later run's take) and an append's keep it the follower's.
  expect(await mesh.sessions.takeLease({ key, auto: true })).toMatchObject({ renewed: true, lease: { epoch: lease.epoch } })
  await mesh.sessions.append({ key, role: 'user', content: 'from the agent' })
  // Not the epoch asked for: nothing let go, and said why, with the lease's epoch.
  expect(await mesh.sessions.releaseLease({ key, epoch: lease.epoch + 1, auto: true })).toEqual({ released: false, reason: 'other-epoch', epoch: lease.epoch })
  expect((await mesh.sessions.show({ key, tail: 0 })).lease).toMatchObject({ mine: true, epoch: lease.epoch })
  // That epoch, still the follower's own: let go.
  expect(await mesh.sessions.releaseLease({ key, epoch: lease.epoch, auto: true })).toEqual({ released: true })
  expect((await mesh.sessions.show({ key, tail: 0 })).lease).toBeUndefined()
  // Nothing held any more.
  expect(await mesh.sessions.releaseLease({ key, epoch: lease.epoch })).toEqual({ released: false, reason: 'none' })

  // Taken by the follower again, then renewed by a person (a take without auto, as `mesh lease
  // renew` and `mesh lease take` make): the person's now, which a release asked with auto leaves.
  const next = (await mesh.sessions.takeLease({ key, auto: true })).lease
  expect(next.epoch).toBe(lease.epoch + 1)
  expect(await mesh.sessions.takeLease({ key })).toMatchObject({ renewed: true, lease: { epoch: next.epoch } })
  expect(await mesh.sessions.releaseLease({ key, epoch: next.epoch, auto: true })).toEqual({ released: false, reason: 'renewed', epoch: next.epoch })
  // And stays the person's through the follower's own renewal after it.
  await mesh.sessions.takeLease({ key, auto: true })
  expect(await mesh.sessions.releaseLease({ key, epoch: next.epoch, auto: true })).toEqual({ released: false, reason: 'renewed', epoch: next.epoch })
  // Without auto or an epoch, as before.
  expect(await mesh.sessions.releaseLease({ key })).toEqual({ released: true })
}

describe('sessions.releaseLease with epoch', () => {
  it('in the process and through the daemon', async () => {
    const local = await openMesh({ home: join(t.dir, 'solo'), wallet: generateWallet(), label: 'solo', node: false })
    try { await sequence(local, 'epoch-local') } finally { await local.close() }
    const remote = await connectMesh({ home: daemon.home })
    try { await sequence(remote, 'epoch-daemon') } finally { await remote.close() }
  }, 60_000)

  it('a follower\'s lease renewed by appends a minute on (an agent writing for long) is still the follower\'s to let go', async () => {
    const local = await openMesh({ home: join(t.dir, 'long'), wallet: generateWallet(), label: 'long', node: false })
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const key = 'epoch-long'
      await local.sessions.create({ key })
      const { lease } = await local.sessions.takeLease({ key, auto: true })
      // Ninety seconds on, the agent writes again: the append renews the lease (its end moves).
      vi.setSystemTime(Date.now() + 90_000)
      await local.sessions.append({ key, role: 'user', content: 'still at it' })
      const now = (await local.sessions.show({ key, tail: 0 })).lease
      expect(now?.expiresAt).toBeGreaterThan(lease.expiresAt)
      expect(await local.sessions.releaseLease({ key, epoch: lease.epoch, auto: true })).toEqual({ released: true })
    } finally {
      vi.useRealTimers()
      await local.close()
    }
  }, 60_000)

  it('over HTTP (DELETE /api/sessions/{key}/lease?epoch=N)', async () => {
    const auth = { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/json' }
    const key = 'epoch-http'
    expect((await fetch(`${daemon.url}/api/sessions`, { method: 'POST', headers: auth, body: JSON.stringify({ key }) })).status).toBe(200)
    const taken = await (await fetch(`${daemon.url}/api/sessions/${key}/lease`, { method: 'POST', headers: auth, body: '{}' })).json() as { lease: { epoch: number } }
    const del = async (epoch: number): Promise<unknown> => await (await fetch(`${daemon.url}/api/sessions/${key}/lease?epoch=${epoch}`, { method: 'DELETE', headers: { authorization: auth.authorization } })).json()
    expect(await del(taken.lease.epoch + 7)).toEqual({ released: false, reason: 'other-epoch', epoch: taken.lease.epoch })
    expect(await del(taken.lease.epoch)).toEqual({ released: true })
    const bad = await fetch(`${daemon.url}/api/sessions/${key}/lease?epoch=-1`, { method: 'DELETE', headers: { authorization: auth.authorization } })
    expect(bad.status).toBe(400)
  }, 60_000)

  it('from the CLI: mesh lease release KEY --epoch N, as a script that took the lease lets go of its own take', async () => {
    const mesh = async (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => await runCli([...args, '--home', daemon.home], { env })
    expect((await mesh('session', 'new', 'epoch-cli')).code).toBe(0)
    const taken = await mesh('lease', 'take', 'epoch-cli', '--json')
    const epoch = JSON.parse(taken.stdout).lease.epoch as number
    const other = await mesh('lease', 'release', 'epoch-cli', '--epoch', String(epoch + 3))
    expect(other.code, other.stderr).toBe(0)
    // An epoch the lease never reached: no take of it, not one since.
    expect(other.stdout).toBe(`nothing changed: this device holds the driver lease of agent:main:epoch-cli at epoch ${epoch}, not at the epoch asked for (no lease of agent:main:epoch-cli was ever taken at epoch ${epoch + 3})\n`)
    expect(JSON.parse((await mesh('lease', 'release', 'epoch-cli', '--epoch', String(epoch + 3), '--json')).stdout)).toEqual({ released: false, reason: 'other-epoch', epoch })
    const own = await mesh('lease', 'release', 'epoch-cli', '--epoch', String(epoch))
    expect(own.stdout).toBe('released the driver lease of agent:main:epoch-cli\n')
    // Taken again (a new epoch): a release of the first take's epoch leaves it.
    const again = JSON.parse((await mesh('lease', 'take', 'epoch-cli', '--json')).stdout).lease.epoch as number
    expect(again).toBeGreaterThan(epoch)
    expect((await mesh('lease', 'release', 'epoch-cli', '--epoch', String(epoch))).stdout).toBe(`nothing changed: this device holds the driver lease of agent:main:epoch-cli at epoch ${again}, not at the epoch asked for (it was taken again since)\n`)
    for (const [args, said] of [
      [['lease', 'release', 'epoch-cli', '--epoch', 'x'], /^mesh: --epoch takes a lease's epoch \(a whole number, as `mesh lease take --json` prints it\), not x\n$/],
      [['lease', 'take', 'epoch-cli', '--epoch', '1'], /^mesh: mesh lease take has no option --epoch \(it takes --take\)/]
    ] as Array<[string[], RegExp]>) {
      const r = await mesh(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(said)
    }
  }, 60_000)
})
