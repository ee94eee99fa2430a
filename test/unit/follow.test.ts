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

/** Stops a stand-in: its connections hung up, then its socket closed (a second stop changes nothing). */
async function stop (s: StandIn): Promise<void> {
  for (const c of s.conns) c.destroy()
  await new Promise(resolve => s.server.close(resolve))
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
    first.conns[0]?.destroy()
    expect(await second).toBeUndefined()
    expect(told).toEqual([undefined])
    await expect.poll(() => changes).toEqual([false])

    // The next daemon gets one subscription carrying both sessions.
    await stop(first)
    const next = await standIn(home)
    cleanups.push(async () => { await stop(next) })
    await expect.poll(() => next.subscriptions.length, { timeout: 5000 }).toBe(1)
    expect(next.subscriptions[0]?.sessions?.sort()).toEqual(['agent:main:one', 'agent:main:two'])
    expect(changes).toEqual([false, true])
  }, 15_000)
})
