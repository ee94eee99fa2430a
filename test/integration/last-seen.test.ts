/**
 * `last seen` after a crash: two real daemons, a ping every 300 ms (config.json `pingInterval`),
 * both killed with SIGKILL a few seconds after they proved each other. Neither saw the other
 * disconnect, yet each one's `mesh devices` (no daemon running) says it saw the other within the
 * last few pings, not at the moment it was proven.
 */
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemons.js'
import { tempDir } from '../helpers/tmp.js'

const PING_MS = 300
const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('last seen', () => {
  it('is noted while a peer stays connected, so a node killed with SIGKILL remembers it seen lately', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect(spawnSync(process.execPath, [BIN, 'wallet', 'new', '--out', wallet], { env }).status).toBe(0)
    const homes = { a: join(t.dir, 'a'), b: join(t.dir, 'b') }
    const pair = async (): Promise<[Daemon, Daemon]> => {
      const a = await startDaemon(env, { home: homes.a, wallet, label: 'alpha', http: 'off' })
      cleanups.push(async () => await a.proc.stop('SIGKILL'))
      const b = await startDaemon(env, { home: homes.b, wallet, label: 'beta', http: 'off', bootstrap: a.addr })
      cleanups.push(async () => await b.proc.stop('SIGKILL'))
      await a.proc.waitFor(/peer proven\s+beta/, 30_000)
      await b.proc.waitFor(/peer proven\s+alpha/, 30_000)
      return [a, b]
    }
    // Set up (the homes made), then again with pings every 300 ms.
    for (const d of await pair()) await d.proc.stop('SIGKILL')
    for (const home of Object.values(homes)) await writeFile(join(home, 'config.json'), JSON.stringify({ pingInterval: PING_MS }))
    const [a, b] = await pair()
    const proven = Date.now()
    // Connected, each notes the other seen in its peer book now and then (about every 1.5 s here):
    // waited for until both have noted the other more than a second after the proof, in their
    // peers.json (what the `mesh devices` below reads once they are killed).
    const noted = async (home: string, other: Daemon): Promise<number> => {
      try {
        const peers = JSON.parse(await readFile(join(home, 'peers.json'), 'utf8')) as Array<{ peerId: string, lastSeen: number }>
        return peers.find(p => p.peerId === other.deviceId)?.lastSeen ?? 0
      } catch { return 0 }
    }
    for (const [home, other] of [[homes.a, b], [homes.b, a]] as const) {
      await expect.poll(async () => await noted(home, other), { timeout: 15_000, interval: 100 }).toBeGreaterThan(proven + 1000)
    }
    // Online: seen now, as this device is (the peer book's time is the last ping's, or the connection's).
    const asked = Date.now()
    const live = await runCli(['devices', '--home', homes.a, '--json'], { env })
    const beta = (JSON.parse(live.stdout) as Array<{ deviceId: string, lastSeen?: number, online: boolean }>).find(d => d.deviceId === b.deviceId)
    expect(beta?.online).toBe(true)
    expect(beta?.lastSeen).toBeGreaterThanOrEqual(asked)
    const killed = Date.now()
    expect(await a.proc.stop('SIGKILL')).toBe(null)
    expect(await b.proc.stop('SIGKILL')).toBe(null)
    for (const [home, other] of [[homes.a, b], [homes.b, a]] as const) {
      const r = await runCli(['devices', '--home', home, '--json'], { env })
      expect(r.code, r.stderr).toBe(0)
      const seen = (JSON.parse(r.stdout) as Array<{ deviceId: string, lastSeen?: number, online: boolean }>).find(d => d.deviceId === other.deviceId)
      expect(seen?.online).toBe(false)
      // Noted at least once more than a second after the proof (about every 1.5 s here), never later than the kill.
      expect(seen?.lastSeen).toBeGreaterThan(proven + 1000)
      expect(seen?.lastSeen).toBeLessThanOrEqual(killed)
    }
  })
})
