/**
 * Upgrade requests the event stream refuses (a wrong path, Host or Origin, no token), sent by
 * clients that keep their side of the connection open (half-open, as `exec 3<>/dev/tcp/...`
 * does): the refused sockets were only end()ed, so each stayed open in a real `mesh join` (a
 * descriptor each, no token needed), and at SIGTERM its HTTP server waited for them for ever: the
 * store was never flushed. Now each is closed once its answer is out, and the daemon stops at once.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN, cliEnv } from '../helpers/cli.js'
import { startDaemon } from '../helpers/daemons.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const { cleanups } = stopAfterEach()

/** An upgrade request on a socket that never closes its side; resolves with the answer once the server has sent its FIN. */
async function refusedUpgrade (port: number, path: string, headers: string): Promise<{ sock: Socket, answer: string }> {
  const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  sock.on('error', () => {}) // a reset once the server let go is fine; only the answer matters
  let got = ''
  sock.on('data', (d: Buffer) => { got += d.toString() })
  await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject) })
  sock.write(`GET ${path} HTTP/1.1\r\n${headers}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`)
  await new Promise<void>(resolve => { sock.once('end', resolve); sock.once('close', () => { resolve() }) })
  return { sock, answer: got }
}

async function fds (pid: number): Promise<number> { return (await readdir(`/proc/${pid}/fd`)).length }

describe('refused WebSocket upgrades', () => {
  it('are closed, and do not keep mesh join from stopping with its store flushed', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    const made = spawnSync(process.execPath, [BIN, 'wallet', 'new', '--out', wallet], { env, encoding: 'utf8' })
    expect(made.status, made.stderr).toBe(0)
    const d = await startDaemon(env, { home: join(t.dir, 'home'), wallet, label: 'solo' })
    cleanups.unshift(async () => { await d.proc.stop('SIGKILL') }) // before the home is removed
    const pid = d.proc.child.pid as number
    const procFs = existsSync(`/proc/${pid}/fd`)
    const before = procFs ? await fds(pid) : 0

    const host = `Host: 127.0.0.1:${d.port}\r\n`
    const kinds: Array<[string, string, RegExp]> = [
      ['/x', host, /^HTTP\/1\.1 404 /],
      [`/api/events?token=${d.token}`, 'Host: a\r\n', /^HTTP\/1\.1 421 /],
      [`/api/events?token=${d.token}`, `${host}Origin: http://evil.example\r\n`, /^HTTP\/1\.1 403 /],
      ['/api/events', host, /^HTTP\/1\.1 401 /]
    ]
    const held: Socket[] = []
    cleanups.unshift(async () => { for (const s of held) s.destroy() })
    for (let i = 0; i < 100; i++) {
      const [path, headers, status] = kinds[i % kinds.length] as [string, string, RegExp]
      const { sock, answer } = await refusedUpgrade(d.port, path, headers)
      held.push(sock)
      expect(answer).toMatch(status)
    }
    // Every refused socket is gone from the daemon, though no client closed its side.
    if (procFs) await until(async () => await fds(pid) <= before + 5, `the daemon's descriptors back near ${before}`, 5_000)

    // And a SIGTERM stops it promptly, its store flushed.
    d.proc.child.kill('SIGTERM')
    const code = await Promise.race([d.proc.exited, new Promise<'hung'>(resolve => { setTimeout(() => { resolve('hung') }, 15_000).unref() })])
    expect(code, `mesh join did not stop; output:\n${d.proc.lines.join('\n')}`).toBe(0)
    expect(d.proc.lines.at(-1)).toMatch(/stopped; store flushed/)
  }, 90_000)
})
