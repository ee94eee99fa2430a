/**
 * Taking a snapshot holds its sealed chunks on disk, not in memory, until the header that comes
 * first in its file is signed (src/store/snapshots.ts snapshotScratch, src/node/snapshot-take.ts):
 * the sealer hands each chunk over as it is sealed, what it hands over opens to the document's
 * state, the scratch file is gone once the snapshot is stored, and one left by a process that
 * died mid-snapshot is removed by the next open of the home. A scratch that cannot be made
 * reports it when read, as StoreWriteError, not as an unhandled rejection while sealing runs.
 */
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, openSnapshot, SessionDoc, stateParts, type SessionKey } from '../../crdt/index.js'
import { concat } from '../../src/identity/index.js'
import { sealReplica } from '../../src/node/snapshot-take.js'
import { openVault } from '../../src/sdk/index.js'
import { snapshotScratch } from '../../src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const KEY = 'agent:main:scratch'
const NAME = DOC_NAMES.session(KEY as SessionKey)

/** Every file under the home's snapshots directory, by name. */
async function snapshotFiles (home: string): Promise<string[]> {
  const dir = join(home, 'data', 'snapshots')
  const out: string[] = []
  for (const d of await readdir(dir).catch(() => [])) out.push(...(await readdir(join(dir, d)).catch(() => [])))
  return out
}

async function session (n: number): Promise<Awaited<ReturnType<typeof newVault>>> {
  const t = await newVault({ snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 }); cleanups.push(t.cleanup)
  const s = await t.vault.sessions.create(KEY)
  for (let i = 0; i < n; i += 50) await s.append(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `m ${i + j} ${'q'.repeat(900)}` })))
  await s.close()
  return t
}

describe('a snapshot being taken', () => {
  it('hands each sealed chunk over as it comes, and what it handed over opens to the state', async () => {
    const t = await session(1000)
    const r = await t.vault.vault.acquire(NAME)
    try {
      const handed: Uint8Array[] = []
      const sealed = await sealReplica({ keys: t.vault.vault.identity.keys, signer: t.vault.vault.identity.device.signer }, r, 1n, undefined, c => { handed.push(c); return undefined })
      if (sealed === undefined) throw new Error('no snapshot')
      // ~1 MB of state in 64 KiB chunks: all but the last were handed over, none kept.
      expect(handed.length).toBeGreaterThan(10)
      expect(sealed.chunks.length).toBe(1)
      const state = openSnapshot(t.vault.vault.identity.keys, sealed.header, concat([...handed, ...sealed.chunks]))
      const copy = new Y.Doc()
      for (const part of stateParts(state)) Y.applyUpdate(copy, part)
      expect(copy.getArray('transcript').toJSON()).toEqual(r.doc.getArray('transcript').toJSON())
    } finally {
      await t.vault.vault.release(r)
    }
  })

  it('leaves no scratch file once stored, and the next open removes one a dead process left', async () => {
    const t = await session(500)
    const r = await t.vault.vault.acquire(NAME)
    expect(await t.vault.vault.snapshotIfNeeded(r, 1)).toBe(true)
    await t.vault.vault.release(r)
    const files = await snapshotFiles(t.home)
    expect(files.filter(f => f.endsWith('.snap'))).toHaveLength(1)
    expect(files.filter(f => f.endsWith('.tmp'))).toEqual([])

    // A process that died mid-snapshot: its scratch written, never discarded.
    const scratch = t.vault.vault.store.snapshotScratch(r.id)
    await scratch.write(new Uint8Array(100_000))
    for await (const piece of scratch.pieces(1 << 20)) expect(piece.byteLength).toBe(100_000)
    expect((await snapshotFiles(t.home)).filter(f => f.startsWith('scratch.'))).toHaveLength(1)
    await t.vault.close()
    const again = await openVault({ home: t.home }); cleanups.push(async () => { await again.close() })
    expect((await snapshotFiles(t.home)).filter(f => f.endsWith('.tmp'))).toEqual([])
    const r2 = await again.vault.acquire(NAME)
    expect(new SessionDoc(r2.doc).messageCount()).toBe(500)
    await again.vault.release(r2)
  })

  it('that cannot be made is reported when read, as a store write error, and nothing is left unhandled', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    // Its directory's parent is a file: the open fails while the (here: simulated) sealing runs.
    const file = join(t.dir, 'not-a-dir')
    await writeFile(file, 'x')
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown): void => { unhandled.push(e) }
    process.on('unhandledRejection', onUnhandled)
    try {
      const scratch = snapshotScratch(file, new Uint8Array(32))
      await new Promise(resolve => setTimeout(resolve, 50))
      await scratch.write(new Uint8Array(10))
      await expect((async () => { for await (const _ of scratch.pieces(1024)) { /* nothing arrives */ } })()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
      await scratch.discard()
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
