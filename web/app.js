// The mesh dashboard: a view over the daemon's local HTTP API and its event stream, which also
// revokes devices and approves new ones (each behind a confirmation a person gives: the review
// of a pairing, the device's label typed again for a revoke). No framework and no build step. Everything shown comes from /api with the bearer token; the
// login URL's fragment (never sent to a server) carries a single-use code, which the page trades
// once for the token (POST /api/login), so the browser's history keeps nothing that opens the
// API; the token is kept in this page's memory only: not in sessionStorage, which a reloaded or restored tab hands to
// whatever page then serves this address (another local user's, once the daemon has stopped).
// Data from the mesh is inserted as text, never as HTML.
// The page in modules (ES modules, served as they are): dom, state, calls, page, devices, sessions,
// events, each depending only on those before it; this one logs in and starts them.
import { $ } from './dom.js'
import { state } from './state.js'
import { Unauthorized, Unproven } from './calls.js'
import { failed, showLogin } from './page.js'
import { loadPeers, renderDevices, wireDevices } from './devices.js'
import { renderSessions } from './sessions.js'
import { connectEvents, loadAll } from './events.js'

const PEERS_REFRESH_MS = 5000

// ---- token and login ----

/**
 * The token, from the login URL taken once: its code (`#code=`, what `mesh dashboard` prints)
 * traded for the token, or a token itself (`#token=`, a link a script built from api.token).
 * Kept in state.token only, so a reload forgets it. `{ token: null, reason }` when the code opens
 * nothing (used, expired, or from an earlier start of the daemon) or nothing answers.
 */
async function login () {
  const m = /(?:^|[#&])(code|token)=([0-9a-fA-F]{16,})/.exec(location.hash)
  if (!m) return { token: null }
  // Off the address bar and the session history entry. The browser's history database recorded
  // the URL, fragment and all, before this runs: a code there is used up (or soon expired), which
  // is why the link carries one and not the token.
  history.replaceState(null, '', location.pathname + location.search)
  if (m[1] === 'token') return { token: m[2] }
  let res
  try {
    res = await fetch('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: m[2].toLowerCase() }), cache: 'no-store' })
  } catch {
    return { token: null, reason: `Nothing answers at ${location.host}: start \`mesh join\`, then run \`mesh dashboard\` for a login link.` }
  }
  const out = await res.json().catch(() => ({}))
  if (res.ok && typeof out?.token === 'string') return { token: out.token }
  return { token: null, reason: out?.error?.message ?? `The daemon answered ${res.status} to this login link. Run \`mesh dashboard\` for a new one.` }
}

async function start () {
  const got = await login()
  state.token = got.token
  if (!state.token) { showLogin(got.reason); return }
  try {
    await loadAll()
  } catch (err) {
    if (err instanceof Unproven) { showLogin(`The server at ${location.host} does not hold this login link's token (the link is from an earlier start of the daemon or from another home, or another program serves this address), so the page sent it nothing. Run \`mesh dashboard\` for a fresh login link.`); return }
    if (err instanceof Unauthorized) { showLogin(err.message); return }
    failed(err)
  }
  $('#login').hidden = true
  $('#app').hidden = false
  connectEvents()
  // The peers list is polled for round-trip times (not while the stream is down: the reconnect
  // says what is wrong); 'last seen … ago' and 'last write … ago' are redrawn with it.
  state.timers.peers = setInterval(() => {
    if (state.live) loadPeers().catch(failed)
    if (!$('#revoke-dialog').open) renderDevices(state.deviceList)
    renderSessions(state.sessions)
  }, PEERS_REFRESH_MS)
}

wireDevices()
document.addEventListener('mesh:select', () => { connectEvents() })
window.addEventListener('hashchange', () => { if (/(?:code|token)=/.test(location.hash)) location.reload() })
start()
