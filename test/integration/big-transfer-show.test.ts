/**
 * A big session arriving entry by entry (each entry an append of ~750 messages of 1 KB, ~0.9 MB, what one append takes)
 * at a fresh `mesh join` node over a slow link (a proxy at 2.4 MB/s, 20 Mbit/s), while the person
 * on the receiving machine runs `mesh session show` on it midway: the show opens the document in
 * the receiver's daemon (its session cache keeps it open), so every entry still to come is
 * admitted into an open document. It must still arrive in one transfer, with the bytes the sender
 * put on the wire under 1.3x the session's size.
 * Before the fix: each entry took the open document's check ~2 s (crdt/validate.ts), the rate fell
 * from ~2 to 0.5 MB/s, and the receiver's frame deadline, running from the start of the backlog
 * rather than each frame's (protocols/sync/frames.ts), ended the session after 30 s: two or three
 * transfers. MESH_SHOW_ENTRIES (39), MESH_SHOW_RATE (bytes/s), MESH_SHOW_SKIP=1 (nobody looks: the
 * control) and MESH_SHOW_LOG=dir (both daemons' logs kept there) for measuring.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { brokenSessions } from '../helpers/big-snapshot.js'
import { BIN, cliEnv, ROOT, runCli } from '../helpers/cli.js'
import { cutProxy } from '../helpers/cut-proxy.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { freePort } from '../helpers/free-port.js'

const ENTRIES = Number(process.env.MESH_SHOW_ENTRIES ?? 39)
const PER = 750
const RATE = Number(process.env.MESH_SHOW_RATE ?? 2_400_000)
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

let dir: string
let env: NodeJS.ProcessEnv
let wallet: string
let homeA: string
let size: number

/** Bytes of every entry file under the home's data directory: what the session weighs sealed. */
async function entryBytes (home: string): Promise<number> {
  let n = 0
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else n += (await stat(p)).size
    }
  }
  await walk(join(home, 'data'))
  return n
}

/** The receiver's `received` lines of the big session: one per transfer of it. */
const received = (b: Proc): string[] => b.lines.filter(l => /^received\s+agent:main:big from A/.test(l))

async function waitUntil (ok: () => boolean, deadline: number): Promise<void> {
  while (!ok() && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
}

async function messageCount (home: string): Promise<number> {
  const r = await runCli(['session', 'show', 'big', '--home', home, '--json', '--tail', '1'], { env, timeoutMs: 60_000 })
  return r.code === 0 ? JSON.parse(r.stdout).messageCount : -1
}

beforeAll(async () => {
  const t = await tempDir(); cleanups.push(t.cleanup)
  dir = t.dir
  env = cliEnv(dir, { DEBUG: 'mesh:sync,mesh:sync:*' })
  wallet = join(dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  homeA = join(dir, 'a')
  const w = spawnSync(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'big-entries.js'), homeA, wallet, String(ENTRIES), String(PER)], { encoding: 'utf8' })
  expect(w.status, w.stderr).toBe(0)
  size = await entryBytes(homeA)
  expect(size).toBeGreaterThan(ENTRIES * PER * 1000)
}, 300_000)

describe('a big session arriving entry by entry while the receiver shows it', () => {
  it('arrives in one transfer, under 1.3x its size on the wire', async () => {
    const procs: Proc[] = []
    try {
      const portA = await freePort()
      const proxy = await cutProxy('127.0.0.1', portA, { rateFromTarget: RATE })
      cleanups.push(proxy.close)
      const a = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homeA, '--label', 'A', '--no-mdns', '--dht', 'off', '--listen', `/ip4/127.0.0.1/tcp/${portA}`, '--announce', `/ip4/127.0.0.1/tcp/${proxy.port}`], env)
      procs.push(a)
      const id = (await a.waitFor(/^device:/, 60_000)).split(/\s+/)[1] as string
      await a.waitFor(/^running/, 60_000)
      const homeB = join(dir, 'b')
      const started = Date.now()
      const b = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homeB, '--wallet', wallet, '--label', 'B', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--announce', '/ip4/127.0.0.1/tcp/9', '--bootstrap', `/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${id}`], env)
      procs.push(b)
      // Midway (a quarter of the session on the wire), the person looks at it, as `mesh session show` does.
      await proxy.whenFromTarget(size / 4)
      const t0 = Date.now()
      // MESH_SHOW_SKIP=1: nobody looks (the control, to compare with).
      const shown = process.env.MESH_SHOW_SKIP === '1' ? { code: 0 } : await runCli(['session', 'show', 'big', '--home', homeB, '--tail', '5'], { env, timeoutMs: 120_000 })
      const showMs = Date.now() - t0
      // Every message there: each transfer ends with a `received` line; the last one brings the rest.
      const deadline = Date.now() + 240_000
      let count = -1
      for (let seen = 0; count !== ENTRIES * PER && Date.now() < deadline;) {
        await waitUntil(() => received(b).length > seen, deadline)
        seen = received(b).length
        count = await messageCount(homeB)
      }
      const totalMs = Date.now() - started
      expect(count, b.lines.slice(-40).join('\n')).toBe(ENTRIES * PER)
      await new Promise(resolve => setTimeout(resolve, 1000))
      const transfers = received(b)
      console.log(`show took ${showMs} ms (exit ${shown.code}); whole sync ${totalMs} ms; ${proxy.fromTarget} bytes from A for ${size} (${(proxy.fromTarget / size).toFixed(3)}x), ${proxy.connections} connection(s)\n${transfers.join('\n')}\n${brokenSessions([...a.lines, ...b.lines]).join('\n')}`)
      expect(brokenSessions([...a.lines, ...b.lines])).toEqual([])
      expect(transfers.length, transfers.join('\n')).toBe(1)
      expect(proxy.fromTarget / size).toBeLessThan(1.3)
      expect(await b.stop('SIGINT')).toBe(0)
      expect(await a.stop('SIGINT')).toBe(0)
    } finally {
      // MESH_SHOW_LOG=dir keeps both daemons' logs there (to read what happened).
      if (process.env.MESH_SHOW_LOG !== undefined) procs.forEach((p, i) => { writeFileSync(join(process.env.MESH_SHOW_LOG as string, `${'ab'[i] ?? i}.log`), p.lines.join('\n')) })
      for (const p of procs) await p.stop('SIGKILL')
    }
  }, 400_000)
})
