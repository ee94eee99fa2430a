/**
 * `mesh lease release KEY` on a device while another device holds the lease, as a newcomer met
 * it: it said only "this device did not hold the driver lease of …" (exit 0). It says that
 * nothing changed and who holds the lease, until when, and how to take it over, in text and
 * --json, as the other lease messages do. Two real daemons of one vault on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localTime } from '../../src/cli/context.js'
import { runCli, type RunResult } from '../helpers/cli.js'
import { startPair, type Pair } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

let t: { dir: string, cleanup: () => Promise<void> }
let pair: Pair
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env: pair.env })
const A = (): string[] => ['--home', pair.a.home]
const B = (): string[] => ['--home', pair.b.home]

beforeAll(async () => {
  t = await tempDir()
  pair = await startPair(t.dir)
}, 90_000)
afterAll(async () => {
  await pair?.stop()
  await t?.cleanup()
})

describe('mesh lease release of another device\'s lease', () => {
  it('says nothing changed, who holds it until when, and how to take it over; --json gives the lease', async () => {
    const key = 'agent:main:held-elsewhere'
    expect((await mesh('session', 'new', key, ...A())).code).toBe(0)
    expect((await mesh('lease', 'take', key, ...A())).code).toBe(0)
    let lease: any
    await poll('alpha\'s lease on beta', async () => {
      const r = await mesh('session', 'show', key, '--json', '--tail', '0', ...B())
      if (r.code !== 0) return false
      lease = JSON.parse(r.stdout).lease
      return lease?.label === 'alpha'
    })
    const text = await mesh('lease', 'release', key, ...B())
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toBe(`nothing changed: this device does not hold the driver lease of ${key} (driven by alpha until ${localTime(lease.expiresAt)}); \`mesh lease take ${key} --take\` takes it over\n`)
    const json = await mesh('lease', 'release', key, '--json', ...B())
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ released: false, reason: 'not-mine', epoch: lease.epoch, lease: { device: pair.a.deviceId, label: 'alpha', epoch: lease.epoch, takenAt: lease.takenAt, expiresAt: lease.expiresAt, expired: false, mine: false } })
    // Alpha still drives it: nothing changed.
    expect(JSON.parse((await mesh('session', 'show', key, '--json', '--tail', '0', ...A())).stdout).lease).toMatchObject({ mine: true, epoch: lease.epoch, expired: false })
    // Released by its holder, then none holds it.
    expect((await mesh('lease', 'release', key, ...A())).stdout).toBe(`released the driver lease of ${key}\n`)
    expect((await mesh('lease', 'release', key, ...A())).stdout).toBe(`nothing changed: no device holds the driver lease of ${key}\n`)
  })
})
