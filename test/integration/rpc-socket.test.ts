/**
 * The home's control socket against another local user (uid 65534, a real process on real
 * sockets; runs as root, as CI does, to be two users at once):
 *
 *   - the daemon's socket is never at its path with a mode that lets others connect. It was
 *     bound there with the umask's mode and chmod-ed to 0600 after: with a umask of 000, a
 *     connection made in between stayed open after the chmod, and held the whole API. The window
 *     is held open here (chmod waits for the attacker) so the test does not depend on luck.
 *   - a CLI never talks to a socket it does not own: one planted at the path by a user who can
 *     write to the home (or a link to one) would have been sent every call, and answered them.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { MeshApi } from '../../src/api/api.js'
import { serveRpc } from '../../src/api/rpc.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const hold = vi.hoisted(() => ({ chmod: undefined as undefined | ((path: string) => Promise<void>) }))
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>()
  return { ...real, chmod: async (path: string, mode: number) => { await hold.chmod?.(String(path)); await real.chmod(path, mode) } }
})

const NOBODY = 65534
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => { hold.chmod = undefined; for (const c of cleanups.splice(0).reverse()) await c() })

/** A dir another user may enter (a home a user made 0755 beforehand, which checkHome allows). */
async function openDir (): Promise<string> {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (a second uid); CI runs as root')
  const t = await tempDir(); cleanups.push(t.cleanup)
  await chmod(t.dir, 0o755)
  return t.dir
}

/**
 * Another user's process connecting to `path`: prints `connected` or `refused <code>`; a line on
 * its stdin is sent as a call, and whatever comes back is printed.
 */
function intruder (path: string): { proc: ChildProcess, lines: string[], next: () => Promise<string> } {
  const code = `const s = require('node:net').createConnection(process.argv[1])
s.on('connect', () => { console.log('connected') })
s.on('error', (e) => { console.log('refused ' + e.code); process.exit(0) })
s.on('data', (d) => { console.log('answer ' + d.toString().trim()) })
process.stdin.on('data', (d) => { s.write(d) })`
  const proc = spawn(process.execPath, ['-e', code, path], { uid: NOBODY, gid: NOBODY, stdio: ['pipe', 'pipe', 'inherit'] })
  cleanups.push(() => { proc.kill('SIGKILL') })
  const lines: string[] = []
  const waiting: Array<(l: string) => void> = []
  let buf = ''
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); const w = waiting.shift(); if (w !== undefined) w(l); else lines.push(l) }
  })
  const next = async (): Promise<string> => { const l = lines.shift(); if (l !== undefined) return l; return await new Promise(resolve => { waiting.push(resolve) }) }
  return { proc, lines, next }
}

const api = { call: async () => ({ secret: 'what the vault holds' }), subscribe: () => () => {} } as unknown as MeshApi

describe('the control socket against another local user', () => {
  it('is never at its path with a mode that lets another user connect, even under umask 000', async () => {
    const dir = await openDir()
    const home = join(dir, 'home')
    await mkdir(home, { mode: 0o755 })
    await chmod(home, 0o755)
    const path = join(home, 'control.sock')
    let during: Awaited<ReturnType<typeof intruder>> | undefined
    let first: string | undefined
    hold.chmod = async () => {
      during = intruder(path)
      first = await during.next()
    }
    const old = process.umask(0)
    let server
    try { server = await serveRpc(api, home) } finally { process.umask(old) }
    cleanups.push(async () => { await server.close() })
    expect(first, 'the intruder tried while the socket was being made').toBeDefined()
    // Connected in the window: its call would be answered now that the daemon serves.
    if (first === 'connected') {
      during?.proc.stdin?.write('{"id":1,"method":"node.status"}\n')
      const answer = await Promise.race([during!.next(), new Promise<string>(resolve => setTimeout(() => { resolve('(no answer)') }, 2000))])
      expect(answer, 'another user holds a connection to the API').toBe('(no answer)')
    }
    expect(first).toMatch(/^refused (ENOENT|EACCES)$/)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const after = intruder(path)
    expect(await after.next()).toBe('refused EACCES')
  }, 30_000)

  it('a socket another user planted in the home is refused by the CLI, which sends it nothing', async () => {
    const dir = await openDir()
    const home = join(dir, 'home')
    const user = join(dir, 'user')
    await mkdir(user, { mode: 0o700 })
    // A home another user can write to (mode 0777 by mistake): the daemon would refuse to open it.
    await mkdir(home)
    await chmod(home, 0o777)
    const heard = join(dir, 'heard')
    await writeFile(heard, '')
    await chmod(heard, 0o666)
    const code = `const fs = require('node:fs')
const srv = require('node:net').createServer((s) => { s.on('data', (d) => { fs.appendFileSync(process.argv[2], d); for (const l of d.toString().split('\\n').filter(Boolean)) { const m = JSON.parse(l); s.write(JSON.stringify({ id: m.id, result: { wallet: 'attacker', device: 'attacker' } }) + '\\n') } }) })
srv.listen(process.argv[1], () => { fs.chmodSync(process.argv[1], 0o777); console.log('listening') })`
    const fake = spawn(process.execPath, ['-e', code, join(home, 'control.sock'), heard], { uid: NOBODY, gid: NOBODY, stdio: ['ignore', 'pipe', 'inherit'] })
    cleanups.push(() => { fake.kill('SIGKILL') })
    await new Promise<void>((resolve, reject) => { fake.stdout.once('data', () => { resolve() }); fake.once('exit', (c) => { reject(new Error(`the fake daemon exited ${String(c)}`)) }) })

    const r = await runCli(['status', '--json', '--home', home], { env: cliEnv(user) })
    expect(await readFile(heard, 'utf8'), 'the CLI sent its call to the other user\'s socket').toBe('')
    expect(r.code).not.toBe(0)
    expect(JSON.parse(r.stdout || r.stderr).error).toMatchObject({ code: 'HOME_UNSAFE' })
  }, 30_000)
})
