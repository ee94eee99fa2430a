// The mesh dashboard: a view over the daemon's local HTTP API and its event stream, which also
// revokes devices and approves new ones (each behind a confirmation a person gives: the review
// of a pairing, the device's label typed again for a revoke). No framework and no build step. Everything shown comes from /api with the bearer token; the
// login URL's fragment (never sent to a server) carries a single-use code, which the page trades
// once for the token (POST /api/login), so the browser's history keeps nothing that opens the
// API; the token is kept in this page's memory only: not in sessionStorage, which a reloaded or restored tab hands to
// whatever page then serves this address (another local user's, once the daemon has stopped).
// Data from the mesh is inserted as text, never as HTML.
'use strict'

const TRANSCRIPT_TAIL = 200
// The most messages the open transcript keeps as elements, the oldest dropped first: an agent
// streaming into one session for hours would otherwise grow the page without end (a session of
// 34,000 messages took a tab to 1.9 GB). Message ids are remembered a while longer, so one that
// comes again (a reload of the tail, a replay) is not shown twice.
const TRANSCRIPT_MAX = TRANSCRIPT_TAIL
const SEEN_MAX = 4 * TRANSCRIPT_MAX
const PEERS_REFRESH_MS = 5000
// The daemon's LEASE_SKEW_MS (crdt/session.ts): no lease is called expired sooner than this after its end.
const LEASE_SKEW_MS = 2 * 60_000
// Reconnects that fail in a row before the page says the daemon is gone, and how often it tries then.
const GIVE_UP_AFTER = 5
const RECONNECT_MS = 1000
const RECONNECT_GONE_MS = 5000

const $ = (sel) => document.querySelector(sel)
const state = { token: null, devices: new Map(), deviceList: [], sessions: [], status: null, selected: null, seen: new Set(), hidden: 0, pending: [], loading: false, lastSeq: 0, run: null, ws: null, live: false, failures: 0, timers: {}, arriving: false, settling: undefined, copy: undefined, readVersion: -1, loadGen: 0 }

function el (tag, text, cls) {
  const e = document.createElement(tag)
  if (text !== undefined && text !== null) e.textContent = String(text)
  if (cls) e.className = cls
  return e
}
function row (cells) {
  const tr = document.createElement('tr')
  for (const c of cells) {
    const td = document.createElement('td')
    if (c instanceof Node) td.append(c); else td.textContent = c ?? ''
    tr.append(td)
  }
  return tr
}
const short = (id) => (typeof id === 'string' && id.length > 16) ? `${id.slice(0, 8)}…${id.slice(-6)}` : (id ?? '')
const labelOf = (deviceId, fallback) => state.devices.get(deviceId) ?? fallback ?? short(deviceId)
function when (ts) {
  if (typeof ts !== 'number') return ''
  const s = Math.round((Date.now() - ts) / 1000)
  const ago = s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : new Date(ts).toLocaleString()
  return ago
}
const clock = (ts) => new Date(ts).toLocaleTimeString([], { timeZoneName: 'short' })

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

function showLogin (reason) {
  state.token = null
  if (state.ws) { state.ws.onclose = null; state.ws.close() }
  for (const t of Object.values(state.timers)) clearInterval(t)
  state.live = false
  $('#app').hidden = true
  // Clear whatever was rendered so nothing stays in the page after a refused token.
  for (const tb of document.querySelectorAll('#app tbody, #transcript, #transcript-more, #transcript-arriving, #device-info, #device-revoked, #pair-facts')) tb.replaceChildren()
  closeRevoke()
  pairReset()
  $('#login-reason').textContent = reason ?? ''
  $('#login').hidden = false
  $('#conn').textContent = ''
}

class Unauthorized extends Error {}
/** The server here did not prove it holds the token (serverProves): nothing was sent to it. */
class Unproven extends Error {}
const UNPROVEN = () => `The server at ${location.host} does not prove it holds this page's token: the daemon was started again with a new token, or another program took its port. This page has forgotten the token and sent it nothing. Run \`mesh dashboard\` again for a fresh login link.`
/** An error the API answered with: its stable code and details (PAIRING_FAILED has details.reason). */
class ApiError extends Error {
  constructor (method, error, status) {
    super(`${method}: ${error?.code ?? status} ${error?.message ?? ''}`)
    this.code = error?.code ?? `HTTP_${status}`
    this.apiMessage = error?.message ?? ''
    this.details = error?.details ?? {}
  }
}

// ---- the API ----
// One entry per method the dashboard reads: the HTTP route the daemon derives from the schema.
const ROUTES = {
  'node.status': ['GET', '/api/status'],
  'peers.list': ['GET', '/api/peers'],
  'devices.list': ['GET', '/api/devices'],
  'devices.revoke': ['POST', '/api/devices/revoke'],
  'devices.approve': ['POST', '/api/devices/approve'],
  'devices.decide': ['POST', '/api/devices/decide'],
  'sessions.list': ['GET', '/api/sessions'],
  'sessions.show': ['GET', '/api/sessions/{key}']
}

async function call (method, input = {}, signal) {
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
function explain (err) {
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

// ---- rendering ----

function renderDevice (s) {
  const dl = $('#device-info')
  dl.replaceChildren()
  const add = (k, v, cls) => { const dd = el('dd', v, cls); dd.dataset.fact = k; dl.append(el('dt', k), dd) }
  add('label', s.label)
  add('device id', s.deviceId, 'mono')
  add('wallet', s.wallet, 'mono')
  add('capabilities', (s.capabilities ?? []).join(', '))
  add('home', s.home, 'mono')
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`
  if (typeof s.sessions === 'number') add('holds', `${n(s.sessions, 'session', 'sessions')}, ${n(s.memory ?? 0, 'memory entry', 'memory entries')}, ${n(s.skills ?? 0, 'skill', 'skills')}`)
  add('writes', writesText(s), s.revoked ? 'bad' : '')
  renderRevoked(s.revoked)
}

// Whether this device may write, and if not, why (the status says which applies).
function writesText (s) {
  if (s.certificate === undefined) return ''
  if (s.certificate.writable) return 'yes'
  if (s.revoked) return 'no: this device was revoked'
  if (s.daemon?.mirror) return 'no: a blind mirror holds no vault key'
  if (s.certificate.expired) return 'no: its certificate expired'
  return 'no: read-only'
}

// A revoked device's own page says so first: nothing it does reaches the mesh any more.
function renderRevoked (revoked) {
  const p = $('#device-revoked')
  p.hidden = !revoked
  if (!revoked) { p.replaceChildren(); return }
  const by = revoked.by.join(', ')
  const why = revoked.reason ? ` (${revoked.reason})` : ''
  p.replaceChildren(
    el('strong', 'This device was revoked'),
    ` ${new Date(revoked.at).toLocaleString([], { timeZoneName: 'short' })} by ${by}${why}. It keeps what it holds, but it writes nothing and no device syncs with it any more. To use this machine in the mesh again, pair it anew (`,
    el('code', 'mesh pair'), ', approved from an admin device).'
  )
}

// Per document: how many entries the peer lacks, by what it reported and said it took; of those, how many are in flight to it.
function syncText (p) {
  const docs = Object.entries(p.behind ?? {})
  const late = docs.filter(([, n]) => n > 0)
  const flying = (doc, n) => { const f = Math.min(n, p.inFlight?.[doc] ?? 0); return f > 0 ? ` (${f} in flight)` : '' }
  if (late.length > 0) return late.map(([doc, n]) => `${doc}: ${n} behind${flying(doc, n)}`).join(', ')
  if (p.inSync) return docs.length > 0 ? `in sync (${docs.length} documents)` : 'in sync'
  return p.state === 'connected' ? 'syncing' : ''
}

function renderPeers (peers) {
  const tb = $('#peers tbody')
  tb.replaceChildren()
  for (const p of peers) {
    const st = el('span', p.state === 'connected' ? 'proven, connected' : p.state, p.state === 'connected' ? 'ok' : 'muted')
    const tr = row([p.label, st, p.via ?? '', typeof p.rttMs === 'number' ? `${p.rttMs.toFixed(p.rttMs < 10 ? 1 : 0)} ms` : '—', syncText(p), el('span', short(p.peerId), 'mono')])
    tr.dataset.peer = p.peerId
    tr.dataset.state = p.state
    tb.append(tr)
  }
  $('#peers-empty').hidden = peers.length > 0
}

// Only an admin device that is not itself revoked can pair or revoke (the API says so too).
const isAdmin = () => (state.status?.capabilities ?? []).includes('admin') && !state.deviceList.find(d => d.self)?.revoked

function renderDevices (devices) {
  state.deviceList = devices
  state.devices.clear()
  const tb = $('#devices tbody')
  tb.replaceChildren()
  for (const d of devices) {
    state.devices.set(d.deviceId, d.label)
    const name = el('div')
    name.append(el('span', d.self ? `${d.label} (this device)` : d.label, d.self ? 'self' : ''), el('br'), el('span', short(d.deviceId), 'mono muted'))
    name.title = d.deviceId
    const granted = d.grantedAt ?? d.issuedAt
    const grantedText = `${new Date(granted).toLocaleString([], { timeZoneName: 'short' })}${d.expiresAt ? `, expires ${new Date(d.expiresAt).toLocaleString()}` : ''}`
    // The peer book forgets a revoked device: no date then is not "never".
    const seen = d.self || (d.online && !d.revoked) ? 'now' : d.lastSeen ? when(d.lastSeen) : d.revoked ? '—' : 'never'
    const online = d.revoked ? el('span', 'no', 'muted') : d.online ? el('span', d.self ? 'yes (this device)' : 'yes', 'ok') : el('span', 'no', 'muted')
    const revoked = d.revoked
      ? el('span', `${new Date(d.revoked.at).toLocaleString([], { timeZoneName: 'short' })} by ${d.revoked.by.join(', ')}${d.revoked.reason ? ` (${d.revoked.reason})` : ''}`, 'bad')
      : el('span', '—', 'muted')
    let action = ''
    if (!d.self && !d.revoked && isAdmin()) {
      action = el('button', 'Revoke…', 'revoke')
      action.addEventListener('click', () => { openRevoke(d) })
    }
    const tr = row([name, (d.capabilities ?? []).join(', '), d.enrolledBy ?? 'wallet', grantedText, seen, online, revoked, action])
    tr.dataset.device = d.deviceId
    tr.dataset.state = d.revoked ? 'revoked' : d.online ? 'online' : 'offline'
    tb.append(tr)
  }
  const note = $('#devices-note')
  note.hidden = isAdmin()
  note.textContent = isAdmin() ? '' : 'This device is not an admin: revoke from an admin device, or with `mesh devices revoke DEVICE --wallet PATH` on any device.'
  $('#pair-not-admin').hidden = isAdmin()
  $('#pair-form').hidden = !isAdmin()
}

// ---- revoking a device ----

let revoking = null
function openRevoke (d) {
  revoking = d
  $('#revoke-title').textContent = `Revoke ${d.label}?`
  $('#revoke-what').textContent = `${d.label} (${d.deviceId}) is cut off by every device at once and can never rejoin with its key. What it already holds stays with it; the vault key is rotated so it reads nothing written from now on. This cannot be undone: to use that machine again, pair it anew.`
  $('#revoke-name').textContent = d.label
  $('#revoke-confirm').value = ''
  $('#revoke-reason').value = ''
  $('#revoke-error').textContent = ''
  $('#revoke-go').textContent = `Revoke ${d.label}`
  $('#revoke-go').disabled = true
  $('#revoke-dialog').showModal()
  $('#revoke-confirm').focus()
}
function closeRevoke () {
  revoking = null
  const dlg = $('#revoke-dialog')
  if (dlg.open) dlg.close()
}
async function doRevoke () {
  const d = revoking
  if (!d || $('#revoke-confirm').value !== d.label) return
  $('#revoke-go').disabled = true
  $('#revoke-error').textContent = ''
  try {
    // By id: the label typed is the person's confirmation, the id is what is revoked.
    const reason = $('#revoke-reason').value.trim()
    const r = await call('devices.revoke', { device: d.deviceId, reason: reason || undefined })
    closeRevoke()
    const said = r.revoked.map(x => `Revoked ${x.label}: every connected device cut it off; the ${x.keptEntries} entries it wrote before stay.`)
    if (r.rotation !== undefined) said.push(`The vault key was rotated (rotation ${r.rotation}).`)
    else if (r.owed) said.push('The vault key rotation is owed: the next device that can write makes it.')
    $('#devices-result').textContent = said.join(' ')
    $('#devices-result').className = 'ok'
    await loadDevices()
  } catch (err) {
    if (err instanceof Unauthorized) { failed(err); return }
    $('#revoke-error').textContent = explain(err)
    $('#revoke-go').disabled = $('#revoke-confirm').value !== d.label
  }
}

// ---- pairing a device: find by code, review, then approve or deny ----

const pair = { abort: null, review: null }
function pairStatus (text, cls) { $('#pair-status').textContent = text; $('#pair-status').className = cls ?? '' }
function pairBusy (busy) {
  for (const e of document.querySelectorAll('#pair-form input, #pair-find')) e.disabled = busy
  $('#pair-cancel').hidden = !busy
}
function pairReset () {
  pair.abort?.abort()
  pair.abort = null
  pair.review = null
  pairBusy(false)
  $('#pair-review').hidden = true
  $('#pair-facts').replaceChildren()
}
const VIA = { mdns: 'found on the local network (mDNS)', inbound: 'it dialed this device (mesh pair --via)', dial: 'dialed by this device' }

function renderReview (r) {
  const dl = $('#pair-facts')
  dl.replaceChildren()
  const add = (k, v, cls, claim) => {
    const dd = el('dd', v, cls)
    if (claim) dd.append(' ', el('span', 'claimed', 'claim'))
    dd.dataset.fact = k
    dl.append(el('dt', k), dd)
  }
  add('label', r.label)
  add('host', r.claims.hostname, '', true)
  add('system', `${r.claims.os} ${r.claims.arch}, mesh ${r.claims.meshVersion}`, '', true)
  add('fingerprint', r.fingerprint, 'mono fingerprint')
  add('PeerId', r.deviceId, 'mono')
  add('reached at', `${r.address} (${VIA[r.via] ?? r.via})`, 'mono')
  add('asks for', r.requested.join(', '))
  add('will get', r.granting.join(', '))
  if (Math.abs(r.clockSkewMs) > 120_000) add('clock', `${Math.round(r.clockSkewMs / 1000)} s off this device's clock`, 'warn')
  $('#pair-review').hidden = false
}

async function findDevice () {
  if (pair.abort) return
  const code = $('#pair-code').value.trim()
  // '' (the default): what the device asked for.
  const role = document.querySelector('#pair-role input[name=role]:checked')?.value || undefined
  const listen = $('#pair-listen').value.trim()
  const dial = $('#pair-dial').value.trim()
  $('#pair-error').textContent = ''
  $('#pair-review').hidden = true
  if (!$('#pair-mdns').checked && !listen && !dial) {
    $('#pair-error').textContent = 'With the local network search off, give an address to listen on (for `mesh pair --via`) or the new machine\'s address to dial.'
    return
  }
  const ac = new AbortController()
  pair.abort = ac
  pairBusy(true)
  pairStatus(`Looking for the machine showing ${code}…`, 'muted')
  try {
    const r = await call('devices.approve', { code, role, listen: listen ? [listen] : undefined, dial: dial ? [dial] : undefined, mdns: $('#pair-mdns').checked }, ac.signal)
    if (pair.abort !== ac) return
    pair.abort = null
    pair.review = r
    $('#pair-cancel').hidden = true
    pairStatus(`Found '${r.label}'. Compare its fingerprint with the one on its screen.`, '')
    renderReview(r)
  } catch (err) {
    if (pair.abort !== ac && ac.signal.aborted) return
    pair.abort = null
    pairBusy(false)
    if (err instanceof Unauthorized) { failed(err); return }
    pairStatus('')
    $('#pair-error').textContent = ac.signal.aborted ? 'Cancelled: nothing was granted.' : explain(err)
  }
}

async function decide (approve) {
  const r = pair.review
  if (!r) return
  pair.review = null
  for (const b of document.querySelectorAll('#pair-review button')) b.disabled = true
  pairStatus(approve ? `Approving '${r.label}'…` : `Refusing '${r.label}'…`, 'muted')
  try {
    const d = await call('devices.decide', { pairing: r.pairing, approve })
    pairStatus(d.approved ? `Approved: '${d.label}' (${d.deviceId}), granted ${d.capabilities.join(', ')}. Start it with mesh join on that machine.` : 'Refused: nothing was granted; the new machine shows a fresh code.', d.approved ? 'ok' : '')
    if (d.approved) $('#pair-code').value = ''
    loadDevices().catch(failed)
  } catch (err) {
    if (err instanceof Unauthorized) { failed(err); return }
    pairStatus('')
    $('#pair-error').textContent = explain(err)
  } finally {
    for (const b of document.querySelectorAll('#pair-review button')) b.disabled = false
    $('#pair-review').hidden = true
    pairBusy(false)
  }
}

// A page closed or reloaded during the review would leave the new machine waiting minutes for a
// decision nobody can make any more (the review lives only in this page): it is refused instead,
// so the machine shows a fresh code at once. keepalive lets the request outlive the page.
function refuseOnLeave () {
  const r = pair.review
  // Not while the stream is down: the page has no time left to ask the server here for its proof.
  if (!r || !state.token || !state.live) return
  pair.review = null
  const [verb, path] = ROUTES['devices.decide']
  fetch(path, { method: verb, keepalive: true, headers: { authorization: `Bearer ${state.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ pairing: r.pairing, approve: false }) }).catch(() => {
    // The page is going away: nobody is left to tell, and the daemon drops the run in time anyway.
  })
}

function wireDevices () {
  window.addEventListener('pagehide', refuseOnLeave)
  $('#revoke-confirm').addEventListener('input', () => { $('#revoke-go').disabled = !revoking || $('#revoke-confirm').value !== revoking.label })
  $('#revoke-confirm').addEventListener('keydown', (e) => { if (e.key === 'Enter') doRevoke() })
  $('#revoke-go').addEventListener('click', () => { doRevoke() })
  $('#revoke-cancel').addEventListener('click', closeRevoke)
  $('#revoke-dialog').addEventListener('close', () => { revoking = null })
  $('#pair-form').addEventListener('submit', (e) => { e.preventDefault(); findDevice() })
  $('#pair-cancel').addEventListener('click', () => { pair.abort?.abort(); pair.abort = null; pairBusy(false); pairStatus('Cancelled: nothing was granted.', 'muted') })
  $('#pair-approve').addEventListener('click', () => { decide(true) })
  $('#pair-deny').addEventListener('click', () => { decide(false) })
}

function leaseText (lease) {
  if (!lease) return el('span', 'nobody', 'muted')
  const who = lease.label ?? labelOf(lease.device)
  if (lease.expired) return el('span', `${who} (expired ${when(lease.expiresAt)})`, 'muted')
  return el('span', `${who} until ${clock(lease.expiresAt)}`, 'warn')
}

// Drawn again from the last list on the clock too ('last write … ago'), and often on events: the
// session whose key had the keyboard focus keeps it. The same sessions in the same order have
// their cells updated in place: a row replaced between a press and its release (a mouse button,
// or Space, which a button acts on when it is let go) lost the click.
function renderSessions (list) {
  state.sessions = list
  const tb = $('#sessions tbody')
  const rows = [...tb.children]
  if (rows.length > 0 && rows.length === list.length && list.every((s, i) => rows[i].dataset.key === s.key)) {
    list.forEach((s, i) => {
      const cells = rows[i].children
      // A cell is text, or an element (the lease, with its class): either is put in place when it differs.
      sessionCells(s).forEach((c, j) => {
        const td = cells[j + 1]
        if (c instanceof Node) { if (td.firstChild?.isEqualNode(c) !== true) td.replaceChildren(c) } else if (td.textContent !== (c ?? '')) td.textContent = c ?? ''
      })
    })
    markSelected()
    watchLeases(list)
    return
  }
  const focused = document.activeElement?.closest?.('#sessions tbody tr')?.dataset.key
  let refocus = null
  tb.replaceChildren()
  for (const s of list) {
    // A button, so Tab reaches the session and Enter or Space opens it.
    const open = el('button', s.key, 'key mono')
    open.type = 'button'
    open.setAttribute('aria-controls', 'transcript-panel')
    const tr = row([open, ...sessionCells(s)])
    tr.dataset.key = s.key
    // A click anywhere on the row opens it; the button's own click (mouse or key) bubbles here.
    tr.addEventListener('click', () => { select(s.key) })
    tb.append(tr)
    if (s.key === focused) refocus = open
  }
  refocus?.focus({ preventScroll: true })
  markSelected()
  $('#sessions-empty').hidden = list.length > 0
  watchLeases(list)
}

// A session's cells after its key: title, status, lease, last write.
function sessionCells (s) {
  const w = s.lastWriter
  return [s.title ?? '', s.status ?? '', leaseText(s.lease), w ? `${w.label ?? labelOf(w.device)}, ${when(w.ts)}` : '']
}

function markSelected () {
  for (const tr of document.querySelectorAll('#sessions tbody tr')) {
    const on = tr.dataset.key === state.selected
    tr.classList.toggle('selected', on)
    if (on) tr.setAttribute('aria-current', 'true'); else tr.removeAttribute('aria-current')
  }
}

// The daemon decides when a lease has run out (it allows for clock skew, and a holder still online
// keeps it): the list is asked again once the first lease shown live could have. A holder going
// offline later is a peer.lost event, which reloads the list too.
function watchLeases (list) {
  clearTimeout(state.timers.lease)
  const now = Date.now()
  const ends = list.map(s => s.lease).filter(l => l && !l.expired).map(l => l.expiresAt + LEASE_SKEW_MS).filter(t => t > now)
  if (ends.length > 0) state.timers.lease = setTimeout(() => { loadSessions().catch(failed) }, Math.min(...ends) - now + 1000)
}

function messageItem (m) {
  const li = el('li')
  li.dataset.id = m.id
  li.append(el('div', `${m.role} · ${m.author ?? labelOf(m.device)} · ${new Date(m.ts).toLocaleString([], { timeZoneName: 'short' })}`, 'who'))
  let text = m.content ?? ''
  if (m.toolCall) text += `${text ? '\n' : ''}→ ${m.toolCall.name}(${m.toolCall.input === undefined ? '' : JSON.stringify(m.toolCall.input)})`
  if (m.toolResult) text += `${text ? '\n' : ''}← ${m.toolResult.isError ? 'error: ' : ''}${m.toolResult.output}`
  li.append(el('div', text, 'text'))
  return li
}

function remember (id) {
  state.seen.add(id)
  // A Set iterates in insertion order: the first is the oldest.
  if (state.seen.size > SEEN_MAX) state.seen.delete(state.seen.values().next().value)
}

function appendMessages (messages) {
  const ol = $('#transcript')
  const fresh = []
  for (const m of messages) {
    if (state.seen.has(m.id)) continue
    remember(m.id)
    fresh.push(m)
  }
  if (fresh.length === 0) return
  // A burst larger than what is kept (a catch-up) makes elements for the newest only.
  const skip = Math.max(0, fresh.length - TRANSCRIPT_MAX)
  state.hidden += skip
  for (const m of fresh.slice(skip)) ol.append(messageItem(m))
  while (ol.childElementCount > TRANSCRIPT_MAX) { ol.firstElementChild.remove(); state.hidden++ }
  renderHidden()
  ol.lastElementChild?.scrollIntoView({ block: 'nearest' })
}

// Says that earlier messages are not shown, and where the whole transcript is.
function renderHidden () {
  const p = $('#transcript-more')
  p.hidden = state.hidden === 0
  if (state.hidden === 0) { p.replaceChildren(); return }
  const key = state.selected
  p.replaceChildren(
    `${state.hidden} earlier ${state.hidden === 1 ? 'message is' : 'messages are'} not shown: this page keeps the last ${TRANSCRIPT_MAX}. The whole transcript: `,
    el('code', `mesh session show ${key} --all`), ', or ',
    el('code', `GET /api/sessions/${encodeURIComponent(key)}?all=true`), '.'
  )
}

function select (key) {
  state.selected = key
  state.seen.clear()
  state.hidden = 0
  state.pending = []
  markSelected()
  $('#transcript').replaceChildren()
  renderHidden()
  renderArriving(undefined)
  state.settling = undefined
  state.copy = undefined
  state.readVersion = -1
  $('#transcript-key').textContent = key
  $('#transcript-panel').hidden = false
  // A new stream that asks for this session's messages, from our cursor: nothing is missed in
  // between, and the tail is loaded once it is open (loadTranscript, from onopen).
  connectEvents()
}

// A session that is still coming from a peer (part of it here, or none yet): how far, said above
// the transcript, and looked at again every ARRIVING_RECHECK_MS until it has all come.
const ARRIVING_RECHECK_MS = 2000
const megabytes = (n) => `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`

function renderArriving (a, held) {
  const p = $('#transcript-arriving')
  clearTimeout(state.timers.arriving)
  state.arriving = Boolean(a)
  p.hidden = !a
  if (!a) { p.textContent = ''; return }
  const pct = a.bytesTotal > 0 ? Math.floor(a.bytesDone * 100 / a.bytesTotal) : 0
  const left = a.etaMs !== undefined ? `, about ${Math.ceil(a.etaMs / 1000)} s left` : ''
  p.textContent = `Arriving from ${a.from}: ${pct}% (${megabytes(a.bytesDone)} of ${megabytes(a.bytesTotal)})${left}; ${held ? 'shown as it has come so far' : 'none of it is here yet'}.`
  const key = state.selected
  state.timers.arriving = setTimeout(() => { if (state.selected === key) loadTranscript().catch(failed) }, ARRIVING_RECHECK_MS)
}

async function loadTranscript () {
  const key = state.selected
  if (!key) return
  // One answer counts: that of the load asked for last (an older one may come after it).
  const gen = ++state.loadGen
  state.loading = true
  try {
    let shown
    try {
      shown = await call('sessions.show', { key, tail: TRANSCRIPT_TAIL })
    } catch (err) {
      // Another session opened meanwhile, or a newer load runs: this answer is nobody's.
      if (state.selected !== key || gen !== state.loadGen) return
      // None of it here yet, on its way: said as such (not as an error of the page), and asked again.
      if (err instanceof ApiError && err.code === 'SESSION_NOT_FOUND' && err.details.arriving) { renderArriving(err.details.arriving, false); return }
      // Anything else (the transfer stopped, the daemon went): no word of an arrival stays up.
      renderArriving(undefined)
      throw err
    }
    if (state.selected !== key || gen !== state.loadGen) return
    // All of it here now, after an arrival whose messages came in no set order (a snapshot's parts,
    // entries): the transcript is drawn again from its tail. The last parts may still be applied
    // after the transfer is done: drawn again every ARRIVING_RECHECK_MS until two reads in a row
    // find the session unchanged. Messages told while this load ran (pending) and newer than the
    // read are added after it. Likewise a session the daemon loaded again from its store since
    // the last read (another copy): a change shown ahead of a signature that never came is gone
    // from it, and from the page.
    const now = `${shown.copy}/${shown.version}`
    const redraw = (state.arriving && !shown.arriving) || state.settling !== undefined || (state.copy !== undefined && shown.copy !== state.copy)
    if (redraw) {
      const settled = state.settling === now
      $('#transcript').replaceChildren()
      state.seen.clear()
      state.settling = settled ? undefined : now
      clearTimeout(state.timers.arrived)
      if (!settled) state.timers.arrived = setTimeout(() => { if (state.selected === key) loadTranscript().catch(failed) }, ARRIVING_RECHECK_MS)
    }
    // Later loads add to what is shown. Whatever of the session is not shown is counted from the
    // read, not from what the stream told: a message told after the read that holds it (the
    // stream and a read come by different ways, in either order) would be counted twice.
    appendMessages(shown.messages ?? [])
    state.copy = shown.copy
    state.readVersion = shown.version
    state.hidden = Math.max(0, shown.messageCount - $('#transcript').childElementCount)
    renderHidden()
    renderArriving(shown.arriving, true)
  } catch (err) { failed(err) } finally {
    // Messages that arrived on the event stream while the page was loading the tail.
    if (state.selected === key && gen === state.loadGen) { state.loading = false; for (const e of state.pending.splice(0)) told(e) }
  }
}

// Messages the event stream told of the open session. Those the last read already holds (the
// read's copy, at or below its version) are not added again. Those of another copy than the
// last read's (the daemon loaded the session again from its store) are read again instead.
function told (e) {
  if (state.copy === undefined || e.copy === undefined || (e.copy === state.copy && e.version > state.readVersion)) { appendMessages(e.messages); return }
  if (e.copy !== state.copy) soon('transcript', loadTranscript)
}

// ---- loading and live updates ----

function failed (err) {
  // Forgotten, not kept for later: a page another server serves at this address could read it.
  if (err instanceof Unauthorized || err instanceof Unproven) { showLogin(err.message); return }
  conn(`error: ${err?.message ?? err}`, 'bad')
}

async function loadPeers () { renderPeers(await call('peers.list')) }
async function loadDevices () { renderDevices(await call('devices.list')) }
async function loadSessions () { renderSessions(await call('sessions.list', { details: true })) }
async function loadStatus () {
  state.status = await call('node.status')
  renderDevice(state.status)
}
async function loadAll () {
  await loadStatus()
  await loadDevices()
  await Promise.all([loadPeers(), loadSessions()])
}

// Several events in a burst cause one reload. The sessions list opens every session on the
// daemon (details), so while an agent streams messages it is reloaded at most once a second.
const SOON_MS = { sessions: 1000, peers: 300, transcript: 150, devices: 200, status: 200 }
function soon (name, fn) {
  if (state.timers[`soon:${name}`]) return
  state.timers[`soon:${name}`] = setTimeout(() => { delete state.timers[`soon:${name}`]; fn().catch(failed) }, SOON_MS[name] ?? 300)
}

function onEvent ({ hello, seq, event: e }) {
  // The stream's first message names the daemon's run; lists are reloaded on every open anyway.
  if (hello) { state.run = hello.run; if (hello.reset) state.lastSeq = 0; return }
  if (typeof seq === 'number') state.lastSeq = seq
  switch (e.type) {
    case 'message.appended':
      if (e.key === state.selected) { if (state.loading) state.pending.push(e); else told(e) }
      soon('sessions', loadSessions)
      break
    case 'session.changed':
      // Changed on a peer but not streamed in full (not the open one, or a race with opening it).
      if (e.key === state.selected) soon('transcript', loadTranscript)
      soon('sessions', loadSessions)
      break
    case 'session.created':
      soon('sessions', loadSessions)
      soon('status', loadStatus) // holds N sessions
      break
    case 'lease.changed': case 'task.changed':
      soon('sessions', loadSessions)
      break
    case 'memory.changed': case 'skills.changed':
      soon('status', loadStatus) // holds N memory entries, N skills
      break
    case 'peer.proven': case 'peer.lost': case 'peer.refused':
      soon('peers', loadPeers)
      soon('devices', loadDevices) // online now, last seen
      // A lease past its end stays live only while its holder is online.
      if (e.type === 'peer.lost') soon('sessions', loadSessions)
      break
    case 'doc.synced':
      soon('peers', loadPeers)
      break
    case 'devices.changed': case 'device.rights':
      // Enrolled, revoked or re-certified, here or on a peer; this device's own rights come with its status.
      if (e.type === 'device.rights' && e.deviceId === state.status?.deviceId) soon('rights', loadRights)
      else soon('devices', loadDevices)
      // A revoked device's lease ends with its revocation.
      if (e.type === 'devices.changed' && e.op === 'revoke') soon('sessions', loadSessions)
      break
    case 'device.revoked':
      // This device was revoked: its status says so, and that it writes nothing now.
      soon('rights', loadRights)
      break
  }
}

// This device's own rights changed: its status first, since the devices panel offers what it allows.
async function loadRights () {
  await loadStatus()
  await loadDevices()
}

function conn (text, cls) { $('#conn').textContent = text; $('#conn').className = cls }

function connectEvents () {
  if (state.ws) { const old = state.ws; state.ws = null; old.onclose = null; old.close() }
  state.live = false
  const url = new URL(`/api/events?after=${state.lastSeq}`, location.href)
  // The open transcript's session comes in full (messages); others only say that they changed.
  if (state.selected) url.searchParams.set('sessions', state.selected)
  if (state.run) url.searchParams.set('run', state.run)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  // Browsers cannot set Authorization on a WebSocket: the token rides as a subprotocol.
  const ws = new WebSocket(url, ['mesh.events', `bearer.${state.token}`])
  state.ws = ws
  let opened = false
  ws.onopen = () => {
    opened = true
    state.live = true
    state.failures = 0
    conn('live', 'ok')
    // Anything that changed while disconnected is in the reloaded lists (and replayed after lastSeq).
    loadAll().catch(failed)
    loadTranscript().catch(failed)
  }
  ws.onmessage = (m) => { try { onEvent(JSON.parse(m.data)) } catch (err) { failed(err) } }
  ws.onclose = () => {
    if (state.ws !== ws || state.token === null) return
    state.live = false
    if (opened) conn('reconnecting…', 'warn')
    else state.failures++
    setTimeout(reconnect, RECONNECT_MS)
  }
}

function reconnect () { if (state.token !== null && !state.live) checkThenConnect().catch(failed) }

// After the stream dropped, the token goes to this address again only once the server there has
// proved it holds it (probe): when a daemon stops, another local user may take its port. A
// browser tells a WebSocket refused with HTTP 401 (a token the daemon no longer accepts) from one
// nobody answered only as close code 1006 both times: the probe's plain requests tell them apart.
async function checkThenConnect () {
  const answer = await probe()
  if (state.token === null || state.live) return
  if (answer === 'up') { connectEvents(); return }
  state.failures++
  if (answer === 'unproven') { showLogin(UNPROVEN()); return }
  if (answer === 'refused') {
    showLogin('The daemon answered 401: it no longer accepts this page\'s token (it was restarted with a new one, or another home\'s daemon serves this port now). Run `mesh dashboard` again for a fresh login link.')
    return
  }
  const gone = answer === 'gone' && state.failures >= GIVE_UP_AFTER
  if (gone) conn(`The daemon does not answer at ${location.host}: mesh join has stopped, or serves on another port now. Start it again (mesh join); mesh dashboard opens this page at its address. Still trying every ${RECONNECT_GONE_MS / 1000} s.`, 'bad')
  else conn(answer === 'gone' ? 'reconnecting… (the daemon does not answer)' : 'reconnecting…', 'warn')
  setTimeout(reconnect, gone ? RECONNECT_GONE_MS : RECONNECT_MS)
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
async function probe () {
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
window.addEventListener('hashchange', () => { if (/(?:code|token)=/.test(location.hash)) location.reload() })
start()
