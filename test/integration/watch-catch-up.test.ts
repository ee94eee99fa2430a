/**
 * `mesh watch` started with no daemon, then `mesh join` started beside it. The watcher follows
 * the daemon's events once it finds it, but the daemon tells a subscriber only what happens after
 * it holds the subscription: what was written between the watcher's last look and that moment
 * (while `mesh join` was starting, or synced from a peer at its start) came as no event and, the
 * looks once a second having stopped with a daemon found, was never printed (1 try in 8 lost a
 * message). Once the daemon holds the subscription, the follower now tells each followed session
 * as changed, and watch reads back what it has not printed; nothing is printed twice.
 *
 * The first test is deterministic: a stand-in for the daemon on the home's socket (the wire of
 * rpc.ts) holds the subscription unanswered while a message is written, as a starting daemon
 * busy opening the session does. The second runs the real `mesh join`, three times over.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DaemonFollower } from '../../src/cli/follow.js'
import type { EventRecord } from '../../src/api/api.js'
import { BIN, runCli } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemon.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { soloHome, type SoloHome } from '../helpers/solo-home.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

const setUp = async (): Promise<SoloHome> => await soloHome(cleanups)

/** The contents watch printed (human lines `… user (solo): TEXT`), in order. */
const printed = (w: Proc): string[] => w.lines.filter(l => / \(solo\): /.test(l)).map(l => l.replace(/^.* \(solo\): /, ''))

interface Msg { id: string, role: string, content: string, ts: number, device: string, author: string }

/** A stand-in daemon: answers the probe and sessions.show from `messages`; subscriptions are answered when `release()` is called. */
function standIn (key: string): { server: Server, messages: Msg[], subscribed: Promise<void>, release: () => void, send: (event: unknown) => void, beforeShow: { next?: () => void }, close: () => Promise<void> } {
  const messages: Msg[] = []
  const held: Array<{ sock: Socket, id: number }> = []
  const subs: Array<{ sock: Socket, id: number }> = []
  let released = false
  let sawSubscribe!: () => void
  const subscribed = new Promise<void>(resolve => { sawSubscribe = resolve })
  const conns = new Set<Socket>()
  /** Called (once) just before the next sessions.show is answered: an event the daemon tells first. */
  const beforeShow: { next?: () => void } = {}
  const write = (sock: Socket, v: unknown): void => { sock.write(JSON.stringify(v) + '\n') }
  const server = createServer(sock => {
    conns.add(sock)
    sock.on('close', () => { conns.delete(sock) })
    let buf = ''
    sock.setEncoding('utf8')
    sock.on('error', () => {})
    sock.on('data', (d: string) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, i))
        buf = buf.slice(i + 1)
        if (msg.subscribe !== undefined) {
          subs.push({ sock, id: msg.id })
          if ((msg.subscribe.sessions ?? []).includes(key)) sawSubscribe()
          if (released) write(sock, { id: msg.id, subscribed: true })
          else held.push({ sock, id: msg.id })
        } else if (msg.unsubscribe === true) {
          // nothing to stop
        } else if (msg.method === null) {
          write(sock, { id: msg.id, error: { code: 'INVALID_INPUT', message: 'no method' } })
        } else if (msg.method === 'sessions.show') {
          const p = msg.params
          const from = p.after !== undefined ? messages.findIndex(m => m.id === p.after) + 1 : Math.max(0, messages.length - (p.tail ?? 50))
          const shown = messages.slice(from)
          const first = beforeShow.next
          beforeShow.next = undefined
          first?.()
          write(sock, { id: msg.id, result: { key, messages: shown, messageCount: messages.length, firstIndex: messages.length - shown.length, version: messages.length, copy: 'one' } })
        } else {
          write(sock, { id: msg.id, error: { code: 'INVALID_INPUT', message: `not served here: ${String(msg.method)}` } })
        }
      }
    })
  })
  return {
    server,
    messages,
    subscribed,
    release: () => { released = true; for (const h of held.splice(0)) write(h.sock, { id: h.id, subscribed: true }) },
    send: (event) => { for (const s of subs) if (!s.sock.destroyed) write(s.sock, { id: s.id, event }) },
    beforeShow,
    close: async () => { for (const c of conns) c.destroy(); await new Promise(resolve => { server.close(resolve) }) }
  }
}

describe('mesh watch when mesh join starts beside it', () => {
  it('prints, once, what was written before the daemon held its subscription', async () => {
    const { env, home, mesh } = await setUp()
    await mesh('session', 'new', 'gap')
    const before = JSON.parse(await mesh('session', 'append', 'gap', '--role', 'user', '--text', 'before', '--json')) as Msg
    const key = 'agent:main:gap'
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'gap', '--home', home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/no mesh join runs for this home/)
    expect(printed(w)).toEqual(['before'])

    // The daemon comes: it holds the home, answers, and has not yet taken the subscription.
    const d = standIn(key)
    d.messages.push(before)
    await new Promise<void>(resolve => { d.server.listen(join(home, 'control.sock'), resolve) })
    cleanups.push(d.close)
    await d.subscribed
    // A look the watcher made as it found the daemon is answered before the message is written.
    await sleep(300)
    const msg = (content: string): Msg => ({ ...before, id: `id-${content}`, content, ts: before.ts + d.messages.length })
    // Written while the subscription is not in place: no event tells it.
    d.messages.push(msg('while starting'))
    await sleep(1500)
    d.release()
    // From here the events tell what comes, and what they tell is in what a read back shows too.
    await sleep(300)
    const later = msg('later')
    d.messages.push(later)
    d.send({ seq: 1, event: { type: 'message.appended', key, messages: [later], remote: false } })
    await w.waitFor(/\(solo\): later$/, 10_000)
    await sleep(1500)
    expect(printed(w)).toEqual(['before', 'while starting', 'later'])
    expect(await w.stop('SIGINT')).toBe(0)
  })

  it('a watch started while messages pour in prints the tail it read, then only what came after that read (not what the read already held)', async () => {
    const { env, home } = await setUp()
    const key = 'agent:main:pour'
    const d = standIn(key)
    const msg = (i: number): Msg => ({ id: `id-${i}`, role: 'user', content: `m${i}`, ts: 1000 + i, device: 'dev', author: 'solo' })
    for (let i = 1; i <= 10; i++) d.messages.push(msg(i))
    d.release()
    // Ten messages told just before the watcher's first read is answered: all in that read (its
    // version), the first seven older than the tail it asked for.
    d.beforeShow.next = () => { d.send({ seq: 1, event: { type: 'message.appended', key, messages: d.messages.slice(), remote: true, version: 10, copy: 'one' } }) }
    await new Promise<void>(resolve => { d.server.listen(join(home, 'control.sock'), resolve) })
    cleanups.push(d.close)
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'pour', '--tail', '3', '--home', home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/\(solo\): m10$/, 10_000)
    d.messages.push(msg(11))
    d.send({ seq: 2, event: { type: 'message.appended', key, messages: [msg(11)], remote: true, version: 11, copy: 'one' } })
    await w.waitFor(/\(solo\): m11$/, 10_000)
    expect(printed(w)).toEqual(['m8', 'm9', 'm10', 'm11'])
    expect(await w.stop('SIGINT')).toBe(0)
  })

  it('the follower (mesh mcp\'s too) tells each followed session as changed once a daemon found later holds its subscription', async () => {
    const { home, mesh } = await setUp()
    await mesh('session', 'new', 'told')
    const key = 'agent:main:told'
    const follower = new DaemonFollower({ home, json: false })
    cleanups.push(async () => { await follower.close() })
    expect(await follower.start()).toBe(false)
    const heard: EventRecord[] = []
    const off = follower.subscribe(r => { heard.push(r) }, { sessions: [key] })
    cleanups.push(off)
    const d = standIn(key)
    await new Promise<void>(resolve => { d.server.listen(join(home, 'control.sock'), resolve) })
    cleanups.push(d.close)
    await d.subscribed
    await sleep(300)
    // Not before the daemon holds the subscription: a read made then could miss what comes next.
    expect(heard).toEqual([])
    d.release()
    await expect.poll(() => heard.map(r => r.event), { timeout: 5_000 }).toEqual([{ type: 'session.changed', key, remote: false }])
  })

  it('with the real mesh join, started and stopped three times: every message once', async () => {
    const { env, home, wallet, mesh } = await setUp()
    await mesh('session', 'new', 'fix')
    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'fix', '--tail', '0', '--home', home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/no mesh join runs for this home/)
    const want: string[] = []
    for (const round of [1, 2, 3]) {
      const d = await startDaemon({ home, wallet, label: 'solo', env })
      cleanups.push(async () => await d.stop('SIGKILL'))
      // Right after it says it runs: the watcher may not have found it yet.
      await mesh('session', 'append', 'fix', '--role', 'user', '--text', `gap-${round}`)
      want.push(`gap-${round}`)
      await w.waitFor(new RegExp(`\\(solo\\): gap-${round}$`), 10_000)
      await mesh('session', 'append', 'fix', '--role', 'user', '--text', `later-${round}`)
      want.push(`later-${round}`)
      await w.waitFor(new RegExp(`\\(solo\\): later-${round}$`), 10_000)
      expect((await runCli(['stop', '--home', home], { env })).code).toBe(0)
      expect(await d.exited).toBe(0)
      await w.waitFor(/mesh join stopped/)
      w.lines.splice(w.lines.findIndex(l => l.includes('mesh join stopped')), 1)
    }
    await sleep(1500)
    expect(printed(w)).toEqual(want)
    expect(await w.stop('SIGINT')).toBe(0)
  }, 180_000)
})
