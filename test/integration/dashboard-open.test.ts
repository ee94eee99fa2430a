/**
 * `mesh dashboard` opening a browser keeps the token off every command line: a command's argv is
 * readable by every local user (/proc/PID/cmdline, ps). The real CLI runs against a fresh home's
 * API served in this process on 127.0.0.1, with a display set and a stub xdg-open first on PATH
 * that records the argv it was given.
 */
import { spawnSync } from 'node:child_process'
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HttpServer } from '../../src/api/http.js'
import { soloHttp, type SoloHttp } from '../helpers/solo-http.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { until } from '../helpers/wait.js'

let solo: SoloHttp
let server: HttpServer
let token: string
let t: { dir: string }
let home: string
beforeAll(async () => {
  solo = await soloHttp()
  server = solo.server
  token = solo.token
  t = { dir: solo.dir }
  home = solo.home
}, 30_000)
afterAll(async () => { await solo?.close() })

/** The login URL `mesh dashboard` prints: the server's, with a single-use code (never the token). */
const codeUrl = (): RegExp => new RegExp(`^${server.url.replace(/[.]/g, '\\.')}/#code=[0-9a-f]{32}$`)

describe('mesh dashboard', () => {
  it('opens the browser on a page only this user can read, never with the token in its argv', async () => {
    const bin = join(t.dir, 'bin')
    const log = join(t.dir, 'opener-argv')
    await mkdir(bin)
    // Written whole, then renamed: the test reads it only once the stub is done.
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$0" "$@" > '${log}.part' && mv '${log}.part' '${log}'\n`)
    await chmod(join(bin, 'xdg-open'), 0o755)
    const env = cliEnv(t.dir, { DISPLAY: ':0', PATH: `${bin}:${process.env.PATH ?? ''}` })
    delete env.WAYLAND_DISPLAY

    const r = await runCli(['dashboard', '--home', home], { env })
    expect(r.code, r.stderr).toBe(0)
    // The user's own terminal still gets the link, to paste where no browser opened.
    const printed = r.stdout.split('\n')[0] as string
    expect(printed).toMatch(codeUrl())
    expect(r.stdout).toMatch(/opened in your browser; the link logs in once, within 10 minutes/)

    await until(async () => await stat(log).then(() => true, () => false), 'the stub opener ran')
    const argv = (await readFile(log, 'utf8')).trimEnd().split('\n')
    expect(argv[0]).toBe(join(bin, 'xdg-open'))
    expect(argv).toHaveLength(2)
    for (const arg of argv) expect(arg).not.toContain(token)
    // It was given a file in the home, owner-only like api.token, that leads on to the login URL.
    const page = fileURLToPath(argv[1] as string)
    expect(page.startsWith(home + '/')).toBe(true)
    expect((await stat(page)).mode & 0o777).toBe(0o600)
    const html = await readFile(page, 'utf8')
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${printed}">`)
    expect(html).not.toContain(token)
    expect(html).toContain('<meta name="referrer" content="no-referrer">')

    await rm(log)
    const json = await runCli(['dashboard', '--home', home, '--json'], { env })
    expect(JSON.parse(json.stdout)).toEqual({ url: server.url, loginUrl: expect.stringMatching(codeUrl()), expiresAt: expect.any(Number), port: server.port, opened: true })
    expect(JSON.parse(json.stdout).loginUrl).not.toBe(printed)
    await until(async () => await stat(log).then(() => true, () => false), 'the stub opener ran again')
    expect(await readFile(log, 'utf8')).not.toContain(token)
  })

  it('with no display, no opener, or an opener that cannot start, says no browser was opened and why, prints the link, and writes no page', async () => {
    const page = join(home, 'dashboard.html')
    await rm(page, { force: true })
    const empty = join(t.dir, 'empty-bin')
    await mkdir(empty, { recursive: true })
    // A session with no display (ssh, a container): nothing to open a browser on.
    const headless = cliEnv(t.dir, { PATH: process.env.PATH ?? '' })
    delete headless.DISPLAY
    delete headless.WAYLAND_DISPLAY
    const r = await runCli(['dashboard', '--home', home], { env: headless })
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(codeUrl())
    expect(lines[1]).toBe('no display here (neither DISPLAY nor WAYLAND_DISPLAY is set): no browser opened')
    expect(r.stdout).not.toMatch(/opened in your browser/)
    expect(r.stdout).toMatch(/open this link in a browser on this machine/)
    const json = await runCli(['dashboard', '--home', home, '--json'], { env: headless })
    expect(JSON.parse(json.stdout)).toEqual({ url: server.url, loginUrl: expect.stringMatching(codeUrl()), expiresAt: expect.any(Number), port: server.port, opened: false, notOpened: 'no display here (neither DISPLAY nor WAYLAND_DISPLAY is set): no browser opened' })
    // A display, but no xdg-open to open a browser with.
    const noOpener = await runCli(['dashboard', '--home', home], { env: { ...headless, DISPLAY: ':0', PATH: empty } })
    expect(noOpener.code, noOpener.stderr).toBe(0)
    expect(noOpener.stdout.split('\n')[1]).toBe('no xdg-open on PATH to open a browser with: no browser opened')
    await expect(stat(page)).rejects.toThrow()
    // An xdg-open that cannot be started (its interpreter is missing): not said to be opened.
    const broken = join(t.dir, 'broken-bin')
    await mkdir(broken, { recursive: true })
    await writeFile(join(broken, 'xdg-open'), '#!/nonexistent/interpreter\n')
    await chmod(join(broken, 'xdg-open'), 0o755)
    const failed = await runCli(['dashboard', '--home', home], { env: { ...headless, DISPLAY: ':0', PATH: broken } })
    expect(failed.code, failed.stderr).toBe(0)
    expect(failed.stdout.split('\n')[0]).toMatch(codeUrl())
    expect(failed.stdout.split('\n')[1]).toMatch(/^could not start xdg-open \(ENOENT\): no browser opened$/)
    expect(failed.stdout).not.toMatch(/opened in your browser/)
    // The page it wrote for the opener (it holds a code) is not left behind.
    await expect(stat(page)).rejects.toThrow()
  })

  it('sends the token to no one when the daemon that recorded api.json is gone and another user listens on its port', async () => {
    // A home whose daemon was killed (or the machine rebooted): api.json and api.token stay.
    const stale = join(t.dir, 'stale-home')
    await mkdir(stale, { mode: 0o700 })
    const staleToken = 'ab'.repeat(32)
    await writeFile(join(stale, 'api.token'), staleToken + '\n', { mode: 0o600 })
    // Another local user's server on the recorded port, answering everything with a 200.
    const seen: IncomingHttpHeaders[] = []
    const squatter = createServer((req, res) => { seen.push(req.headers); res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}') })
    await new Promise<void>(resolve => squatter.listen(0, '127.0.0.1', resolve))
    const port = (squatter.address() as { port: number }).port
    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number
    await writeFile(join(stale, 'api.json'), JSON.stringify({ url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port, pid: dead }) + '\n', { mode: 0o600 })
    try {
      const r = await runCli(['dashboard', '--home', stale, '--no-open', '--json'], { env: cliEnv(t.dir) })
      expect(r.code).not.toBe(0)
      expect(JSON.parse(r.stderr).error.code).toBe('DAEMON_NOT_RUNNING')
      expect(r.stdout).not.toContain(staleToken)
      expect(seen.filter(h => JSON.stringify(h).includes(staleToken))).toEqual([])
    } finally {
      await new Promise<void>(resolve => squatter.close(() => { resolve() }))
    }
  })
})
