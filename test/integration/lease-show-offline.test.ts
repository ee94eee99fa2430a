/**
 * One lease past its end, its holder offline, seen from the other machine: `mesh session show`
 * and `mesh resume` phrased it differently, as a newcomer found. show said "…, then only while
 * alpha is online" (as if an offline holder kept it); resume said "not seen online now (…, then
 * it runs out unless its holder comes online)". The daemon knows whether the holder is online:
 * the lease view says it (online) and show says it in resume's words (api/lease-words.ts). Next
 * to an expired lease, show said "status: running" as if something ran it: it says what that
 * status is, and `mesh sessions --details` says it in the same words. Two real daemons of one vault on loopback; alpha's leases are taken by its own
 * process (test/helpers/short-lease.ts) with a time to live already past, then alpha goes offline.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localTime } from '../../src/cli/context.js'
import { runCli, ROOT, type RunResult } from '../helpers/cli.js'
import { startDaemon, startPair, type Pair } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'
import { poll } from '../helpers/wait.js'

let t: { dir: string, cleanup: () => Promise<void> }
let pair: Pair
const stops: Array<() => Promise<unknown>> = []
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env: pair.env })
const A = (): string[] => ['--home', pair.a.home]
const B = (): string[] => ['--home', pair.b.home]
/** A CLI run in a zone that is not UTC, and a time as localTime says it there. */
const tokyo = (): NodeJS.ProcessEnv => ({ ...pair.env, TZ: 'Asia/Tokyo' })
const inTokyo = (ts: number): string => `${new Date(ts + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')} GMT+9`
const leaseOnB = async (key: string): Promise<any> => {
  const r = await mesh('session', 'show', key, '--json', '--tail', '0', ...B())
  return r.code === 0 ? JSON.parse(r.stdout).lease : undefined
}

beforeAll(async () => {
  t = await tempDir()
  pair = await startPair(t.dir)
}, 90_000)
afterAll(async () => {
  for (const s of stops.reverse()) await s()
  await pair?.stop()
  await t?.cleanup()
})

describe('a lease past its end whose holder is offline, seen from the other device', () => {
  it('session show says it as resume does, from the daemon\'s knowing the holder is offline; an expired one\'s status is said as what it is', async () => {
    const recent = 'agent:main:quiet-recent'
    const old = 'agent:main:quiet-old'
    for (const key of [recent, old]) expect((await mesh('session', 'new', key, ...A())).code).toBe(0)
    for (const key of [recent, old]) await poll(`${key} on beta`, async () => (await mesh('session', 'show', key, '--tail', '0', ...B())).code === 0)
    // Alpha stops; its own process takes the leases: one ended 11 s ago, one 5 minutes ago.
    await pair.a.proc.stop('SIGKILL')
    const took = spawnSync(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'short-lease.js'), pair.a.home, `${recent}=-11000`, `${old}=-300000`], { encoding: 'utf8', timeout: 60_000 })
    expect(took.status, took.stderr).toBe(0)
    const [lease] = took.stdout.trim().split('\n').map(l => JSON.parse(l))
    // Alpha comes back long enough for beta to hear of its leases, then goes offline.
    const again = await startDaemon(pair.env, { home: pair.a.home, wallet: pair.wallet, label: 'alpha', bootstrap: pair.b.addr })
    stops.push(async () => await again.proc.stop('SIGKILL'))
    await poll('alpha\'s leases on beta', async () => (await leaseOnB(recent))?.epoch === lease.epoch && (await leaseOnB(old))?.label === 'alpha')
    await again.proc.stop('SIGKILL')
    await poll('alpha offline on beta', async () => (await leaseOnB(recent))?.online === false)

    const view = await leaseOnB(recent)
    expect(view).toMatchObject({ label: 'alpha', mine: false, expired: false, online: false, expiresAt: lease.expiresAt })
    const show = await mesh('session', 'show', recent, '--tail', '0', ...B())
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toContain(`status:     running (driven by alpha, not seen online now: its lease ran out at ${localTime(lease.expiresAt)}, honoured up to 2 minutes more in case clocks disagree, then it runs out unless alpha comes online)\n`)
    // In this machine's zone, as show says the lease (the daemon's error says it in UTC, for
    // clients elsewhere; the CLI says its time here, from details.expiresAt).
    const resume = await runCli(['resume', recent, ...B()], { env: tokyo() })
    expect(resume.code).toBe(1)
    expect(resume.stderr).toMatch(new RegExp(`^mesh: session agent:main:quiet-recent is being driven by alpha, .*not seen online now \\(lease ran out \\d+ s ago, at ${inTokyo(lease.expiresAt).replace('+', '\\+')}; honoured up to 2 minutes more in case clocks disagree, then it runs out unless its holder comes online\\)`))
    // --json keeps the API's own words, the time in UTC.
    expect(JSON.parse((await runCli(['resume', recent, '--json', ...B()], { env: tokyo() })).stderr).error.message).toContain(` UTC; honoured`)

    // Past the allowance with its holder offline: expired, and the status is said as what it is.
    expect(await leaseOnB(old)).toMatchObject({ label: 'alpha', expired: true, online: false })
    const expired = await mesh('session', 'show', old, '--tail', '0', ...B())
    const oldLease = await leaseOnB(old)
    expect(expired.stdout).toContain(`status:     running (as last written; no device drives it now: the lease of alpha expired at ${localTime(oldLease.expiresAt)})\n`)
    // The list with --details says it in the same words.
    const listed = await mesh('sessions', '--details', ...B())
    expect(listed.stdout).toContain(`${old}  [running (as last written; no device drives it now: the lease of alpha expired at ${localTime(oldLease.expiresAt)})]`)

    // Without a daemon the refusal is made in this process, and said in its zone the same way.
    await pair.b.proc.stop('SIGINT')
    const alone = await runCli(['resume', recent, ...B()], { env: tokyo() })
    expect(alone.code, alone.stderr).toBe(1)
    expect(alone.stderr).toContain(`(lease ran out `)
    expect(alone.stderr).toContain(` ago, at ${inTokyo(lease.expiresAt)}; honoured up to 2 minutes more`)
  })
})
