// This device, its peers and the vault's devices; revoking one, and pairing a new one (found by
// its code, reviewed, then approved or refused by the person at the page).
import { $, el, row, short, when } from './dom.js'
import { state } from './state.js'
import { call, explain, ROUTES, Unauthorized } from './calls.js'
import { failed, onLogout } from './page.js'

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
  if (p.incompatible !== undefined) return `nothing syncs: ${p.incompatible}`
  const docs = Object.entries(p.behind ?? {})
  const late = docs.filter(([, n]) => n > 0)
  const flying = (doc, n) => { const f = Math.min(n, p.inFlight?.[doc] ?? 0); return f > 0 ? ` (${f} in flight)` : '' }
  if (late.length > 0) return late.map(([doc, n]) => `${doc}: ${n} behind${flying(doc, n)}`).join(', ')
  if (p.inSync) return docs.length > 0 ? `in sync (${docs.length} documents)` : 'in sync'
  return p.state === 'connected' ? 'syncing' : ''
}

export function renderPeers (peers) {
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

export function renderDevices (devices) {
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

export function wireDevices () {
  onLogout(() => { closeRevoke(); pairReset() })
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

export async function loadPeers () { renderPeers(await call('peers.list')) }
export async function loadDevices () { renderDevices(await call('devices.list')) }
export async function loadStatus () {
  state.status = await call('node.status')
  renderDevice(state.status)
}

export async function loadRights () {
  await loadStatus()
  await loadDevices()
}
