/**
 * The driver lease as a CRDT rule (crdt/lease.ts resolveLease): claims written at the same time
 * on two replicas resolve to the same holder on both, in either order of arrival, whatever the
 * Yjs client ids; a take beats a renewal it had not seen; a document of the previous version (one
 * `meta.lease`) reads as it did.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { SessionDoc, type Lease } from '../../crdt/index.js'

const T0 = Date.UTC(2025, 0, 1)
const MIN = 60_000

/** Two replicas of one session with these Yjs client ids, in sync. */
function pair (idA: number, idB: number): { a: SessionDoc, b: SessionDoc } {
  const da = new Y.Doc(); da.clientID = idA
  const db = new Y.Doc(); db.clientID = idB
  const a = new SessionDoc(da)
  a.init({ key: 'agent:main:race', createdAt: T0 }, 'A')
  Y.applyUpdate(db, Y.encodeStateAsUpdate(da))
  return { a, b: new SessionDoc(db) }
}

/** Exchanges what each holds that the other lacks: `aFirst` sends A's to B before B's to A. */
function exchange (a: SessionDoc, b: SessionDoc, aFirst: boolean): void {
  const toB = Y.encodeStateAsUpdate(a.doc, Y.encodeStateVector(b.doc))
  const toA = Y.encodeStateAsUpdate(b.doc, Y.encodeStateVector(a.doc))
  if (aFirst) { Y.applyUpdate(b.doc, toB); Y.applyUpdate(a.doc, toA) } else { Y.applyUpdate(a.doc, toA); Y.applyUpdate(b.doc, toB) }
}

const holder = (s: SessionDoc): Lease | undefined => s.getMeta().lease

describe('driver lease claims', () => {
  for (const [idA, idB] of [[1, 2], [2, 1]] as const) {
    for (const aFirst of [true, false]) {
      it(`two takes at once converge to one holder on both replicas (client ids ${idA}/${idB}, ${aFirst ? 'A' : 'B'}'s arrives first)`, () => {
        const { a, b } = pair(idA, idB)
        a.takeLease('A', { now: T0, label: 'desk' })
        b.takeLease('B', { now: T0 + 5, label: 'lap' })
        // Each alone holds it until it sees the other's.
        expect(holder(a)?.device).toBe('A')
        expect(holder(b)?.device).toBe('B')
        exchange(a, b, aFirst)
        expect(holder(a)).toEqual(holder(b))
        // The same epoch from both: the order of claims (then the device id) decides, not Yjs' client id.
        expect(holder(a)).toMatchObject({ device: 'B', epoch: 1, label: 'lap' })
      })

      it(`a take beats a renewal made at the same time (client ids ${idA}/${idB}, ${aFirst ? 'A' : 'B'}'s arrives first)`, () => {
        const { a, b } = pair(idA, idB)
        a.takeLease('A', { now: T0, label: 'desk' })
        exchange(a, b, true)
        expect(holder(b)).toMatchObject({ device: 'A', epoch: 1 })
        // A renews (its append, 70 s on) while B takes over with --take, neither seeing the other.
        a.takeLease('A', { now: T0 + 70_000, force: true, label: 'desk' })
        b.takeLease('B', { now: T0 + 70_001, force: true, label: 'lap' })
        expect(holder(a)).toMatchObject({ device: 'A', epoch: 1, takenAt: T0, expiresAt: T0 + 70_000 + 10 * MIN })
        exchange(a, b, aFirst)
        expect(holder(a)).toEqual(holder(b))
        expect(holder(a)).toMatchObject({ device: 'B', epoch: 2, takenAt: T0 + 70_001 })
        // A no longer holds it: its next renewal would be a take, refused while B's lease is live.
        expect(() => a.takeLease('A', { now: T0 + 80_000 })).toThrow(/held by lap/)
      })
    }
  }

  it('three devices taking at once agree, and the next take goes above all of them', () => {
    const docs = [3, 1, 2].map(id => { const d = new Y.Doc(); d.clientID = id; return new SessionDoc(d) })
    const [x, y, z] = docs as [SessionDoc, SessionDoc, SessionDoc]
    x.init({ key: 'agent:main:three', createdAt: T0 }, 'X')
    for (const d of [y, z]) Y.applyUpdate(d.doc, Y.encodeStateAsUpdate(x.doc))
    x.takeLease('X', { now: T0 }); y.takeLease('Z', { now: T0 }); z.takeLease('Y', { now: T0 })
    exchange(x, y, false); exchange(y, z, true); exchange(x, z, false)
    const h = holder(x)
    expect(h).toMatchObject({ device: 'Z', epoch: 1 })
    expect(holder(y)).toEqual(h)
    expect(holder(z)).toEqual(h)
    expect(x.takeLease('X', { now: T0 + 1, force: true }).epoch).toBe(2)
  })

  it('reads a document of the previous version (one meta.lease) as it did, and takes over from it', () => {
    const d = new Y.Doc()
    const s = new SessionDoc(d)
    s.init({ key: 'agent:main:old', createdAt: T0 }, 'A')
    const old: Lease = { device: 'A', epoch: 4, takenAt: T0, expiresAt: T0 + 10 * MIN, label: 'desk' }
    d.getMap('meta').set('lease', old)
    expect(holder(s)).toEqual(old)
    // Its holder renews: the epoch and takenAt stay.
    expect(s.takeLease('A', { now: T0 + 2 * MIN, label: 'desk' })).toMatchObject({ epoch: 4, takenAt: T0, expiresAt: T0 + 12 * MIN })
    expect(holder(s)).toMatchObject({ device: 'A', epoch: 4, expiresAt: T0 + 12 * MIN })
    // Another device takes over above it; the mirror tells a reader of the previous version.
    expect(s.takeLease('B', { now: T0 + 3 * MIN, force: true })).toMatchObject({ device: 'B', epoch: 5 })
    expect(holder(s)).toMatchObject({ device: 'B', epoch: 5 })
    expect(d.getMap('meta').get('lease')).toMatchObject({ device: 'B', epoch: 5 })
  })

  it('a take by a device of the previous version (meta.lease only) counts', () => {
    const { a, b } = pair(1, 2)
    a.takeLease('A', { now: T0 })
    exchange(a, b, true)
    // B runs the previous version: it reads meta.lease and writes epoch + 1 there.
    b.doc.getMap('meta').set('lease', { device: 'B', epoch: 2, takenAt: T0 + 1, expiresAt: T0 + 10 * MIN })
    exchange(a, b, true)
    expect(holder(a)).toMatchObject({ device: 'B', epoch: 2 })
    expect(holder(b)).toEqual(holder(a))
  })

  for (const [idA, idB] of [[1, 2], [2, 1]] as const) {
    it(`two takes at once, one by a device of the previous version: every replica names the one that device reads (client ids ${idA}/${idB})`, () => {
      const { a, b } = pair(idA, idB)
      // A runs the previous version (meta.lease only, epoch 1); B this one ('Z' > 'A', so B's claim wins a tie by device id).
      a.doc.getMap('meta').set('lease', { device: 'A', epoch: 1, takenAt: T0, expiresAt: T0 + 10 * MIN })
      b.takeLease('Z', { now: T0 })
      exchange(a, b, true)
      const oldReads = (a.doc.getMap('meta').get('lease') as { device: string }).device
      expect(holder(a)?.device).toBe(oldReads)
      expect(holder(b)?.device).toBe(oldReads)
    })
  }

  it('a release ends the lease for good: the claims it outranked do not come back, the next take goes above it', () => {
    const { a, b } = pair(1, 2)
    a.takeLease('A', { now: T0 })
    exchange(a, b, true)
    b.takeLease('B', { now: T0 + 1, force: true })
    exchange(a, b, true)
    expect(holder(a)).toMatchObject({ device: 'B', epoch: 2 })
    expect(a.releaseLease('A')).toBe(false)
    expect(b.releaseLease('B', T0 + 2)).toBe(true)
    exchange(a, b, false)
    expect(holder(a)).toBeUndefined()
    expect(holder(b)).toBeUndefined()
    expect(a.getMeta().status).toBe('idle')
    expect(a.takeLease('A', { now: T0 + 3 })).toMatchObject({ device: 'A', epoch: 3 })
  })

  it('skips a claim filed under another device, or of the wrong shape', () => {
    const { a } = pair(1, 2)
    a.takeLease('A', { now: T0 })
    const claims = a.doc.getMap('leases')
    claims.set('B', { device: 'C', epoch: 9, takenAt: T0, expiresAt: T0 + MIN })
    claims.set('D', { device: 'D', epoch: 'nine', takenAt: T0, expiresAt: T0 + MIN })
    claims.set('E', 7)
    expect(holder(a)).toMatchObject({ device: 'A', epoch: 1 })
  })
})

describe('a claim that does not fit is refused where a bad meta.lease is', () => {
  it('checkUpdate and checkChanges name a leases claim whose epoch is not a number, or whose released is not a boolean', async () => {
    const { checkChanges, checkUpdate } = await import('../../crdt/validate.js')
    for (const bad of [{ device: 'A', epoch: 'one', expiresAt: T0, takenAt: T0 }, { device: 'A', epoch: 1, expiresAt: T0, takenAt: T0, released: 'yes' }]) {
      const doc = new Y.Doc()
      let problem: string | undefined
      doc.on('afterTransaction', (tr: Y.Transaction) => { problem ??= checkChanges('session', tr)?.reason })
      const updates: Uint8Array[] = []
      doc.on('update', (u: Uint8Array) => { updates.push(u) })
      doc.getMap('leases').set('A', bad)
      expect(problem).toMatch(/^leases\["A"\]/)
      expect(checkUpdate('session', updates[0] as Uint8Array)).toMatch(/leases/)
    }
    const good = new Y.Doc()
    const updates: Uint8Array[] = []
    good.on('update', (u: Uint8Array) => { updates.push(u) })
    good.getMap('leases').set('A', { device: 'A', epoch: 1, expiresAt: T0, takenAt: T0, released: true })
    expect(checkUpdate('session', updates[0] as Uint8Array)).toBeUndefined()
  })
})
