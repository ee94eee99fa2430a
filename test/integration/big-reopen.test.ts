/**
 * A large session reopened is the same document, whatever the slicing of its load (load.ts) and
 * of its snapshot (crdt/parts.ts): every message, the meta and the task, and the Yjs state itself
 * (state vector, delete set, content). From a snapshot in parts (format 2, many parts), from
 * entries alone, and from a snapshot in one update (format 1, as older versions wrote them).
 */
import { unlink } from 'node:fs/promises'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, frameParts, isParts, sealSnapshot, sealUpdate, stateParts, StatePartsEncoder, type SessionKey } from '../../crdt/index.js'
import { checkStoredSnapshot, openStoredSnapshot, storedParts } from '../../src/node/snapshot-open.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const KEY = 'agent:main:large'
const NAME = DOC_NAMES.session(KEY as SessionKey)

/** A session of `n` ~1 KB messages in appends of 50, with a task, a rename and a deleted todo. */
async function write (v: MeshVault, n: number): Promise<void> {
  const s = await v.sessions.create(KEY, { title: 'large' })
  for (let i = 0; i < n; i += 50) {
    await s.append(Array.from({ length: 50 }, (_, j) => ({ role: j % 2 === 0 ? 'user' as const : 'assistant' as const, content: `m ${i + j} ${'q'.repeat(900)}` })))
  }
  await s.updateTask({ plan: 'p', todos: [{ id: 'a', text: 'one' }, { id: 'b', text: 'two' }] })
  await s.updateTask({ todos: [{ id: 'a', text: 'one', done: true }] })
  await s.close()
}

/** Everything a reader sees of the document, and its Yjs state. */
async function view (v: MeshVault): Promise<{ json: unknown, sv: Uint8Array, ds: ReturnType<typeof Y.createDeleteSetFromStructStore> }> {
  const r = await v.vault.acquire(NAME)
  try {
    const json = { transcript: r.doc.getArray('transcript').toJSON(), meta: r.doc.getMap('meta').toJSON(), task: r.doc.getMap('task').toJSON() }
    return { json, sv: Y.encodeStateVector(r.doc), ds: Y.createDeleteSetFromStructStore(r.doc.store) }
  } finally {
    await v.vault.release(r)
  }
}

function same (a: Awaited<ReturnType<typeof view>>, b: Awaited<ReturnType<typeof view>>): void {
  expect(b.json).toEqual(a.json)
  expect(b.sv).toEqual(a.sv)
  expect(Y.equalDeleteSets(b.ds, a.ds)).toBe(true)
}

describe('a large session reopened', () => {
  it('is the same document from its entries, from a snapshot in many parts, and after writing on', async () => {
    const n = 3000
    const t = await newVault({ snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); cleanups.push(t.cleanup)
    await write(t.vault, n)
    const fromWrites = await view(t.vault)
    await t.vault.close()

    // From its entries alone (no snapshot yet), loaded in slices.
    const v1 = await openVault({ home: t.home, snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 })
    const fromEntries = await view(v1)
    same(fromWrites, fromEntries)
    const r = await v1.vault.acquire(NAME)
    expect(await v1.vault.snapshotIfNeeded(r, 1)).toBe(true)
    await v1.vault.release(r)
    const stored = [...v1.vault.store.snapshots(r.id)]
    expect(stored.length).toBe(1)
    const { state } = await openStoredSnapshot(v1.vault.store, v1.vault.certs, v1.vault.identity.keys, stored[0] as any, { at: 'load' })
    expect(isParts(state)).toBe(true)
    expect(stateParts(state).length).toBeGreaterThan(8) // ~3 MB of messages in parts of ~64 KiB
    // What a load applies: the same parts, handed out as they are decrypted, none in an
    // allocation near the state's size (held whole, a 111 MB state made V8 pause ~90 ms).
    const file = await v1.vault.store.openSnapshotFile(stored[0] as any)
    const header = await checkStoredSnapshot(file, v1.vault.certs, stored[0] as any, { at: 'load' })
    const streamed: Uint8Array[] = []
    for await (const batch of storedParts(file, v1.vault.identity.keys, header)) streamed.push(...batch)
    await file.close()
    expect(streamed).toEqual(stateParts(state))
    expect(state.byteLength).toBeGreaterThan(2_000_000)
    for (const p of streamed) expect(p.buffer.byteLength).toBeLessThanOrEqual(256 * 1024)
    await v1.close()

    // From the snapshot: its entries were compacted away.
    const v2 = await openVault({ home: t.home })
    expect(v2.vault.store.uncoveredCount(r.id)).toBe(0)
    same(fromWrites, await view(v2))
    const s = await v2.sessions.open(KEY)
    expect(s.messageCount()).toBe(n)
    expect(s.messages({ tail: 1 })[0]?.content).toBe(`m ${n - 1} ${'q'.repeat(900)}`)
    await s.append({ role: 'user', content: 'after' })
    await s.close()
    const after = await view(v2)
    await v2.close()
    // The snapshot and an entry on top of it.
    const v3 = await openVault({ home: t.home })
    same(after, await view(v3))
    await v3.close()
  })

  it('opens a snapshot in one update (format 1), as older versions wrote it', async () => {
    const t = await newVault({ snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); cleanups.push(t.cleanup)
    await write(t.vault, 600)
    const before = await view(t.vault)
    const vault = t.vault.vault
    const r = await vault.acquire(NAME)
    const sealed = sealSnapshot({ keys: vault.identity.keys, signer: vault.identity.device.signer }, r.id, BigInt(Date.now()), Y.encodeStateAsUpdate(r.doc), r.coverVector())
    expect(isParts(Y.encodeStateAsUpdate(r.doc))).toBe(false)
    await vault.store.putSnapshot(sealed.header, sealed.ciphertext, { replaces: () => true })
    await vault.store.compact({ force: true })
    await vault.release(r)
    await t.vault.close()
    const v = await openVault({ home: t.home })
    expect(v.vault.store.uncoveredCount(r.id)).toBe(0)
    same(before, await view(v))
    await v.close()
  })

  it('sets aside a stored entry that breaks the document and opens the rest, the load in slices', async () => {
    const t = await newVault({ snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); cleanups.push(t.cleanup)
    await write(t.vault, 1000)
    const vault = t.vault.vault
    const r = await vault.acquire(NAME)
    // A valid Yjs update of the wrong shape deep in the document (a string inside a transcript
    // chunk, where messages are maps): only the document shows it, so the load's culprit search
    // names it by the item it wrote. Stored as this device's, on a lane of its own, bypassing admission.
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(r.doc))
    const sv = Y.encodeStateVector(copy)
    ;(copy.getArray('transcript').get(0) as Y.Array<unknown>).insert(3, ['not a message'])
    const bad = sealUpdate({ keys: vault.identity.keys, signer: vault.identity.device.signer }, r.id, 1n, Y.encodeStateAsUpdate(copy, sv), { lane: 9 })
    await vault.store.putEntry(bad)
    await vault.release(r)
    const before = await view(t.vault) // the replica was released: this is a fresh load, which sets the entry aside
    expect(vault.quarantined().map(q => [q.lane, q.seq])).toEqual([[9, 1]])
    await t.vault.close()
    const v = await openVault({ home: t.home })
    same(before, await view(v))
    const s = await v.sessions.open(KEY)
    expect(s.messageCount()).toBe(1000)
    await s.close()
    await v.close()
  })

  it('sets aside a stored snapshot that breaks the document and loads again from the other, read again from its file', async () => {
    const t = await newVault({ snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); cleanups.push(t.cleanup)
    await write(t.vault, 1000)
    const vault = t.vault.vault
    const r = await vault.acquire(NAME)
    expect(await vault.snapshotIfNeeded(r, 1)).toBe(true)
    // A second snapshot, in many parts, whose state is the whole document plus an item of the
    // wrong shape (a string where a transcript chunk holds messages), covering nothing.
    const copy = new Y.Doc()
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(r.doc))
    ;(copy.getArray('transcript').get(0) as Y.Array<unknown>).insert(3, ['not a message'])
    const enc = new StatePartsEncoder(copy, 16 * 1024)
    const parts: Uint8Array[] = []
    for (let p = enc.next(); p !== undefined; p = enc.next()) parts.push(p)
    expect(parts.length).toBeGreaterThan(8)
    const sealed = sealSnapshot({ keys: vault.identity.keys, signer: vault.identity.device.signer }, r.id, BigInt(Date.now() + 60_000), frameParts(parts), [])
    await vault.store.putSnapshot(sealed.header, sealed.ciphertext, { replaces: () => false })
    expect([...vault.store.snapshots(r.id)].length).toBe(2)
    await vault.release(r)
    // A fresh load: both snapshots applied as they are decrypted, the bad one found by the item
    // it wrote (the good one's parts read again from its file to rule it out), set aside, and
    // the load started over from the good one alone, read from its file a third time.
    const loaded = await view(t.vault)
    expect(vault.quarantined().length).toBe(1)
    expect([...vault.store.snapshots(r.id)].length).toBe(1)
    await t.vault.close()
    const v = await openVault({ home: t.home })
    const again = await view(v)
    same(loaded, again)
    expect(JSON.stringify(again.json)).not.toContain('not a message')
    const s = await v.sessions.open(KEY)
    expect(s.messageCount()).toBe(1000)
    await s.close()
    await v.close()
  })

  it('reads a stored snapshot whole when its file is removed while the load reads it (a snapshot replaced meanwhile)', async () => {
    const t = await newVault({ snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); cleanups.push(t.cleanup)
    await write(t.vault, 600)
    const r = await t.vault.vault.acquire(NAME)
    expect(await t.vault.vault.snapshotIfNeeded(r, 1)).toBe(true)
    await t.vault.vault.release(r)
    const before = await view(t.vault)
    await t.vault.close()
    const v = await openVault({ home: t.home })
    expect(v.vault.store.uncoveredCount(r.id)).toBe(0)
    // The load reads the file twice (checked, then decrypted as applied): its path is removed
    // as soon as the load has opened it, as a replacing snapshot removes it.
    const store = v.vault.store
    const open = store.openSnapshotFile.bind(store)
    let opened = 0
    store.openSnapshotFile = async (sn) => { const f = await open(sn); opened++; await unlink(sn.path); return f }
    same(before, await view(v))
    expect(opened).toBe(1)
    expect(v.vault.quarantined()).toEqual([])
    await v.close()
  })
})
