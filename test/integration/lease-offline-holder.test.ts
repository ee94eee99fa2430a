/**
 * A lease past its end, within the 2 minutes the API allows clocks to disagree by, held by a
 * device that is not online: `mesh lease take` refused it saying it was honoured "then for as
 * long as its holder is online", and `mesh session show` "then while desk is online", read as if
 * it held on, where it runs out at the end of those 2 minutes unless the holder comes online
 * (src/api/session.ts leaseView). Both now say so, in one rule's words (src/api/lease-words.ts).
 *
 * Real devices: desk and laptop daemons of one wallet; the desk takes the lease (10 minutes), the
 * laptop has it, both stop. The laptop's commands then run 10.5 minutes later by their clock
 * (Date.now moved on, as time passing moves it), with no node: the desk is not online.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LEASE_TTL_MS } from '../../src/api/session.js'
import { runCli } from '../helpers/cli.js'
import { startDeskLaptop, type DeskLaptop } from '../helpers/desk-laptop.js'
import { until } from '../helpers/wait.js'

let pair: DeskLaptop
const cleanups: Array<() => Promise<unknown> | unknown> = []
beforeAll(async () => { pair = await startDeskLaptop(); cleanups.push(pair.stop) }, 90_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('a lease past its end whose holder is offline', () => {
  it('is said to run out at the end of the clocks\' allowance unless its holder comes online', async () => {
    const key = 'agent:main:offline-holder'
    const mesh = async (args: string[], env = pair.env): ReturnType<typeof runCli> => await runCli(args, { env, timeoutMs: 60_000 })
    expect((await mesh(['session', 'new', key, '--home', pair.a.home])).code).toBe(0)
    const taken = await mesh(['lease', 'take', key, '--home', pair.a.home])
    expect(taken.code, taken.stderr).toBe(0)
    await until(async () => /driven by desk/.test((await mesh(['session', 'show', key, '--home', pair.b.home])).stdout), 'the laptop to have the desk\'s lease', 30_000, 200)
    // Both offline: the laptop's commands open its home themselves, with no node.
    expect(await pair.b.stop('SIGINT')).toBe(0)
    expect(await pair.a.stop('SIGINT')).toBe(0)
    // 30 s past the lease's end (and within the 2 minutes' allowance).
    const later = { ...pair.env, NODE_OPTIONS: `${pair.env.NODE_OPTIONS ?? ''} --import=data:text/javascript,${encodeURIComponent(`const now = Date.now; Date.now = () => now() + ${LEASE_TTL_MS + 30_000}`)}` }
    const refused = await mesh(['lease', 'take', key, '--home', pair.b.home], later)
    expect(refused.code, refused.stderr).toBe(1)
    expect(refused.stderr).toMatch(/is being driven by desk.*, not seen online now \(lease ran out \d+ s ago, at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+; honoured up to 2 minutes more in case clocks disagree, then it runs out unless its holder comes online\)/)
    expect(refused.stderr).not.toMatch(/for as long as its holder is online/)
    const shown = await mesh(['session', 'show', key, '--home', pair.b.home], later)
    expect(shown.code, shown.stderr).toBe(0)
    // As the refusal says it: the lease view says the desk is not online (no node here sees it).
    expect(shown.stdout).toMatch(/^status: +running \(driven by desk, not seen online now: its lease ran out at .*, honoured up to 2 minutes more in case clocks disagree, then it runs out unless desk comes online\)$/m)
  }, 120_000)
})
