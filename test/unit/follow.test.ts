/**
 * The follower `mesh mcp` and `mesh watch` use (src/cli/follow.ts), against a stand-in daemon: a
 * unix socket at the home's control.sock that speaks the daemon's line protocol (src/api/rpc.ts)
 * as far as subscriptions go, and that the test can hang up on.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DaemonFollower } from '../../src/cli/follow.js'

interface StandIn { server: Server, conns: Socket[], subscriptions: Array<{ id: number, sessions?: string[] }> }

/** Answers nothing by itself but the client's first request: the test decides when a subscription is held, or hangs up. */
async function standIn (home: string): Promise<StandIn> {
  const s: StandIn = { server: createServer(), conns: [], subscriptions: [] }
  s.server.on('connection', c => {
    s.conns.push(c)
    let buf = ''
    c.setEncoding('utf8')
    c.on('data', (d: string) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i))
        buf = buf.slice(i + 1)
        if (msg.subscribe !== undefined) s.subscriptions.push({ id: msg.id, sessions: msg.subscribe.sessions })
        // The client's first request (connectRpc's probe) is refused, as the daemon refuses it.
        else if (msg.method === null) c.write(JSON.stringify({ id: msg.id, error: { code: 'INVALID_INPUT', message: 'unknown method null' } }) + '\n')
      }
    })
    c.on('error', () => {})
  })
  await new Promise<void>(resolve => s.server.listen(join(home, 'control.sock'), resolve))
  return s
}

/**
 * Stops a stand-in as the daemon stops (rpc.ts): its socket closed, then its connections hung up,
 * so a client that asks whether it still runs is told it does not (a second stop changes nothing).
 */
async function stop (s: StandIn): Promise<void> {
  const closed = new Promise(resolve => s.server.close(resolve))
  for (const c of s.conns) c.destroy()
  await closed
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('DaemonFollower', () => {
  it('a subscription made while the daemon hangs up neither throws nor is lost: it is in place at once, and follows the next daemon', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mesh-follow-'))
    cleanups.push(async () => { await rm(home, { recursive: true, force: true }) })
    const first = await standIn(home)
    cleanups.push(async () => { await stop(first) })
    const changes: boolean[] = []
    const follower = new DaemonFollower({ home, json: false }, d => { changes.push(d) })
    cleanups.push(async () => { await follower.close() })
    expect(await follower.start()).toBe(true)

    // A subscriber that subscribes again once told it is in place (as a front-end that follows one
    // session, then another, does). Its first subscription is never answered: the daemon hangs up,
    // which tells it "in place" (no daemon: nothing to wait for), and its second subscription is
    // made in the same turn, while the follower still holds the connection that just closed.
    const told: Array<string | undefined> = []
    const second = new Promise<Error | undefined>(resolve => {
      follower.subscribe(() => {}, {
        sessions: ['agent:main:one'],
        ready: (err) => {
          told.push(err?.message)
          follower.subscribe(() => {}, { sessions: ['agent:main:two'], ready: resolve })
        }
      })
    })
    // (The follower subscribed once on connecting, for no session yet.)
    await expect.poll(() => first.subscriptions.at(-1)?.sessions).toEqual(['agent:main:one'])
    // The daemon stops (a connection hung up alone, the daemon still listening, is followed
    // again at once: see the next test).
    const stopping = stop(first)
    expect(await second).toBeUndefined()
    expect(told).toEqual([undefined])
    await expect.poll(() => changes).toEqual([false])

    // The next daemon gets one subscription carrying both sessions.
    await stopping
    const next = await standIn(home)
    cleanups.push(async () => { await stop(next) })
    await expect.poll(() => next.subscriptions.length, { timeout: 5000 }).toBe(1)
    expect(next.subscriptions[0]?.sessions?.sort()).toEqual(['agent:main:one', 'agent:main:two'])
    expect(changes).toEqual([false, true])
  }, 15_000)

  it('a connection the daemon hangs up while it runs on is followed again at once, said as such, never as stopped', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mesh-follow-'))
    cleanups.push(async () => { await rm(home, { recursive: true, force: true }) })
    const daemon = await standIn(home)
    cleanups.push(async () => { await stop(daemon) })
    const changes: Array<[boolean, boolean | undefined]> = []
    const follower = new DaemonFollower({ home, json: false }, (d, again) => { changes.push([d, again]) })
    cleanups.push(async () => { await follower.close() })
    expect(await follower.start()).toBe(true)
    follower.subscribe(() => {}, { sessions: ['agent:main:one'] })
    await expect.poll(() => daemon.subscriptions.at(-1)?.sessions).toEqual(['agent:main:one'])
    const before = daemon.subscriptions.length
    daemon.conns.at(-1)?.destroy()
    // Connected again and subscribed for its session, at once (not at the follower's next look, a second on).
    await expect.poll(() => daemon.subscriptions.slice(before).map(x => x.sessions), { timeout: 900 }).toContainEqual(['agent:main:one'])
    expect(changes).toEqual([[true, true]])
  }, 15_000)
})
