// What the whole page shares: its connection line, the login panel it falls back to, how an
// error is shown, and reloads gathered into one per burst of events.
import { $ } from './dom.js'
import { state } from './state.js'
import { Unauthorized, Unproven } from './calls.js'

// What each panel clears when the page falls back to the login (onLogout).
const resets = []
export function onLogout (fn) { resets.push(fn) }

export function conn (text, cls) { $('#conn').textContent = text; $('#conn').className = cls }

export function showLogin (reason) {
  state.token = null
  if (state.ws) { state.ws.onclose = null; state.ws.close() }
  for (const t of Object.values(state.timers)) clearInterval(t)
  state.live = false
  $('#app').hidden = true
  // Clear whatever was rendered so nothing stays in the page after a refused token.
  for (const tb of document.querySelectorAll('#app tbody, #transcript, #transcript-more, #transcript-arriving, #device-info, #device-revoked, #pair-facts')) tb.replaceChildren()
  for (const reset of resets) reset()
  $('#login-reason').textContent = reason ?? ''
  $('#login').hidden = false
  $('#conn').textContent = ''
}

export function failed (err) {
  // Forgotten, not kept for later: a page another server serves at this address could read it.
  if (err instanceof Unauthorized || err instanceof Unproven) { showLogin(err.message); return }
  conn(`error: ${err?.message ?? err}`, 'bad')
}

// Several events in a burst cause one reload. The sessions list opens every session on the
// daemon (details), so while an agent streams messages it is reloaded at most once a second.
const SOON_MS = { sessions: 1000, peers: 300, transcript: 150, devices: 200, status: 200 }
export function soon (name, fn) {
  if (state.timers[`soon:${name}`]) return
  state.timers[`soon:${name}`] = setTimeout(() => { delete state.timers[`soon:${name}`]; fn().catch(failed) }, SOON_MS[name] ?? 300)
}
