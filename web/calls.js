// The daemon's HTTP API as the page calls it: the bearer token, the server's proof that it holds
// that token before it is sent (after the stream dropped), and the API's errors in words.
import { state } from './state.js'

export class Unauthorized extends Error {}
/** The server here did not prove it holds the token (serverProves): nothing was sent to it. */
export class Unproven extends Error {}
export const UNPROVEN = () => `The server at ${location.host} does not prove it holds this page's token: the daemon was started again with a new token, or another program took its port. This page has forgotten the token and sent it nothing. Run \`mesh dashboard\` again for a fresh login link.`
/** An error the API answered with: its stable code and details (PAIRING_FAILED has details.reason). */
export class ApiError extends Error {
  constructor (method, error, status) {
    super(`${method}: ${error?.code ?? status} ${error?.message ?? ''}`)
    this.code = error?.code ?? `HTTP_${status}`
    this.apiMessage = error?.message ?? ''
    this.details = error?.details ?? {}
  }
}

// ---- the API ----
// One entry per method the dashboard reads: the HTTP route the daemon derives from the schema.
export const ROUTES = {
  'node.status': ['GET', '/api/status'],
  'peers.list': ['GET', '/api/peers'],
  'devices.list': ['GET', '/api/devices'],
  'devices.revoke': ['POST', '/api/devices/revoke'],
  'devices.approve': ['POST', '/api/devices/approve'],
  'devices.decide': ['POST', '/api/devices/decide'],
  'sessions.list': ['GET', '/api/sessions'],
  'sessions.show': ['GET', '/api/sessions/{key}']
}

export async function call (method, input = {}, signal) {
  const [verb, template] = ROUTES[method]
  const rest = { ...input }
  const path = template.replace(/\{(\w+)\}/g, (_, name) => { const v = rest[name]; delete rest[name]; return encodeURIComponent(v) })
  // While the stream is down (the daemon may have stopped and another local user taken its port),
  // the server here proves it holds the token before the token goes out.
  if (!state.live && !await serverProves(signal)) throw new Unproven(UNPROVEN())
  const headers = { authorization: `Bearer ${state.token}` }
  let url = path
  let body
  if (verb === 'GET' || verb === 'DELETE') {
    const qs = new URLSearchParams()
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) qs.set(k, String(v))
    const q = qs.toString()
    if (q) url += `?${q}`
  } else {
    headers['content-type'] = 'application/json'
    body = JSON.stringify(rest)
  }
  const res = await fetch(url, { method: verb, headers, body, cache: 'no-store', signal })
  if (res.status === 401) throw new Unauthorized('the daemon refused this token')
  const out = await res.json()
  if (!res.ok) throw new ApiError(method, out?.error, res.status)
  return out
}

// What an error code means for the person at the page, in words; the code itself follows.
const PAIRING_REASONS = {
  'wrong-code': 'The code did not match. It is used up now: the new machine shows a fresh code, enter that one.',
  'not-found': 'No machine showing this code answered. Check the code, and that `mesh pair` still runs on the new machine, on this network (or started with --via this device).',
  expired: 'The code expired (a code lasts 10 minutes): the new machine shows a fresh one.',
  timeout: 'The pairing waited too long for a decision and was dropped: start again with the code the new machine shows.',
  busy: 'That machine takes no approval right now: another one is under way, or it pauses after wrong codes (its screen says until when). Try again then.',
  refused: 'That machine cut this device off for a while after wrong codes from its address (its screen says until when): check the code, and approve again once that time is past.',
  aborted: 'Cancelled: nothing was granted.',
  denied: 'Refused: nothing was granted.',
  invalid: 'The new machine sent something that does not check out, so the pairing stopped.',
  nameplate: 'No machine showing this code answered: check the code.',
  version: 'The new machine runs a version of mesh that pairs differently: update mesh on one side.',
  done: 'That machine is paired already.'
}
export function explain (err) {
  if (!(err instanceof ApiError)) return String(err?.message ?? err)
  const words = (() => {
    switch (err.code) {
      case 'PAIRING_FAILED': return PAIRING_REASONS[err.details?.reason] ?? `Pairing failed: ${err.apiMessage}`
      case 'NOT_ADMIN': return 'This device is not an admin: only an admin device can approve or revoke devices.'
      case 'MISSING_CAPABILITY': case 'READ_ONLY': return `This device may not do that: ${err.apiMessage}`
      // A pairing no longer held was dropped undecided: the API's message says so with the CLI's
      // command (`mesh devices approve`), where this page's own step is to find the device again.
      case 'NOT_FOUND': return err.details?.pairing !== undefined ? PAIRING_REASONS.timeout : `Not found: ${err.apiMessage}`
      case 'INVALID_INPUT': case 'USAGE': return err.apiMessage
      case 'ABORTED': return 'Cancelled.'
      case 'REVOKED_AUTHOR': return 'This device was revoked: it can no longer change the mesh.'
      default: return err.apiMessage || 'The daemon could not do it.'
    }
  })()
  const reason = err.details?.reason ? `, ${err.details.reason}` : ''
  return `${words} (${err.code}${reason})`
}

const hex = (bytes) => Array.from(new Uint8Array(bytes), b => b.toString(16).padStart(2, '0')).join('')

/** Whether the server here holds this page's token, asked without sending it (the daemon's /api/proof). */
async function serverProves (signal) {
  // Only a secure context has crypto.subtle: a loopback address is one; a non-loopback address the
  // user chose for the server (--http HOST:PORT) is not, and there is nothing to check with there.
  if (!globalThis.crypto?.subtle) return true
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)))
  const res = await fetch(`/api/proof?nonce=${nonce}`, { cache: 'no-store', signal })
  const got = res.ok ? (await res.json().catch(() => ({}))).proof : undefined
  const enc = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', enc.encode(state.token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const want = hex(await crypto.subtle.sign('HMAC', key, enc.encode(`mesh dashboard server proof\n${location.host.toLowerCase()}\n${nonce}`)))
  return got === want
}

/** 'unproven' (the server does not prove it holds the token: nothing was sent), 'refused' (401), 'gone' (nothing answers) or 'up'. */
export async function probe () {
  try {
    await call('node.status', {}, AbortSignal.timeout(5000))
    return 'up'
  } catch (err) {
    if (err instanceof Unauthorized) return 'refused'
    if (err instanceof Unproven) return 'unproven'
    // A network error (or no answer in time) is the answer here: nobody serves this address now.
    return err instanceof ApiError ? 'up' : 'gone'
  }
}
