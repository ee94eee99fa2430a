/**
 * A stored entry damaged on this disk where it says where it belongs (its author, lane or
 * document), or so that it no longer parses at all: the slot it really held, maybe the tip of this
 * device's lane in use, is free, while a peer holds it. Whatever the damaged bytes claim, the lane
 * in use is ended, so the next write goes to a fresh lane, not into that seq with other content
 * (a fork). Once per damage: the record, read again at every open until a rewrite drops it, does
 * not end a lane at each.
 */
import { describe, expect, it } from 'vitest'
import type { SessionKey } from '../../crdt/index.js'
import { toHex } from '../../src/identity/index.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { alterEntry, shown, writtenAndHeld } from '../helpers/damaged-log.js'

const { nodes, cleanups } = stopAfterEach()
const KEY = 'agent:main:damaged-entry' as SessionKey
const COUNT = 12

const all = Array.from({ length: COUNT }, (_, i) => `m${i}`)

/** Flips one bit inside the author key (body field 4) of the entry at `seq`. */
async function damageAuthor (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint): Promise<void> {
  await alterEntry(home, { doc, author, seq }, r => {
    const i = r.indexOf(Buffer.from(author), 1)
    if (i < 0) throw new Error('author not found in record')
    r[i + 10] = (r[i + 10] as number) ^ 1
  })
}

/**
 * Flips one bit inside the document id (body field 3) of the entry at `seq`: it still parses, and
 * is indexed under a document no one opens. Returns that id.
 */
async function damageDoc (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint): Promise<Uint8Array> {
  let other: Uint8Array | undefined
  await alterEntry(home, { doc, author, seq }, r => {
    const i = r.indexOf(Buffer.from(doc), 1)
    if (i < 0) throw new Error('document id not found in record')
    r[i + 10] = (r[i + 10] as number) ^ 1
    other = new Uint8Array(r.subarray(i, i + doc.byteLength))
  })
  if (other === undefined) throw new Error('no entry altered')
  return other
}

/** Makes the entry record at `seq` unparseable (its first byte an invalid field tag). */
async function breakEntry (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint): Promise<void> {
  await alterEntry(home, { doc, author, seq }, r => { r[1] = 0xff })
}

async function append (v: MeshVault, content: string): Promise<void> {
  const s = await v.sessions.open(KEY)
  try { await s.append({ role: 'user', content }) } finally { await s.close() }
}

describe('a damaged entry whose place cannot be trusted ends this device\'s lane in use', () => {
  it('a damaged author field at the tip of its own lane: set aside, and the next write does not take the freed seq (no fork with the peer); the next open ends no other lane', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet, KEY, all, { nodes, cleanups })
    const tip = BigInt(b.vault.vault.store.maxSeq(doc, device, 0))
    await damageAuthor(home, doc, device, tip)

    const alone = await openVault({ home, wallet, label: 'A' })
    let lane: number
    try {
      expect(await shown(alone, KEY)).toEqual(all.slice(0, -1))
      // Set aside as damaged (a signature that no longer verifies), though it names another author.
      expect(await alone.vault.store.damaged()).toMatchObject([{ kind: 'entry', doc: toHex(doc) }])
      await append(alone, 'after')
      // Not seq `tip` of lane 0, which B holds with m11: a fresh lane.
      expect(alone.vault.store.maxSeq(doc, device, 0)).toBeLessThan(Number(tip))
      lane = alone.vault.store.maxLane(device)
      expect(lane).toBeGreaterThan(0)
    } finally {
      await alone.close()
    }
    // The damaged record is still in the log (no rewrite since): found and set aside again, it
    // ends no lane opened after it was first found.
    const again = await openVault({ home, wallet, label: 'A' })
    try {
      expect(await shown(again, KEY)).toEqual([...all.slice(0, -1), 'after'])
      await append(again, 'later')
      expect(again.vault.store.maxLane(device)).toBe(lane)
    } finally {
      await again.close()
    }
  })

  it('a damaged document field at the tip of its own lane: found at open though no load reads it, set aside, the next write goes to a fresh lane, once per damage, and the peer\'s good copy is taken (no fork)', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet, KEY, all, { nodes, cleanups })
    const tip = BigInt(b.vault.vault.store.maxSeq(doc, device, 0))
    const other = await damageDoc(home, doc, device, tip)

    const alone = await openVault({ home, wallet, label: 'A' })
    let lane: number
    try {
      // Listed under the document its damaged bytes name, which holds nothing any more.
      expect(await alone.vault.store.damaged()).toMatchObject([{ kind: 'entry', doc: toHex(other) }])
      expect(alone.vault.store.maxSeq(other, device, 0)).toBe(0)
      expect(await shown(alone, KEY)).toEqual(all.slice(0, -1))
      await append(alone, 'after')
      // Not seq `tip` of lane 0, which B holds with m11: a fresh lane.
      expect(alone.vault.store.maxSeq(doc, device, 0)).toBe(Number(tip) - 1)
      lane = alone.vault.store.maxLane(device)
      expect(lane).toBeGreaterThan(0)
    } finally {
      await alone.close()
    }
    // Still in the log (no rewrite since): found again, it ends no lane opened after it was first found.
    const again = await openVault({ home, wallet, label: 'A' })
    try {
      expect(again.vault.store.maxSeq(other, device, 0)).toBe(0)
      await append(again, 'later')
      expect(again.vault.store.maxLane(device)).toBe(lane)
      expect(await again.vault.store.damaged()).toHaveLength(1)
    } finally {
      await again.close()
    }

    const a = await startNode({ wallet, home, label: 'A' }); nodes.unshift(a)
    await a.node.dial(b.node.addresses()[0] as string)
    const every = [...all, 'after', 'later']
    await until(async () => (await shown(a, KEY)).length === every.length && (await shown(b, KEY)).length === every.length, 'A to take m11 from B, and B the later messages from A')
    expect((await shown(a, KEY)).sort()).toEqual([...every].sort())
    expect(await shown(b, KEY)).toEqual(await shown(a, KEY))
    expect(a.vault.vault.forks()).toEqual([])
    expect(b.vault.vault.forks()).toEqual([])
  })

  it('an entry record that no longer parses at the tip of its own lane: found at open, and the next write goes to a fresh lane', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet, KEY, all, { nodes, cleanups })
    const tip = BigInt(b.vault.vault.store.maxSeq(doc, device, 0))
    await breakEntry(home, doc, device, tip)

    const alone = await openVault({ home, wallet, label: 'A' })
    try {
      expect(alone.vault.store.maxSeq(doc, device, 0)).toBe(Number(tip) - 1)
      await append(alone, 'after')
      expect(alone.vault.store.maxSeq(doc, device, 0)).toBe(Number(tip) - 1)
      expect(alone.vault.store.maxLane(device)).toBeGreaterThan(0)
    } finally {
      await alone.close()
    }
  })
})
