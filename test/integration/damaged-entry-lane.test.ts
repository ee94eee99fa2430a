/**
 * A stored entry damaged on this disk where it says where it belongs (its author, lane or
 * document), or so that it no longer parses at all: the slot it really held, maybe the tip of this
 * device's lane in use, is free, while a peer holds it. Whatever the damaged bytes claim, the lane
 * in use is ended, so the next write goes to a fresh lane, not into that seq with other content
 * (a fork). Once per damage: the record, read again at every open until a rewrite drops it, does
 * not end a lane at each.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { entryPlace, toHex, type Wallet } from '../../src/identity/index.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()
const KEY = 'agent:main:damaged-entry' as SessionKey
const COUNT = 12

async function shown (n: TestNode | MeshVault): Promise<string[]> {
  const s = await ('vault' in n && 'node' in n ? n.vault : n).sessions.open(KEY)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

const all = Array.from({ length: COUNT }, (_, i) => `m${i}`)

/** A and B of one wallet, A writes COUNT messages, B holds them all; A stopped. Returns A's home, the session's document and A's device key. */
async function writtenAndHeld (wallet: Wallet): Promise<{ home: string, doc: Uint8Array, device: Uint8Array, b: TestNode }> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const home = join(t.dir, 'a')
  const a = await startNode({ wallet, home, label: 'A' }); nodes.push(a)
  const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
  const s = await a.vault.sessions.create(KEY)
  for (const m of all) await s.append({ role: 'user', content: m })
  await s.close()
  await a.node.dial(b.node.addresses()[0] as string)
  await until(async () => (await b.vault.sessions.exists(KEY)) && (await shown(b)).length === COUNT, 'B to hold every message')
  const doc = a.vault.vault.docId(DOC_NAMES.session(KEY))
  const device = a.vault.vault.identity.device.publicKey
  await a.stop()
  return { home, doc, device, b }
}

/** Flips one bit inside the author key (body field 4) of the entry at `seq`, checksum recomputed. */
async function damageAuthor (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint): Promise<void> {
  const path = join(home, 'data', 'log')
  const b = await readFile(path)
  for (let at = 0; at + 8 <= b.length;) {
    const len = b.readUInt32LE(at)
    if (b[at + 8] === 1) {
      const rec = b.subarray(at + 9, at + 8 + len)
      const p = entryPlace(new Uint8Array(rec))
      if (p.seq === seq && Buffer.from(p.doc).equals(Buffer.from(doc)) && Buffer.from(p.author).equals(Buffer.from(author))) {
        const i = rec.indexOf(Buffer.from(author))
        if (i < 0) throw new Error('author not found in record')
        const off = at + 9 + i + 10
        b.writeUInt8(b.readUInt8(off) ^ 1, off)
        b.writeUInt32LE(crc32(b.subarray(at + 8, at + 8 + len)), at + 4)
        await writeFile(path, b)
        return
      }
    }
    at += 8 + len
  }
  throw new Error(`no entry at seq ${seq} in ${path}`)
}

/** Makes the entry record at `seq` unparseable (its first byte an invalid field tag), checksum recomputed. */
async function breakEntry (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint): Promise<void> {
  const path = join(home, 'data', 'log')
  const b = await readFile(path)
  for (let at = 0; at + 8 <= b.length;) {
    const len = b.readUInt32LE(at)
    if (b[at + 8] === 1) {
      const p = entryPlace(new Uint8Array(b.subarray(at + 9, at + 8 + len)))
      if (p.seq === seq && Buffer.from(p.doc).equals(Buffer.from(doc)) && Buffer.from(p.author).equals(Buffer.from(author))) {
        b.writeUInt8(0xff, at + 9)
        b.writeUInt32LE(crc32(b.subarray(at + 8, at + 8 + len)), at + 4)
        await writeFile(path, b)
        return
      }
    }
    at += 8 + len
  }
  throw new Error(`no entry at seq ${seq} in ${path}`)
}

async function append (v: MeshVault, content: string): Promise<void> {
  const s = await v.sessions.open(KEY)
  try { await s.append({ role: 'user', content }) } finally { await s.close() }
}

describe('a damaged entry whose place cannot be trusted ends this device\'s lane in use', () => {
  it('a damaged author field at the tip of its own lane: set aside, and the next write does not take the freed seq (no fork with the peer); the next open ends no other lane', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet)
    const tip = BigInt(b.vault.vault.store.maxSeq(doc, device, 0))
    await damageAuthor(home, doc, device, tip)

    const alone = await openVault({ home, wallet, label: 'A' })
    let lane: number
    try {
      expect(await shown(alone)).toEqual(all.slice(0, -1))
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
      expect(await shown(again)).toEqual([...all.slice(0, -1), 'after'])
      await append(again, 'later')
      expect(again.vault.store.maxLane(device)).toBe(lane)
    } finally {
      await again.close()
    }
  })

  it('an entry record that no longer parses at the tip of its own lane: found at open, and the next write goes to a fresh lane', async () => {
    const wallet = generateWallet()
    const { home, doc, device, b } = await writtenAndHeld(wallet)
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
