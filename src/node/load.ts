/**
 * Loading a document from the store: its snapshots, then the entries they do not cover (and
 * fork evidence), each read, admitted and decrypted, then applied (a stored snapshot's file is
 * checked first, then decrypted again a part at a time as its parts are applied, so no state is
 * ever held whole: see LoadedSnapshot); all of it in slices of about
 * SLICE_MS with the event loop given a turn between them (a 100,000-message session held it for
 * seconds in one step). A slice applies whole units (a snapshot part, an entry) in one Yjs
 * transaction and checks what it changed against the document's shapes. When a slice throws or
 * breaks a shape, the entry (or snapshot) that wrote the bad item is quarantined and the load
 * starts over without it (applying Yjs is not transactional); when none can be blamed, every
 * unit is tried on its own (loadOneByOne).
 */
import { logger } from '@libp2p/logger'
import * as Y from 'yjs'
import { checkChanges, stateParts, updateWrites, type Problem } from '../../crdt/index.js'
import { parseTrustedEntry, toHex, type Entry, type VaultKeys } from '../identity/index.js'
import type { EntryStore, OpenSnapshotFile, StoredSnapshot } from '../store/index.js'
import { admitUpdate } from './admit.js'
import type { CertRegistry } from './certs.js'
import { againstDoc, staticProblem } from './load-checks.js'
import { REMOTE, type Replica } from './replica.js'
import { Slicer } from './slice.js'
import type { FreshState } from './fresh.js'
import { checkStoredSnapshot, storedParts } from './snapshot-open.js'

const log = logger('mesh:node:load')

/** What a load needs of the vault. */
export interface LoadHost {
  readonly store: EntryStore
  readonly certs: CertRegistry
  readonly keys: VaultKeys
  /** This device's key: its own entries are judged for its own view (certs.ts Judging.own). */
  readonly self?: Uint8Array
  /** A snapshot's state verified and decrypted moments ago (see fresh.ts), used once. */
  takeFresh: (signature: Uint8Array) => FreshState | undefined
  quarantineEntry: (entry: Entry, reason: string) => Promise<void>
  quarantineSnapshot: (s: StoredSnapshot, reason: string) => Promise<void>
  /** A stored snapshot whose file is damaged on this disk: set aside, taken again from a peer (store/damaged.ts). */
  setAsideDamaged: (s: StoredSnapshot, reason: string) => Promise<void>
  /** The same for a stored entry whose bytes no longer parse or verify (EntryStore.setAsideDamagedEntry). */
  setAsideDamagedEntry: (bytes: Uint8Array, reason: string) => Promise<void>
}

/** What a stored snapshot's own file can be refused for (not its author's rights, which change). */
const FILE_DAMAGE = new Set(['DECRYPT_FAILED', 'STORE_CORRUPT', 'INVALID_SIGNATURE', 'INVALID_ENTRY'])

/**
 * A snapshot to load, its file checked against its signed header. Its state's parts are held
 * only when they came in memory (a fresh state); a stored state's are read from its file (held
 * open for the load: a snapshot replaced meanwhile is still read whole) and decrypted again each
 * time they are applied or searched (storedParts), a part at a time: held whole, a
 * 100,000-message session's 111 MB was one allocation that V8 answered with a full collection
 * whose pause held the loop ~90 ms, and held as parts it would stay held through the whole load.
 */
export type LoadedSnapshot = { s: StoredSnapshot, header: Entry, covers: Entry['covers'] } & ({ held: Uint8Array[], doc?: Y.Doc } | { file: OpenSnapshotFile })
export interface LoadedEntry { entry: Entry, updates: Uint8Array[] }

/** Loads what the store holds of `r`'s document into it (nobody holds `r` yet). */
export async function loadDocument (host: LoadHost, r: Replica): Promise<void> {
  const slicer = new Slicer()
  const states = await readSnapshots(host, r, slicer)
  const files = states.flatMap(st => 'file' in st ? [st.file] : [])
  try {
    await loadStates(host, r, states, slicer)
  } finally {
    for (const f of files) await f.close().catch((err: unknown) => { log.error('closing a snapshot file of %s: %e', r.name, err) })
  }
}

async function loadStates (host: LoadHost, r: Replica, states: LoadedSnapshot[], slicer: Slicer): Promise<void> {
  const admitted = await readEntries(host, r, slicer)
  settleQuarantined(host, r)
  for (;;) {
    const out = await applySliced(host, r, states, admitted, slicer)
    if (out === undefined) {
      for (const st of states) r.snapshotsIn.add(toHex(st.s.header.signature))
      return
    }
    if ('refused' in out) {
      // Its file no longer reads, decrypts or matches its digest as it did when checked: refused
      // as readSnapshots refuses one, and the load starts over without what it applied.
      log.error('snapshot %s of %s refused at load (it no longer reads as checked; loading again without it): %e', out.refused.s.path, r.name, out.err)
      states.splice(states.indexOf(out.refused), 1)
      r.reset()
      settleQuarantined(host, r)
      continue
    }
    const p = out
    const culprit = await findCulprit(host, r, p, states, admitted, slicer)
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
      const fresh = host.takeFresh(s.header.signature)
      if (fresh !== undefined) states.push({ s, header: fresh.header, covers: fresh.header.covers, held: stateParts(fresh.state), doc: fresh.doc })
      else {
        const file = await host.store.openSnapshotFile(s)
        try {
          const header = await checkStoredSnapshot(file, host.certs, s, { at: 'load', own: host.self }, slicer)
          states.push({ s, header, covers: header.covers, file })
        } catch (err) {
          await file.close()
          throw err
        }
      }
    } catch (err: any) {
      log.error('snapshot %s of %s refused at load (its file, signature or author did not check): %e', s.path, r.name, err)
      // Checked when it was stored: a file that no longer checks was damaged here. Set aside, the
      // document no longer counts it as held, and a peer sends what it covered again.
      if (FILE_DAMAGE.has(err?.code)) {
        // The note is on disk: the document by its hex id, never its name (a session key, a path).
        await host.setAsideDamaged(s, `${err.message as string} (when document ${toHex(r.id)} was opened)`).catch((e: unknown) => { log.error('could not set aside %s: %e', s.path, e) })
      }
    }
    if (slicer.due()) await slicer.breathe()
  }
  return states
}

async function readEntries (host: LoadHost, r: Replica, slicer: Slicer): Promise<LoadedEntry[]> {
  const admitted: LoadedEntry[] = []
  for await (const bytes of host.store.uncovered(r.id)) {
    // Verified when it was stored: bytes that no longer parse (INVALID_ENTRY) or verify
    // (INVALID_SIGNATURE: no later check throws it) were damaged on this disk, the record's
    // checksum computed over bytes already damaged, or altered. Set aside like a damaged
    // snapshot, the slot freed: a peer's good copy is taken, and the later entries of the lane,
    // which Yjs holds back until this one applies, show. Refusals for the author's rights, or of
    // what the author signed, stay as they are (crdt/SPEC.md, On disk).
    let parsed = false
    try {
      const entry = parseTrustedEntry(bytes)
      parsed = true
      const updates = admitUpdate(entry, host.certs, host.keys, { at: 'load', own: host.self })
      const bad = staticProblem(r.kind, updates)
      if (bad !== undefined) await host.quarantineEntry(entry, bad)
      else admitted.push({ entry, updates })
    } catch (err: any) {
      log.error('stored entry of %s refused at load: %e', r.name, err)
      if (!parsed || err?.code === 'INVALID_SIGNATURE') {
        await host.setAsideDamagedEntry(bytes, `${String(err.message)} (when document ${toHex(r.id)} was opened)`).catch((e: unknown) => { log.error('could not set aside a damaged entry of %s: %e', r.name, e) })
      }
    }
    if (slicer.due()) await slicer.breathe()
  }
  for (const bytes of host.store.forks.ofDoc(r.id)) {
    try {
      const entry = parseTrustedEntry(bytes)
      const updates = admitUpdate(entry, host.certs, host.keys, { at: 'load', own: host.self })
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

/** A snapshot's parts, in batches: held, or read and decrypted from its file as they are applied. */
async function * partsOf (host: LoadHost, st: LoadedSnapshot, slicer: Slicer): AsyncGenerator<Uint8Array[]> {
  if ('held' in st) yield st.held
  else yield * storedParts(st.file, host.keys, st.header, slicer)
}

/** The snapshot or stored entry (fork evidence included) that wrote the item a problem points at; a stored snapshot's parts are read again for it. */
async function findCulprit (host: LoadHost, r: Replica, p: Problem, states: readonly LoadedSnapshot[], admitted: readonly LoadedEntry[], slicer: Slicer): Promise<LoadedSnapshot | LoadedEntry | undefined> {
  const at = p.at
  if (at === undefined) return undefined
  const entry = admitted.find(e => e.updates.some(u => updateWrites(u, at)))
  if (entry !== undefined) return entry
  for (const st of states) {
    try {
      for await (const parts of partsOf(host, st, slicer)) if (parts.some(u => updateWrites(u, at))) return st
    } catch (err) {
      // It applied moments ago: one that no longer reads is blamed on nothing here, and refused when applied again.
      log.error('snapshot %s of %s could not be read again to find what broke it: %e', st.s.path, r.name, err)
    }
  }
  return undefined
}

/**
 * Applies what a load holds in order, each snapshot's parts as they are decrypted, then the
 * entries; as many units per transaction as fit in a slice, each transaction's changes checked.
 * Returns the first problem, or the snapshot whose file failed when read again (the document is
 * then partly applied: reset it).
 */
async function applySliced (host: LoadHost, r: Replica, states: readonly LoadedSnapshot[], admitted: readonly LoadedEntry[], slicer: Slicer): Promise<Problem | { refused: LoadedSnapshot, err: unknown } | undefined> {
  const run = new SlicedApply(r, slicer)
  for (const st of states) {
    // A state received moments ago comes with the document its checks applied it to: the first
    // state of a load from nothing takes that document instead of applying the state again.
    if ('doc' in st && st.doc !== undefined) {
      const doc = st.doc
      st.doc = undefined
      if (st === states[0] && r.adopt(doc)) {
        for (const c of st.covers) r.markApplied(c, true)
        continue
      }
      doc.destroy()
    }
    try {
      for await (const parts of partsOf(host, st, slicer)) {
        const p = await run.apply(parts.map(part => ({ updates: [part] })))
        if (p !== undefined) return p
      }
    } catch (err) {
      return { refused: st, err }
    }
    for (const c of st.covers) r.markApplied(c, true)
  }
  return await run.apply(admitted.map(a => ({ updates: a.updates, applied: () => r.markApplied(a.entry) })))
}

class SlicedApply {
  // The end of a transaction (checkChanges over what it applied, then Yjs's cleanup) takes time
  // in proportion to what was applied, 0.3–1× the applies here: a slice that applied for its
  // whole budget held the loop half as long again. The applies stop early enough that their end
  // fits in the slice too, at the ratio the previous transaction's end took.
  private endRatio = 1
  constructor (private readonly r: Replica, private readonly slicer: Slicer) {}

  /** Applies units in order, in transactions that fit the slice; the first problem. */
  async apply (units: readonly Unit[]): Promise<Problem | undefined> {
    const { r, slicer } = this
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
          } while (i < units.length && !slicer.due((performance.now() - start) * this.endRatio))
          applied = performance.now()
          p = checkChanges(r.kind, tr)
        })
      } catch (err: any) {
        return { reason: `does not apply: ${String(err?.message ?? err)}` }
      }
      if (p !== undefined) return p
      this.endRatio = Math.min(2, Math.max(0.1, (performance.now() - applied) / Math.max(1, applied - start)))
      for (let k = from; k < i; k++) units[k]?.applied?.()
      if (slicer.due()) await slicer.breathe()
    }
    return undefined
  }
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
      try {
        for await (const parts of partsOf(host, st, slicer)) {
          for (const part of parts) {
            p = applyOne(r, { updates: [part] })
            if (p !== undefined) break
            if (slicer.due()) await slicer.breathe()
          }
          if (p !== undefined) break
        }
      } catch (err) {
        log.error('snapshot %s of %s refused at load (it no longer reads as checked, in the one-by-one pass; loading again without it): %e', st.s.path, r.name, err)
        states.splice(states.indexOf(st), 1)
        failed = true
        break
      }
      if (p === undefined) {
        for (const c of st.covers) r.markApplied(c, true)
        r.snapshotsIn.add(toHex(st.s.header.signature))
        continue
      }
      await host.quarantineSnapshot(st.s, p.reason)
      states.splice(states.indexOf(st), 1)
      failed = true
      break
    }
    if (failed) continue
    let waiting: LoadedEntry | undefined
    for (const a of [...admitted]) {
      if (slicer.due()) await slicer.breathe()
      // A check that throws (a bug of ours that a member's data found) refuses the entry as a
      // bad shape would: uncaught, it failed every open of the document, with nothing quarantined.
      let bad: string | undefined
      try {
        bad = againstDoc(r, a.updates).problem
      } catch (err: any) {
        bad = `could not be checked: ${String(err?.message ?? err)}`
      }
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
