/**
 * An entry of the log altered on this disk with its record's checksum still matching (computed
 * over bytes already damaged, or an alteration that recomputed it): at load it no longer verifies.
 * It is set aside into data/damaged/ (listed as `entry`), and its slot no longer counts as held,
 * so a peer's good copy is taken over sync and every later message of its lane shows (Yjs held
 * them back behind it). A damaged tip of this device's own lane leaves that lane: its next write
 * goes to a fresh one, not into the freed seq with other content than the peer holds there.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SessionKey } from '../../crdt/index.js'
import { toHex } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { alterEntry, shown, writtenAndHeld } from '../helpers/damaged-log.js'

const { nodes, cleanups } = stopAfterEach()
const KEY = 'agent:main:damaged-entry' as SessionKey
const COUNT = 12

const all = Array.from({ length: COUNT }, (_, i) => `m${i}`)

/** Flips one bit of the entry at `seq`: the last byte of the signature, or a byte of the body. */
async function damageEntry (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint, where: 'signature' | 'body'): Promise<void> {
  await alterEntry(home, { doc, author, seq }, r => { const i = where === 'signature' ? r.length - 1 : r.length - 90; r[i] = (r[i] as number) ^ 1 })
}

describe('an entry damaged in the log with its checksum matching', () => {
  it('is set aside, listed, and taken again from a peer: every later message of its lane shows', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet, KEY, all, { nodes, cleanups })
    // Seq 6 of A's lane: the session's creation takes the first entries, so a message in the middle.
    await damageEntry(home, doc, device, 6n, 'signature')

    // Offline first (A's node would redial B at once): the rest of the lane is held back behind it.
    const alone = await openVault({ home, wallet, label: 'A' })
    try {
      expect((await shown(alone, KEY)).length).toBeLessThan(COUNT)
      const damaged = await alone.vault.store.damaged()
      expect(damaged).toMatchObject([{ kind: 'entry', doc: toHex(doc) }])
      expect(damaged[0]?.path).toContain(join(home, 'data', 'damaged'))
      expect(damaged[0]?.reason).toMatch(/signature/)
      // Its note names the document by its hex id, not by the session's key.
      expect(await readFile(`${damaged[0]?.path as string}.json`, 'utf8')).not.toContain(KEY)
      // The store no longer claims it: its vector for A's lane stops below it, so a peer sends it.
      expect(alone.vault.store.vector(doc).get(toHex(device))).toBeLessThan(6)
    } finally {
      await alone.close()
    }

    let a = await startNode({ wallet, home, label: 'A' }); nodes.unshift(a)
    await a.node.dial(b.node.addresses()[0] as string)
    await until(async () => (await shown(a, KEY)).length === COUNT, 'A to take the good copy from B and show every message')
    expect(await shown(a, KEY)).toEqual(all)

    // Alone again: the good copy, appended after the damaged record, is the one read; nothing new is set aside.
    await a.stop()
    const again = await openVault({ home, wallet, label: 'A' })
    try {
      expect(await shown(again, KEY)).toEqual(all)
      expect(await again.vault.store.damaged()).toHaveLength(1)
      expect(await readdir(join(home, 'data', 'damaged'))).toHaveLength(2) // the bytes and their note
    } finally {
      await again.close()
    }
  })

  it('a damaged body at the tip of its own lane: set aside, and its next write goes to a fresh lane (no fork with the peer)', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet, KEY, all, { nodes, cleanups })
    const tip = BigInt(b.vault.vault.store.maxSeq(doc, device, 0))
    await damageEntry(home, doc, device, tip, 'body')

    // Offline, A writes once more: not into the seq it freed, which B holds with other content.
    const alone = await openVault({ home, wallet, label: 'A' })
    try {
      expect(await shown(alone, KEY)).toEqual(all.slice(0, -1))
      expect(await alone.vault.store.damaged()).toMatchObject([{ kind: 'entry', doc: toHex(doc) }])
      const s = await alone.sessions.open(KEY)
      await s.append({ role: 'user', content: 'after' })
      await s.close()
    } finally {
      await alone.close()
    }

    const a = await startNode({ wallet, home, label: 'A' }); nodes.unshift(a)
    await a.node.dial(b.node.addresses()[0] as string)
    const every = [...all, 'after']
    await until(async () => (await shown(a, KEY)).length === every.length && (await shown(b, KEY)).length === every.length, 'A and B to show every message')
    // 'after' and m11 were written concurrently (A did not hold m11): Yjs orders them by client id.
    expect((await shown(a, KEY)).sort()).toEqual([...every].sort())
    expect(await shown(b, KEY)).toEqual(await shown(a, KEY))
    expect(a.vault.vault.forks()).toEqual([])
    expect(b.vault.vault.forks()).toEqual([])
  })
})
