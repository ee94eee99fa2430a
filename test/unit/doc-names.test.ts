/**
 * The vault's document names (sessions by key), which a status, peers.list and a transfer's
 * progress name documents by, are kept while the sessions index is unchanged (node/vault.ts
 * docNames): a status over 2,000 sessions loaded the index and derived every session's id on
 * each call. A session created since, here or while the index is held open, is named at once.
 */
import { afterEach, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { toHex } from '../../src/identity/index.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

it('names every session, the one created since the last call too, and is the same map while nothing changed', async () => {
  const v = await newVault()
  cleanups.push(v.cleanup)
  const vault = v.vault.vault
  const idOf = (key: string): string => toHex(vault.docId(DOC_NAMES.session(key as SessionKey)))
  const s1 = await v.vault.sessions.create('agent:main:one')
  await s1.close()
  const first = await vault.docNames()
  expect(first.get(idOf('agent:main:one'))).toBe('agent:main:one')
  // Unchanged: the same names (a copy: the caller may change its own).
  first.set('x', 'y')
  expect(await vault.docNames()).toEqual(new Map([...first].filter(([k]) => k !== 'x')))
  // Created since: named at the next call.
  const s2 = await v.vault.sessions.create('agent:main:two')
  await s2.close()
  expect((await vault.docNames()).get(idOf('agent:main:two'))).toBe('agent:main:two')
  // Created while the index is held open by another user of it: named too.
  const held = await vault.acquire(DOC_NAMES.sessionsIndex)
  try {
    const s3 = await v.vault.sessions.create('agent:main:three')
    await s3.close()
    expect((await vault.docNames()).get(idOf('agent:main:three'))).toBe('agent:main:three')
  } finally {
    await vault.release(held)
  }
})
