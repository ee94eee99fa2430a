/**
 * An api.token found readable by others (restored from a backup, copied with cp) may already be
 * in another user's hands: driven as that user (uid 65534, a real process reading the real file;
 * runs as root, as CI does), the token read before the server starts opens nothing once it serves.
 *
 * And a token never outlives a run of `mesh join`: a dashboard tab, or a page another local user
 * served at its address after it stopped, may have kept it. Each start of a real daemon writes a
 * new one (0600); the old one opens nothing, nor does a login code the last run issued, and
 * `mesh dashboard` prints a code that the new run trades for its token, once.
 */
import { spawnSync } from 'node:child_process'
import { chmod, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { serveHttp, type HttpServer } from '../../src/api/http.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { api, startDaemon } from '../helpers/daemons.js'
import { soloHttp, type SoloHttp } from '../helpers/solo-http.js'
import { tempDir } from '../helpers/tmp.js'

const NOBODY = 65534
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('an api.token others could read', () => {
  it('is replaced by a new one when the server starts: the copy another user read opens nothing', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (a second uid); CI runs as root')
    const solo: SoloHttp = await soloHttp()
    cleanups.push(async () => { await solo.close() })
    await solo.server.close()
    const path = join(solo.home, 'api.token')
    // As a restore from a backup leaves it, in a home others may enter (allowed: not writable).
    await chmod(path, 0o644)
    await chmod(solo.home, 0o755)
    await chmod(dirname(solo.home), 0o755)
    const read = spawnSync(process.execPath, ['-e', 'process.stdout.write(require("node:fs").readFileSync(process.argv[1], "utf8").trim())', path], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' })
    expect(read.status, read.stderr).toBe(0)
    const stolen = read.stdout
    expect(stolen).toBe(solo.token)

    const server: HttpServer = await serveHttp(solo.api, { home: solo.home, port: 0 })
    cleanups.push(async () => { await server.close() })
    const res = await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${stolen}` } })
    expect(res.status, 'the token another user read still opens the API').toBe(401)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const fresh = (await readFile(path, 'utf8')).trim()
    expect(fresh).not.toBe(stolen)
    expect(server.token).toBe(fresh)
    expect((await fetch(`${server.url}/api/status`, { headers: { authorization: `Bearer ${fresh}` } })).status).toBe(200)
  }, 30_000)

  it('is a new one at every start of mesh join: the last run\'s token and codes open nothing, and mesh dashboard prints a code for the new one', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    const wallet = join(t.dir, 'wallet.json')
    const made = spawnSync(process.execPath, [BIN, 'wallet', 'new', '--out', wallet], { env, encoding: 'utf8' })
    expect(made.status, made.stderr).toBe(0)
    const home = join(t.dir, 'home')
    const first = await startDaemon(env, { home, wallet, label: 'solo' })
    cleanups.push(async () => { await first.proc.stop('SIGKILL') })
    expect((await api(first, 'GET', '/api/status')).status).toBe(200)
    const before = await runCli(['dashboard', '--home', home, '--json'], { env })
    expect(before.code, before.stderr).toBe(0)
    const oldCode = codeOf(JSON.parse(before.stdout).loginUrl)
    expect(await first.proc.stop('SIGINT')).toBe(0)

    const second = await startDaemon(env, { home, wallet, label: 'solo', http: String(first.port) })
    cleanups.push(async () => { await second.proc.stop('SIGKILL') })
    expect(second.port).toBe(first.port)
    expect(second.token).not.toBe(first.token)
    expect((await stat(join(home, 'api.token'))).mode & 0o777).toBe(0o600)
    expect((await api(second, 'GET', '/api/status', undefined, first.token)).status, 'the last run\'s token still opens the API').toBe(401)
    expect((await api(second, 'GET', '/api/status')).status).toBe(200)
    const printed = await runCli(['dashboard', '--home', home, '--json'], { env })
    expect(printed.code, printed.stderr).toBe(0)
    const code = codeOf(JSON.parse(printed.stdout).loginUrl, second.url)
    expect(printed.stdout).not.toContain(second.token)
    const login = async (c: string): Promise<Response> => await fetch(`${second.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: c }) })
    const old = await login(oldCode)
    expect(old.status, 'a code of the last run still logs in').toBe(401)
    expect(((await old.json()) as { error: { message: string } }).error.message).toMatch(/mesh dashboard/)
    const fresh = await login(code)
    expect(fresh.status).toBe(200)
    expect(await fresh.json()).toEqual({ token: second.token })
    expect((await login(code)).status, 'a code logs in twice').toBe(401)
  }, 90_000)
})

/** The code of a login URL `mesh dashboard` printed (on `url`'s server, when given). */
function codeOf (loginUrl: string, url?: string): string {
  const m = /^(.*)\/#code=([0-9a-f]{32})$/.exec(loginUrl)
  expect(m, loginUrl).not.toBeNull()
  if (url !== undefined) expect(m?.[1]).toBe(url)
  return m?.[2] as string
}
