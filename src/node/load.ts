/**
 * Loading a document from the store: its snapshots, then the entries they do not cover (and
 * fork evidence), each read, admitted and decrypted, then applied; all of it in slices of about
 * SLICE_MS with the event loop given a turn between them (a 100,000-message session held it for
 * seconds in one step). A slice applies whole units (a snapshot part, an entry) in one Yjs
 * transaction and checks what it changed against the document's shapes. When a slice throws or
 * breaks a shape, the entry (or snapshot) that wrote the bad item is quarantined and the load
 * starts over without it (applying Yjs is not transactional); when none can be blamed, every
 * unit is tried on its own (loadOneByOne).
 */
import { logger } from '@libp2p/logger'
import * as Y from 'yjs'
import { checkChanges, stateParts, type Problem } from '../../crdt/index.js'
import { parseTrustedEntry, toHex, type Entry, type VaultKeys } from '../identity/index.js'
import type { EntryStore, StoredSnapshot } from '../store/index.js'
import { admitUpdate } from './admit.js'
import type { CertRegistry } from './certs.js'
import { againstDoc, findCulprit, staticProblem } from './load-checks.js'
import { REMOTE, type Replica } from './replica.js'
import { Slicer } from './slice.js'
import { openStoredSnapshot } from './snapshot-open.js'

const log = logger('mesh:node:load')

/** What a load needs of the vault. */
export interface LoadHost {
  readonly store: EntryStore
  readonly certs: CertRegistry
  readonly keys: VaultKeys
  /** A snapshot's state verified and decrypted moments ago (see fresh.ts), used once. */
  takeFresh: (signature: Uint8Array) => { header: Entry, state: Uint8Array } | undefined
  quarantineEntry: (entry: Entry, reason: string) => Promise<void>
  quarantineSnapshot: (s: StoredSnapshot, reason: string) => Promise<void>
}

export interface LoadedSnapshot { s: StoredSnapshot, parts: Uint8Array[], covers: Entry['covers'] }
export interface LoadedEntry { entry: Entry, updates: Uint8Array[] }

/** Loads what the store holds of `r`'s document into it (nobody holds `r` yet). */
export async function loadDocument (host: LoadHost, r: Replica): Promise<void> {
  const slicer = new Slicer()
  const states = await readSnapshots(host, r, slicer)
  const admitted = await readEntries(host, r, slicer)
  settleQuarantined(host, r)
  for (;;) {
    const p = await applySliced(r, states, admitted, slicer)
    if (p === undefined) {
      for (const st of states) r.snapshotsIn.add(toHex(st.s.header.signature))
      return
    }
    const culprit = findCulprit(p, states, admitted)
    if (culprit === undefined) {
      // Nothing wrote the bad item (it cannot be found): open what applies, one by one.
      log.error('%s: %s, and no entry or snapshot could be blamed: loading them one by one', r.name, p.reason)
      await loadOneByOne(host, r, states, admitted, slicer)
      return
    }
    if ('entry' in culprit) {
      await host.quarantineEntry(culprit.entry, p.reason)
      admitted.splice(admitted.indexOf(culprit), 1)
    } else {
      await host.quarantineSnapshot(culprit.s, p.reason)
      states.splice(states.indexOf(culprit), 1)
    }
    r.reset()
    settleQuarantined(host, r)
    if (slicer.due()) await slicer.breathe()
  }
}

/** A quarantined slot is settled: what covers this document may cover it (it holds nothing of it). */
function settleQuarantined (host: LoadHost, r: Replica): void {
  for (const q of host.store.quarantine.slotsOf(r.id)) r.markApplied(q)
}

async function readSnapshots (host: LoadHost, r: Replica, slicer: Slicer): Promise<LoadedSnapshot[]> {
  const states: LoadedSnapshot[] = []
  for (const s of host.store.snapshots(r.id)) {
    try {
      const { header, state } = host.takeFresh(s.header.signature) ?? await openStoredSnapshot(host.store, host.certs, host.keys, s, { at: 'load' }, slicer)
      states.push({ s, parts: stateParts(state), covers: header.covers })
    } catch (err) {
      log.error('snapshot %s of %s refused at load: %e', s.path, r.name, err)
    }
    if (slicer.due()) await slicer.breathe()
  }
  return states
}

async function readEntries (host: LoadHost, r: Replica, slicer: Slicer): Promise<LoadedEntry[]> {
  const admitted: LoadedEntry[] = []
  for await (const bytes of host.store.uncovered(r.id)) {
    try {
      const entry = parseTrustedEntry(bytes)
      const updates = admitUpdate(entry, host.certs, host.keys, { at: 'load' })
      const bad = staticProblem(r.kind, updates)
      if (bad !== undefined) await host.quarantineEntry(entry, bad)
      else admitted.push({ entry, updates })
    } catch (err) {
      log.error('stored entry of %s refused at load: %e', r.name, err)
    }
    if (slicer.due()) await slicer.breathe()
  }
  for (const bytes of host.store.forks.ofDoc(r.id)) {
    try {
      const entry = parseTrustedEntry(bytes)
      const updates = admitUpdate(entry, host.certs, host.keys, { at: 'load' })
      if (staticProblem(r.kind, updates) === undefined) admitted.push({ entry, updates })
    } catch (err) {
      log.error('fork evidence of %s refused at load: %e', r.name, err)
    }
    if (slicer.due()) await slicer.breathe()
  }
  return admitted
}

/** One step of a load: updates applied together, and what is recorded once they applied. */
interface Unit { updates: readonly Uint8Array[], applied?: () => void }

function unitsOf (r: Replica, states: readonly LoadedSnapshot[], admitted: readonly LoadedEntry[]): Unit[] {
  const units: Unit[] = []
  for (const st of states) {
    st.parts.forEach((part, i) => {
      units.push(i < st.parts.length - 1 ? { updates: [part] } : { updates: [part], applied: () => { for (const c of st.covers) r.markApplied(c, true) } })
    })
  }
  for (const a of admitted) units.push({ updates: a.updates, applied: () => r.markApplied(a.entry) })
  return units
}

/**
 * Applies units in order, as many per transaction as fit in a slice, each transaction's changes
 * checked. Returns the first problem (the document is then partly applied: reset it).
 */
async function applySliced (r: Replica, states: readonly LoadedSnapshot[], admitted: readonly LoadedEntry[], slicer: Slicer): Promise<Problem | undefined> {
  const units = unitsOf(r, states, admitted)
  // The end of a transaction (checkChanges over what it applied, then Yjs's cleanup) takes time
  // in proportion to what was applied, 0.3–1× the applies here: a slice that applied for its
  // whole budget held the loop half as long again. The applies stop early enough that their end
  // fits in the slice too, at the ratio the previous transaction's end took.
  let endRatio = 1
  let i = 0
  while (i < units.length) {
    const from = i
    let p: Problem | undefined
    let start = 0
    let applied = 0
    try {
      r.remote((tr) => {
        start = performance.now()
        do {
          for (const u of (units[i] as Unit).updates) Y.applyUpdate(r.doc, u, REMOTE)
          i++
        } while (i < units.length && !slicer.due((performance.now() - start) * endRatio))
        applied = performance.now()
        p = checkChanges(r.kind, tr)
      })
    } catch (err: any) {
      return { reason: `does not apply: ${String(err?.message ?? err)}` }
    }
    if (p !== undefined) return p
    endRatio = Math.min(2, Math.max(0.1, (performance.now() - applied) / Math.max(1, applied - start)))
    for (let k = from; k < i; k++) units[k]?.applied?.()
    if (slicer.due()) await slicer.breathe()
  }
  return undefined
}

/** Applies units in one transaction; the problem, or undefined once they applied (and were recorded). */
function applyOne (r: Replica, unit: Unit): Problem | undefined {
  let p: Problem | undefined
  try {
    r.remote((tr) => {
      for (const u of unit.updates) Y.applyUpdate(r.doc, u, REMOTE)
      p = checkChanges(r.kind, tr)
    })
  } catch (err: any) {
    return { reason: `does not apply: ${String(err?.message ?? err)}` }
  }
  if (p === undefined) unit.applied?.()
  return p
}

/**
 * The last resort of a load: each snapshot (part by part) and entry in a transaction of its
 * own. The first that throws or breaks the shape is quarantined and the load starts over
 * without it (a throw inside Yjs can leave the document inconsistent). A throw while structs of
 * an earlier entry wait in Yjs for what they reference is blamed on that earlier entry: they
 * integrate in the later one's transaction, which did nothing wrong.
 */
async function loadOneByOne (host: LoadHost, r: Replica, states: LoadedSnapshot[], admitted: LoadedEntry[], slicer: Slicer): Promise<void> {
  for (let attempt = 0; attempt <= states.length + admitted.length; attempt++) {
    r.reset()
    settleQuarantined(host, r)
    let failed = false
    for (const st of states) {
      let p: Problem | undefined
      for (const unit of unitsOf(r, [st], [])) {
        p = applyOne(r, unit)
        if (p !== undefined) break
        if (slicer.due()) await slicer.breathe()
      }
      if (p === undefined) { r.snapshotsIn.add(toHex(st.s.header.signature)); continue }
      await host.quarantineSnapshot(st.s, p.reason)
      states.splice(states.indexOf(st), 1)
      failed = true
      break
    }
    if (failed) continue
    let waiting: LoadedEntry | undefined
    for (const a of [...admitted]) {
      if (slicer.due()) await slicer.breathe()
      const bad = againstDoc(r, a.updates).problem
      if (bad !== undefined) {
        await host.quarantineEntry(a.entry, bad)
        admitted.splice(admitted.indexOf(a), 1)
        continue
      }
      const pendingBefore = r.doc.store.pendingStructs !== null
      const p = applyOne(r, { updates: a.updates, applied: () => r.markApplied(a.entry) })
      if (p === undefined) {
        if (!pendingBefore && r.doc.store.pendingStructs !== null) waiting = a
        continue
      }
      const culprit = p.at === undefined && pendingBefore && waiting !== undefined ? waiting : a
      await host.quarantineEntry(culprit.entry, p.reason)
      admitted.splice(admitted.indexOf(culprit), 1)
      failed = true
      break
    }
    if (!failed) return
  }
}
