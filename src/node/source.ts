/** The sync protocol's ReplicaSource, implemented over the vault: the one path for received entries. */
import type { AuthorSeq, DocVector, EntryRef, ReplicaSource, SyncPlan } from '../../protocols/sync/index.js'
import { DOC_NAMES } from '../../crdt/index.js'
import { parseTrustedEntry, streamKey, toHex, verifyEntrySignatures, type Entry } from '../identity/index.js'
import type { Vault } from './vault.js'
import type { EarlyEvent } from './vault-types.js'
import { LaneRetirer, holdersOf } from './retire.js'
import { servesSlots } from './serving.js'
import { chooseSnapshots } from './tail.js'
import { isUncoveredTip, tipEntries, tipsFor } from './tips.js'

export function vaultSource (vault: Vault): ReplicaSource {
  const store = vault.store
  // Each lane with the content tip of its entry at seq (when held): a peer whose vector is equal
  // but whose tips differ holds other entries at the same positions (SPEC.md, Content tips).
  // As the store keeps them until the document changes (held.ts lanes): a copy of the list, its
  // items shared (never changed by the protocol), so a status or catch-up over 10,000 documents
  // does not walk each one's entries again.
  const vectorOf = (doc: Uint8Array): AuthorSeq[] => [...store.lanes(doc)]
  // The small fixed documents go first, the sessions index before all: a receiver can then name
  // a session while it is still arriving, and a big session does not hold back memory and skills.
  const first = [DOC_NAMES.sessionsIndex, DOC_NAMES.memory, DOC_NAMES.skills].map(n => toHex(vault.docId(n)))
  const rank = (id: string): number => { const i = first.indexOf(id); return i < 0 ? first.length : i }
  const self = vault.identity.certificate.deviceId
  // Entries of a frame parsed (and their signatures checked, off-thread) ahead of their admission,
  // by their received bytes: accept() takes the same object, so a check passed is the one it needs.
  const ahead = new WeakMap<Uint8Array, Entry>()
  const lanes = new LaneRetirer({ store, holders: () => holdersOf(vault.certs, self), vector: vectorOf })
  return {
    retired: (doc) => lanes.retired(doc),
    heldBy: (peer, doc, items) => { lanes.heldBy(peer, doc, items) },
    adoptRetired: (doc, bounds) => { lanes.adopt(doc, bounds) },
    certificates: () => vault.certs.records(),
    addCertificate: async (bytes) => { await vault.addCertificate(bytes) },
    // Ranked once each by the hex id the store keeps, and each with its lanes as kept (vectorOf).
    vectors: (): DocVector[] => store.allLanes().map(d => ({ d, r: rank(d.id) })).sort((a, b) => a.r - b.r).map(({ d }) => ({ doc: d.doc, items: [...d.lanes] })),
    vector: vectorOf,
    index: () => store.fingerprints(),
    plan: (doc, theirs): SyncPlan => {
      const have = new Map<string, number>()
      for (const i of theirs) have.set(streamKey(i), Number(i.seq))
      // A peer a little behind is sent the entries it lacks from the tail compaction keeps,
      // never across a lane whose author's entries may be held back (tail.ts).
      // Counted as servable() will let them go: the peer's progress ends at its total.
      const serves = servesSlots(vault.certs, doc)
      const { snapshots, floor } = chooseSnapshots(store, doc, have, { servable: (s) => vault.servableSnapshot(s.header), claims: (s) => store.claimsOf(s), restricts: (a) => vault.certs.restricts(a), serves })
      // Peers holding this device's lane in use beyond this home: it was restored or copied.
      // Its own entries of that lane go to the peer, so a slot written twice shows as a fork.
      const me = vault.identity.device.publicKey
      const again: Array<{ key: string, upTo: number }> = []
      for (const i of theirs) {
        const key = streamKey(i)
        const own = Buffer.from(i.author).equals(Buffer.from(me))
        if (own && vault.behindOwnLane(doc, i.lane, i.seq)) { again.push({ key, upTo: store.maxSeq(doc, me, i.lane) }); continue }
        // The same position holds other content at the peer: this side's entries of the lane up
        // to there go, so the peer finds each slot written twice as a fork (and sends back its own).
        if (i.tip === undefined) continue
        const tip = store.tip(doc, key, Number(i.seq))
        if (tip === undefined || Buffer.from(tip).equals(Buffer.from(i.tip))) continue
        vault.divergedLane(doc, i.author, i.lane, i.seq)
        again.push({ key, upTo: Number(i.seq) })
      }
      const totals = store.entriesAboveTotals(doc, floor, serves)
      const tips = tipsFor(store, doc, theirs, snapshots, serves)
      return { snapshots, entries: vault.servable(withExtras(store.entriesAbove(doc, floor), again.map(a => store.held(doc, a.key, a.upTo)), store.forks.ofDoc(doc), tipEntries(store, doc, tips))), entryCount: totals.entries + tips.length, entryBytes: totals.bytes }
    },
    verifyAhead: async (entries) => {
      const parsed: Entry[] = []
      for (const bytes of entries) {
        // Bytes that do not parse are left to accept(), which refuses them with its error.
        try { parsed.push(parseTrustedEntry(bytes)) } catch { continue }
      }
      await verifyEntrySignatures(parsed)
      for (const e of parsed) ahead.set(e.bytes, e)
    },
    accept: async (bytes, from) => {
      const parsed = ahead.get(bytes)
      ahead.delete(bytes)
      const { result, entry: e } = await vault.accept(parsed ?? bytes, from)
      // A lane's tip that a snapshot here covers is kept although its update is in the snapshot's
      // state (the vault calls it a duplicate): the digest holds its signature (SPEC.md, Content tips).
      if (result === 'duplicate' && isUncoveredTip(store, e)) await store.putEntry(e)
      return { outcome: result, ...refOf(e) }
    },
    receiveSnapshot: (header, _from, offset) => vault.receiveSnapshot(header, offset),
    heldSnapshots: async () => (await vault.heldSnapshots()).map(p => ({ doc: p.header.doc, author: p.header.author, seq: p.header.seq, offset: p.held })),
    acceptEarly: (body, from) => {
      const early = vault.acceptEarly(body, from)
      return {
        applied: early.applied,
        abandon: () => { early.abandon() },
        sign: async (signature) => {
          const { result, entry: e, durable } = await early.sign(signature)
          if (result === 'duplicate' && isUncoveredTip(store, e)) await store.putEntry(e)
          return { outcome: result, ...refOf(e), durable }
        }
      }
    },
    onEarly: (cb) => {
      const f = (e: EarlyEvent): void => { cb(e.entry.body, refOf(e.entry)) }
      vault.on('early', f)
      return () => { vault.off('early', f) }
    },
    onEntry: (cb) => {
      const f = (e: { entry: Entry, from?: string }): void => { cb(e.entry.bytes, refOf(e.entry), e.from) }
      vault.on('entry', f)
      return () => { vault.off('entry', f) }
    },
    diskFull: () => vault.diskFull,
    onDisk: (cb) => {
      vault.on('disk', cb)
      return () => { vault.off('disk', cb) }
    },
    onCertificate: (cb) => {
      vault.on('certificate', cb)
      return () => { vault.off('certificate', cb) }
    }
  }
}

const refOf = (e: Pick<Entry, 'doc' | 'author' | 'lane' | 'seq'>): EntryRef => ({ doc: e.doc, item: { author: e.author, lane: e.lane, seq: e.seq } })

/** The planned entries, then this device's own lane re-sent, then every fork evidence of the document (few), then lane tips. */
async function * withExtras (entries: AsyncIterable<Uint8Array>, again: Array<AsyncIterable<Uint8Array>>, forks: Uint8Array[], tips: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield * entries
  for (const a of again) yield * a
  yield * forks
  yield * tips
}
