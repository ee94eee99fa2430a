/**
 * Two devices resuming one session at the same moment, through two real `mesh join` daemons on
 * loopback (desk and laptop): at most one is told it holds the driver lease (the other gets
 * LEASE_HELD), and the one told so holds it on both once they are in sync; the other's next
 * append is refused. Both through the socket API (`sessions.resume`, with and without `take`) and
 * through `mesh resume --take` run on both at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectRpc, type RpcClient } from '../../src/api/rpc-client.js'
import { runCli } from '../helpers/cli.js'
import { startDeskLaptop, type DeskLaptop } from '../helpers/desk-laptop.js'
import { until } from '../helpers/wait.js'

let pair: DeskLaptop
let a: RpcClient
let b: RpcClient
const cleanups: Array<() => Promise<unknown> | unknown> = []

beforeAll(async () => {
  pair = await startDeskLaptop()
  cleanups.push(pair.stop)
  a = await connectRpc(pair.a.home) as RpcClient
  b = await connectRpc(pair.b.home) as RpcClient
  cleanups.push(async () => { await a.close(); await b.close() })
}, 90_000)
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** A new session on the desk that the laptop holds too. */
async function fresh (name: string): Promise<string> {
  const key = `agent:main:${name}`
  await a.call('sessions.create', { key })
  await b.call('sessions.wait', { key, timeoutMs: 20_000 })
  return key
}

/** Waits until both show the same holder and epoch, and returns it. */
async function agreed (key: string): Promise<{ device: string, epoch: number }> {
  let out: { device: string, epoch: number } | undefined
  await until(async () => {
    const [la, lb] = [(await a.call('sessions.show', { key, tail: 0 })).lease, (await b.call('sessions.show', { key, tail: 0 })).lease]
    if (la === undefined || lb === undefined || la.device !== lb.device || la.epoch !== lb.epoch) return false
    out = { device: la.device, epoch: la.epoch }
    return true
  }, `both to show one holder of ${key}`, 20_000, 50)
  return out as { device: string, epoch: number }
}

describe('the driver lease taken on two devices at once', () => {
  it('tells at most one of them it holds the lease, the one that holds it on both', async () => {
    // Each one's device id: the holder of a lease it took alone.
    const ids = new Map<RpcClient, string>()
    for (const [c, name] of [[a, 'a'], [b, 'b']] as const) {
      const key = `agent:main:whoami-${name}`
      await c.call('sessions.create', { key })
      ids.set(c, (await c.call('sessions.takeLease', { key })).lease.device)
    }
    for (let i = 0; i < 8; i++) {
      const take = i % 2 === 1
      const key = await fresh(`race-${i}`)
      const [ra, rb] = await Promise.allSettled([a.call('sessions.resume', { key, take, tail: 0 }), b.call('sessions.resume', { key, take, tail: 0 })])
      const told: RpcClient[] = []
      for (const [c, r] of [[a, ra], [b, rb]] as const) {
        if (r.status === 'fulfilled') {
          if (r.value.leaseTaken) { told.push(c); expect(r.value.lease?.mine).toBe(true) }
        } else {
          expect(r.reason).toMatchObject({ code: 'LEASE_HELD' })
        }
      }
      expect(told.length, `round ${i}: told both`).toBeLessThanOrEqual(1)
      const h = await agreed(key)
      if (told.length === 1) expect(h.device).toBe(ids.get(told[0] as RpcClient))
      // The other one's append is refused.
      const other = h.device === ids.get(a) ? b : a
      await expect(other.call('sessions.append', { key, role: 'user', content: 'not mine' })).rejects.toMatchObject({ code: 'LEASE_HELD' })
    }
  })

  it('mesh resume --take on both at once: one is told it took over, and holds the lease on both', async () => {
    const key = await fresh('race-cli')
    await a.call('sessions.takeLease', { key })
    await agreed(key)
    // A third holder would make both take over; here the desk holds it and both take at once:
    // the desk renews (its own lease) while the laptop takes over.
    const run = async (home: string): Promise<{ code: number, out: any }> => {
      const r = await runCli(['resume', key, '--take', '--json', '--home', home], { env: pair.env })
      return { code: r.code, out: r.code === 0 ? JSON.parse(r.stdout) : JSON.parse(r.stderr || '{}') }
    }
    const [ra, rb] = await Promise.all([run(pair.a.home), run(pair.b.home)])
    const told = [ra, rb].filter(r => r.code === 0 && r.out.leaseTaken === true)
    expect(told.length).toBeLessThanOrEqual(1)
    for (const r of [ra, rb]) if (r.code !== 0) expect(JSON.stringify(r.out)).toContain('LEASE_HELD')
    const h = await agreed(key)
    if (told.length === 1) expect(told[0]?.out.lease.device).toBe(h.device)
    // The laptop took it over (a higher epoch than the desk's renewal) unless it was told it lost.
    if (rb.code === 0 && rb.out.leaseTaken === true) {
      expect(h.epoch).toBe(2)
      expect(rb.out.tookOverFrom).toBe('desk')
    }
  })
})
