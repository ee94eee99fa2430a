// The mesh dashboard: a read-only view over the daemon's local HTTP API and its event stream.
// No framework and no build step. Everything shown comes from /api with the bearer token; the
// token arrives once in the login URL's fragment (never sent to a server, never in history) and is
// kept in sessionStorage for this tab only. Data from the mesh is inserted as text, never as HTML.
'use strict'

const TOKEN_KEY = 'mesh.token'
const TRANSCRIPT_TAIL = 200
const PEERS_REFRESH_MS = 5000

const $ = (sel) => document.querySelector(sel)
const state = { token: null, devices: new Map(), selected: null, seen: new Set(), pending: [], loading: false, lastSeq: 0, run: null, ws: null, timers: {} }

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

function readToken () {
  const m = /(?:^|[#&])token=([0-9a-fA-F]{16,})/.exec(location.hash)
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1])
    // Drop the token from the address bar and the history entry.
    history.replaceState(null, '', location.pathname + location.search)
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

function showLogin (reason) {
  state.token = null
  sessionStorage.removeItem(TOKEN_KEY)
  if (state.ws) { state.ws.onclose = null; state.ws.close() }
  for (const t of Object.values(state.timers)) clearInterval(t)
  $('#app').hidden = true
  // Clear whatever was rendered so nothing stays in the page after a refused token.
  for (const tb of document.querySelectorAll('#app tbody, #transcript, #device-info')) tb.replaceChildren()
  $('#login-reason').textContent = reason ?? ''
  $('#login').hidden = false
  $('#conn').textContent = ''
}

class Unauthorized extends Error {}

// ---- the API ----
// One entry per method the dashboard reads: the HTTP route the daemon derives from the schema.
const ROUTES = {
  'node.status': ['GET', '/api/status'],
  'peers.list': ['GET', '/api/peers'],
  'devices.list': ['GET', '/api/devices'],
  'sessions.list': ['GET', '/api/sessions'],
  'sessions.show': ['GET', '/api/sessions/{key}']
}

async function call (method, input = {}) {
  const [verb, template] = ROUTES[method]
  const rest = { ...input }
  const path = template.replace(/\{(\w+)\}/g, (_, name) => { const v = rest[name]; delete rest[name]; return encodeURIComponent(v) })
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) qs.set(k, String(v))
  const q = qs.toString()
  const res = await fetch(path + (q ? `?${q}` : ''), { method: verb, headers: { authorization: `Bearer ${state.token}` }, cache: 'no-store' })
  if (res.status === 401) throw new Unauthorized('the daemon refused this token')
  const body = await res.json()
  if (!res.ok) throw new Error(`${method}: ${body?.error?.code ?? res.status} ${body?.error?.message ?? ''}`)
  return body
}

// ---- rendering ----

function renderDevice (s) {
  const dl = $('#device-info')
  dl.replaceChildren()
  const add = (k, v, mono) => { dl.append(el('dt', k), el('dd', v, mono ? 'mono' : '')) }
  add('label', s.label)
  add('device id', s.deviceId, true)
  add('wallet', s.wallet, true)
  add('capabilities', (s.capabilities ?? []).join(', '))
  add('home', s.home, true)
  const n = (k, one, many) => `${k} ${k === 1 ? one : many}`
  if (typeof s.sessions === 'number') add('holds', `${n(s.sessions, 'session', 'sessions')}, ${n(s.memory ?? 0, 'memory entry', 'memory entries')}, ${n(s.skills ?? 0, 'skill', 'skills')}`)
}

// Per document: how many entries the peer lacks by its last report.
function syncText (p) {
  const docs = Object.entries(p.behind ?? {})
  const late = docs.filter(([, n]) => n > 0)
  if (late.length > 0) return late.map(([doc, n]) => `${doc}: ${n} behind`).join(', ')
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

function renderDevices (devices) {
  state.devices.clear()
  const tb = $('#devices tbody')
  tb.replaceChildren()
  for (const d of devices) {
    state.devices.set(d.deviceId, d.label)
    const name = d.self ? `${d.label} (this device)` : d.label
    const seen = d.self ? el('span', 'online', 'ok') : d.online ? el('span', 'online', 'ok') : el('span', d.lastSeen ? `offline, seen ${when(d.lastSeen)}` : 'offline', 'muted')
    const tr = row([name, seen, (d.capabilities ?? []).join(', '), el('span', short(d.deviceId), 'mono')])
    tr.dataset.device = d.deviceId
    tb.append(tr)
  }
}

function leaseText (lease) {
  if (!lease) return el('span', 'nobody', 'muted')
  const who = lease.label ?? labelOf(lease.device)
  if (lease.expired) return el('span', `${who} (expired ${when(lease.expiresAt)})`, 'muted')
  return el('span', `${who} until ${clock(lease.expiresAt)}`, 'warn')
}

function renderSessions (list) {
  const tb = $('#sessions tbody')
  tb.replaceChildren()
  for (const s of list) {
    const w = s.lastWriter
    const tr = row([el('span', s.key, 'mono'), s.title ?? '', s.status ?? '', leaseText(s.lease), w ? `${w.label ?? labelOf(w.device)}, ${when(w.ts)}` : ''])
    tr.dataset.key = s.key
    if (s.key === state.selected) tr.classList.add('selected')
    tr.addEventListener('click', () => { select(s.key) })
    tb.append(tr)
  }
  $('#sessions-empty').hidden = list.length > 0
}

function appendMessages (messages) {
  const ol = $('#transcript')
  for (const m of messages) {
    if (state.seen.has(m.id)) continue
    state.seen.add(m.id)
    const li = el('li')
    li.dataset.id = m.id
    li.append(el('div', `${m.role} · ${m.author ?? labelOf(m.device)} · ${new Date(m.ts).toLocaleString([], { timeZoneName: 'short' })}`, 'who'))
    let text = m.content ?? ''
    if (m.toolCall) text += `${text ? '\n' : ''}→ ${m.toolCall.name}(${m.toolCall.input === undefined ? '' : JSON.stringify(m.toolCall.input)})`
    if (m.toolResult) text += `${text ? '\n' : ''}← ${m.toolResult.isError ? 'error: ' : ''}${m.toolResult.output}`
    li.append(el('div', text, 'text'))
    ol.append(li)
  }
  if (messages.length > 0) ol.lastElementChild?.scrollIntoView({ block: 'nearest' })
}

function select (key) {
  state.selected = key
  state.seen.clear()
  state.pending = []
  for (const tr of document.querySelectorAll('#sessions tbody tr')) tr.classList.toggle('selected', tr.dataset.key === key)
  $('#transcript').replaceChildren()
  $('#transcript-key').textContent = key
  $('#transcript-panel').hidden = false
  // A new stream that asks for this session's messages, from our cursor: nothing is missed in
  // between, and the tail is loaded once it is open (loadTranscript, from onopen).
  connectEvents()
}

async function loadTranscript () {
  const key = state.selected
  if (!key) return
  state.loading = true
  try {
    const shown = await call('sessions.show', { key, tail: TRANSCRIPT_TAIL })
    if (state.selected !== key) return
    appendMessages(shown.messages ?? [])
  } catch (err) { failed(err) } finally {
    // Messages that arrived on the event stream while the page was loading the tail.
    if (state.selected === key) { state.loading = false; appendMessages(state.pending); state.pending = [] }
  }
}

// ---- loading and live updates ----

function failed (err) {
  if (err instanceof Unauthorized) { showLogin(err.message); return }
  $('#conn').textContent = `error: ${err?.message ?? err}`
  $('#conn').className = 'bad'
}

async function loadPeers () { renderPeers(await call('peers.list')) }
async function loadSessions () { renderSessions(await call('sessions.list', { details: true })) }
async function loadAll () {
  const status = await call('node.status')
  renderDevice(status)
  renderDevices(await call('devices.list'))
  await Promise.all([loadPeers(), loadSessions()])
}

// Several events in a burst cause one reload. The sessions list opens every session on the
// daemon (details), so while an agent streams messages it is reloaded at most once a second.
const SOON_MS = { sessions: 1000, peers: 300, transcript: 150 }
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
      if (e.key === state.selected) { if (state.loading) state.pending.push(...e.messages); else appendMessages(e.messages) }
      soon('sessions', loadSessions)
      break
    case 'session.changed':
      // Changed on a peer but not streamed in full (not the open one, or a race with opening it).
      if (e.key === state.selected) soon('transcript', loadTranscript)
      soon('sessions', loadSessions)
      break
    case 'session.created': case 'lease.changed': case 'task.changed':
      soon('sessions', loadSessions)
      break
    case 'peer.proven': case 'peer.lost': case 'doc.synced':
      soon('peers', loadPeers)
      break
  }
}

function connectEvents () {
  if (state.ws) { const old = state.ws; state.ws = null; old.onclose = null; old.close() }
  const url = new URL(`/api/events?after=${state.lastSeq}`, location.href)
  // The open transcript's session comes in full (messages); others only say that they changed.
  if (state.selected) url.searchParams.set('sessions', state.selected)
  if (state.run) url.searchParams.set('run', state.run)
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:'
  // Browsers cannot set Authorization on a WebSocket: the token rides as a subprotocol.
  const ws = new WebSocket(url, ['mesh.events', `bearer.${state.token}`])
  state.ws = ws
  ws.onopen = () => {
    $('#conn').textContent = 'live'
    $('#conn').className = 'ok'
    // Anything that changed while disconnected is in the reloaded lists (and replayed after lastSeq).
    loadAll().catch(failed)
    loadTranscript().catch(failed)
  }
  ws.onmessage = (m) => { try { onEvent(JSON.parse(m.data)) } catch (err) { failed(err) } }
  ws.onclose = (ev) => {
    if (state.ws !== ws || state.token === null) return
    if (ev.code === 4401) { showLogin('the daemon refused this token'); return }
    $('#conn').textContent = 'reconnecting…'
    $('#conn').className = 'warn'
    setTimeout(() => { if (state.token !== null) connectEvents() }, 1000)
  }
}

async function start () {
  state.token = readToken()
  if (!state.token) { showLogin(); return }
  try {
    await loadAll()
  } catch (err) {
    if (err instanceof Unauthorized) { showLogin(err.message); return }
    failed(err)
  }
  $('#login').hidden = true
  $('#app').hidden = false
  connectEvents()
  state.timers.peers = setInterval(() => { loadPeers().catch(failed) }, PEERS_REFRESH_MS)
}

window.addEventListener('hashchange', () => { if (/token=/.test(location.hash)) location.reload() })
start()
