// The daemon's event stream: what each event makes the page read again, and the stream kept
// open (reconnected after the server here has proved it holds the token).
import { state } from './state.js'
import { probe, UNPROVEN } from './calls.js'
import { conn, failed, showLogin, soon } from './page.js'
import { loadDevices, loadPeers, loadRights, loadStatus } from './devices.js'
import { loadSessions, loadTranscript, told } from './sessions.js'

// Reconnects that fail in a row before the page says the daemon is gone, and how often it tries then.
const GIVE_UP_AFTER = 5
const RECONNECT_MS = 1000
const RECONNECT_GONE_MS = 5000

export async function loadAll () {
  await loadStatus()
  await loadDevices()
  await Promise.all([loadPeers(), loadSessions()])
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
    case 'peer.proven': case 'peer.lost': case 'peer.refused': case 'peer.incompatible':
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

export function connectEvents () {
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
