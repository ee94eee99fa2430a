/**
 * mesh dashboard: print a login URL of the dashboard served by the running `mesh join` and open
 * it in a browser when this session has a display (else say why none was opened). The URL
 * carries a single-use code the daemon issued (http-login.ts), in its fragment, which the
 * browser never sends to a server; the page trades it for the token once, so what the browser's
 * history keeps opens nothing. The browser is given a page in the home that leads on
 * to the URL, never the URL: a command line is readable by every local user. Talks to the daemon
 * over HTTP only: loads no libp2p.
 */
import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { rm } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { DaemonNotRunningError, InternalError, UnauthorizedError } from '../../errors.js'
import { stdout as out, type Globals } from '../context.js'
import type { Command } from '../command.js'
import type { HttpInfo } from '../../api/http-info.js'

export const dashboardCmd: Command = {
  name: 'dashboard',
  arity: 0,
  usage: 'mesh dashboard [--no-open] [--json]',
  summary: 'print the web dashboard\'s login URL (served by mesh join on 127.0.0.1) and open it in a browser',
  flags: {
    '--no-open': 'print the URL only: open no browser'
  },
  examples: [
    'mesh dashboard',
    'mesh dashboard --no-open --json'
  ],
  options: { 'no-open': { type: 'boolean' } },
  async run (g: Globals, _args, values) {
    const { readHttpInfo, readToken, writeLoginPage } = await import('../../api/http-info.js')
    const info = await readHttpInfo(g.home)
    const token = await readToken(g.home)
    if (info === undefined || token === undefined) throw notServing(g.home, 'it records no HTTP address')
    const { loginUrl: url, expiresAt } = await loginCode(info, token, g.home)
    const minutes = Math.round((expiresAt - Date.now()) / 60_000)
    const found = values['no-open'] === true ? { why: 'not opening a browser (--no-open)' } : browserOpener()
    let notOpened = 'opener' in found ? undefined : found.why
    if ('opener' in found) {
      const opener = found.opener
      // The opener and the browser get the file's name, not the URL: their argv is public
      // (/proc/PID/cmdline), the page (0600, in the home) is not.
      const pagePath = await writeLoginPage(g.home, url)
      const page = pathToFileURL(pagePath).href
      // Detached and unreferenced: the browser outlives this command, and its output is not ours.
      // Said as opened only once the opener has started.
      const child = spawn(opener, [page], { detached: true, stdio: 'ignore' })
      const failed = await new Promise<string | undefined>(resolve => {
        child.once('spawn', () => { resolve(undefined) })
        child.once('error', (err: any) => { resolve(`could not start ${opener} (${err?.code ?? err?.message ?? err}): no browser opened`) })
      })
      child.unref()
      // Nothing opened it: the page (it holds the code) is not left behind.
      if (failed !== undefined) await rm(pagePath, { force: true })
      notOpened = failed
    }
    if (g.json) { out.json({ url: info.url, loginUrl: url, expiresAt, port: info.port, opened: notOpened === undefined, ...(notOpened !== undefined ? { notOpened } : {}) }); return 0 }
    out.line(url)
    const once = `the link logs in once, within ${minutes} minutes`
    if (notOpened === undefined) out.line(`opened in your browser; ${once}`)
    else {
      out.line(notOpened)
      out.line(`open this link in a browser on this machine; ${once}: keep it to yourself until then`)
      // The server answers only to a loopback Host with its own port: forward the same port.
      out.line(`from another machine: ssh -L ${info.port}:127.0.0.1:${info.port} <this host>, then open the link there`)
    }
    return 0
  }
}

function notServing (home: string, why: string): DaemonNotRunningError {
  return new DaemonNotRunningError(`no mesh join is serving the dashboard for home ${home} (${why}): start \`mesh join\` (without --http off), then run \`mesh dashboard\` again`, { home })
}

/**
 * A login code from the daemon at the recorded address, asked for with the token. api.json
 * outlives a killed daemon (and a reboot), and a loopback port is anyone's to take once it is
 * free: the token is sent only while the process that recorded the address still holds the home
 * (its lock names it, with its start time against pid reuse), so it, and no other user's server
 * on its old port, holds that port.
 */
async function loginCode (info: HttpInfo, token: string, home: string): Promise<{ loginUrl: string, expiresAt: number }> {
  const [{ readLockPid }, { LOGIN_CODES_PATH }] = await Promise.all([import('../../store/lock.js'), import('../../api/http-login.js')])
  const holder = await readLockPid(home)
  if (holder === undefined || holder !== info.pid) throw notServing(home, `nothing answers at ${info.url} for it: the daemon that recorded that address, pid ${info.pid}, no longer runs`)
  const url = info.url
  let res: Response
  try {
    res = await fetch(`${url}${LOGIN_CODES_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(5000) })
  } catch (err: any) {
    throw notServing(home, `nothing answers at ${url}: ${err?.cause?.code ?? err?.message ?? err}`)
  }
  if (res.status === 401) {
    await res.body?.cancel()
    throw new UnauthorizedError(`the daemon at ${url} refused the token in ${home}/api.token (another home's daemon on that port?)`, { home, url })
  }
  const body = await res.json().catch(() => undefined) as { loginUrl?: unknown, expiresAt?: unknown } | undefined
  if (res.status !== 200 || typeof body?.loginUrl !== 'string' || typeof body.expiresAt !== 'number') {
    // 404: a daemon started from an older mesh, which issues no codes.
    throw new InternalError(`the daemon at ${url} (pid ${info.pid}) answered ${res.status} when asked for a login code${res.status === 404 ? ': it runs an older mesh; stop it and start `mesh join` again' : ''}`, { home, url, status: res.status })
  }
  return { loginUrl: body.loginUrl, expiresAt: body.expiresAt }
}

/** xdg-open (or macOS's open) when there is a display to open a browser on; else why none is opened, as the command says it. */
function browserOpener (): { opener: string } | { why: string } {
  if (process.platform === 'darwin') return { opener: 'open' }
  if ((process.env.DISPLAY ?? '') === '' && (process.env.WAYLAND_DISPLAY ?? '') === '') return { why: 'no display here (neither DISPLAY nor WAYLAND_DISPLAY is set): no browser opened' }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    try { accessSync(join(dir, 'xdg-open'), constants.X_OK); return { opener: 'xdg-open' } } catch { /* not in this directory */ }
  }
  return { why: 'no xdg-open on PATH to open a browser with: no browser opened' }
}
