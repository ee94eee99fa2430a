/**
 * Where a client finds the home's HTTP server and how it proves itself: the bearer token
 * (`api.token`, 32 random bytes in hex, mode 0600, a new one at every start of the server) and
 * `api.json` (the URL and port in use, the daemon's pid). `mesh dashboard` reads them from here without loading the server.
 *
 * @example
 * const info = await readHttpInfo(home)
 * const token = await readToken(home)
 * if (info !== undefined && token !== undefined) fetch(`${info.url}/api/status`, { headers: { authorization: `Bearer ${token}` } })
 */
import { createHmac, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { atomicWrite } from '../store/files.js'

export const TOKEN_FILE = 'api.token'
export const INFO_FILE = 'api.json'
/** The page `mesh dashboard` opens (writeLoginPage). */
export const LOGIN_PAGE_FILE = 'dashboard.html'

/** What api.json records for clients (`mesh dashboard`, scripts) to find the server. */
export interface HttpInfo { url: string, host: string, port: number, pid: number }

/**
 * A new API token for this start of the server (32 random bytes, hex), written to api.token
 * (atomically, mode 0600) before it serves. Never reused across starts: a dashboard tab, or
 * whatever page later holds the port of a daemon that stopped, may keep a token it once had, and
 * that must open nothing once the daemon is started again; a token file copied or restored from
 * a backup (readable by others) is replaced the same way. Clients read api.token afresh each time
 * (`mesh dashboard`); the CLI, the SDK and `mesh mcp` use the control socket and need none.
 */
export async function newApiToken (home: string): Promise<string> {
  const token = randomBytes(32).toString('hex')
  await atomicWrite(join(home, TOKEN_FILE), token + '\n', 0o600)
  return token
}

export async function readToken (home: string): Promise<string | undefined> {
  try {
    const t = (await readFile(join(home, TOKEN_FILE), 'utf8')).trim()
    return /^[0-9a-f]{64}$/.test(t) ? t : undefined
  } catch (err: any) {
    if (err?.code === 'ENOENT') return undefined
    throw err
  }
}

export async function readHttpInfo (home: string): Promise<HttpInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(join(home, INFO_FILE), 'utf8')) as HttpInfo
    return typeof info?.url === 'string' && typeof info.port === 'number' ? info : undefined
  } catch (err: any) {
    if (err?.code === 'ENOENT' || err instanceof SyntaxError) return undefined
    throw err
  }
}

/** Where a page asks the server to prove it holds the token before sending it (serverProof). */
export const PROOF_PATH = '/api/proof'
/** A client's nonce for PROOF_PATH: 16 to 64 random bytes in hex. */
export const PROOF_NONCE = /^[0-9a-f]{32,128}$/

/**
 * What the server at `host` (the Host it was reached at, `127.0.0.1:7433`) answers a page's
 * nonce with: HMAC-SHA256 keyed with the token over the host and the nonce. The dashboard checks it
 * before it sends its token again after the daemon went away (web/calls.js): another local user
 * who took the port of a daemon that stopped cannot make it, nor borrow it from the daemon
 * started again on another port, whose answer names that port.
 */
export const serverProof = (token: string, host: string, nonce: string): string =>
  createHmac('sha256', token).update(`mesh dashboard server proof\n${host.toLowerCase()}\n${nonce}`).digest('hex')

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)

/**
 * Writes the page that sends a browser on to a login URL (its code is good once): in the home,
 * owner-only (0600) like api.token beside it, so it shows the code to no one the token file does not. `mesh dashboard`
 * opens this file rather than the URL because a browser's arguments (and its opener's, xdg-open
 * or open) are readable by every local user in /proc/PID/cmdline and `ps`; Jupyter opens its
 * server the same way. Returns the page's path.
 */
export async function writeLoginPage (home: string, loginUrl: string): Promise<string> {
  const to = escapeHtml(loginUrl)
  const page = '<!doctype html>\n<html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">\n' +
    `<meta http-equiv="refresh" content="0;url=${to}">\n<title>mesh dashboard</title></head>\n` +
    `<body><p>Opening the <a href="${to}">mesh dashboard</a>…</p></body></html>\n`
  const path = join(home, LOGIN_PAGE_FILE)
  await atomicWrite(path, page, 0o600)
  return path
}
