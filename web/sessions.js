// The sessions list and the open session's transcript: its tail read, what the event stream tells
// of it added once, what is not shown counted from the reads, and a session still arriving said.
import { $, clock, el, row, when } from './dom.js'
import { labelOf, state } from './state.js'
import { ApiError, call } from './calls.js'
import { failed, soon } from './page.js'

const TRANSCRIPT_TAIL = 200
// The most messages the open transcript keeps as elements, the oldest dropped first: an agent
// streaming into one session for hours would otherwise grow the page without end (a session of
// 34,000 messages took a tab to 1.9 GB). Message ids are remembered a while longer, so one that
// comes again (a reload of the tail, a replay) is not shown twice.
const TRANSCRIPT_MAX = TRANSCRIPT_TAIL
const SEEN_MAX = 4 * TRANSCRIPT_MAX
// The daemon's LEASE_SKEW_MS (crdt/session.ts): no lease is called expired sooner than this after its end.
const LEASE_SKEW_MS = 2 * 60_000

function leaseText (lease) {
  if (!lease) return el('span', 'nobody', 'muted')
  const who = lease.label ?? labelOf(lease.device)
  // A revoked holder's lease ended with the revocation: its end may still be ahead.
  if (lease.revoked) return el('span', `${who} (revoked)`, 'muted')
  if (lease.expired) return el('span', `${who} (expired ${when(lease.expiresAt)})`, 'muted')
  return el('span', `${who} until ${clock(lease.expiresAt)}`, 'warn')
}

// Drawn again from the last list on the clock too ('last write … ago'), and often on events: the
// session whose key had the keyboard focus keeps it. The same sessions in the same order have
// their cells updated in place: a row replaced between a press and its release (a mouse button,
// or Space, which a button acts on when it is let go) lost the click.
export function renderSessions (list) {
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
  // between, and the tail is loaded once it is open (loadTranscript, from onopen). The stream is
  // the events module's: told by a DOM event, so this module does not depend on it.
  document.dispatchEvent(new CustomEvent('mesh:select', { detail: key }))
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

export async function loadTranscript () {
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
export function told (e) {
  if (state.copy === undefined || e.copy === undefined || (e.copy === state.copy && e.version > state.readVersion)) { appendMessages(e.messages); return }
  if (e.copy !== state.copy) soon('transcript', loadTranscript)
}

export async function loadSessions () { renderSessions(await call('sessions.list', { details: true })) }
