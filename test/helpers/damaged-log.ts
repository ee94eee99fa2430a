/**
 * For tests of entries damaged on disk (test/integration/damaged-entry*.test.ts): a session A
 * wrote and B holds, and an entry record of A's log altered in place with its record's checksum
 * written again over the altered bytes (as damage that happened before the checksum was
 * computed, or an alteration that recomputed it).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { entryPlace, type Wallet } from '../../src/identity/index.js'
import type { MeshVault } from '../../src/sdk/index.js'
import { startNode, until, type TestNode } from './nodes.js'
import { tempDir } from './tmp.js'

/**
 * Alters the entry record of `doc` at `seq` in `author`'s lane in the home's log: `edit` gets the
 * record (its type byte first, then the entry's bytes) as a view into the file to change in
 * place; the record's checksum is written again after (unless `checksum: 'keep'`).
 */
export async function alterEntry (home: string, at: { doc: Uint8Array, author: Uint8Array, seq: bigint }, edit: (record: Buffer) => void, opts: { checksum?: 'recompute' | 'keep' } = {}): Promise<void> {
  const path = join(home, 'data', 'log')
  const b = await readFile(path)
  for (let i = 0; i + 8 <= b.length;) {
    const len = b.readUInt32LE(i)
    const record = b.subarray(i + 8, i + 8 + len)
    if (record[0] === 1) {
      const p = entryPlace(new Uint8Array(record.subarray(1)))
      if (p.seq === at.seq && Buffer.from(p.doc).equals(Buffer.from(at.doc)) && Buffer.from(p.author).equals(Buffer.from(at.author))) {
        edit(record)
        // 'keep': the old checksum no longer matches (damage the repair at open finds and cuts out).
        if (opts.checksum !== 'keep') b.writeUInt32LE(crc32(record), i + 4)
        await writeFile(path, b)
        return
      }
    }
    i += 8 + len
  }
  throw new Error(`no entry at seq ${at.seq} in ${path}`)
}

/** The contents of session `key`'s messages as `n` shows them. */
export async function shown (n: TestNode | MeshVault, key: SessionKey): Promise<string[]> {
  const s = await ('vault' in n && 'node' in n ? n.vault : n).sessions.open(key)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

/**
 * A and B of one wallet: A writes `messages` to session `key`, B holds them all, A is stopped.
 * Returns A's home, the session's document and A's device key, and B (running).
 */
export async function writtenAndHeld (wallet: Wallet, key: SessionKey, messages: readonly string[], track: { nodes: TestNode[], cleanups: Array<() => unknown> }): Promise<{ home: string, doc: Uint8Array, device: Uint8Array, b: TestNode }> {
  const t = await tempDir(); track.cleanups.push(t.cleanup)
  const home = join(t.dir, 'a')
  const a = await startNode({ wallet, home, label: 'A' }); track.nodes.push(a)
  const b = await startNode({ wallet, label: 'B' }); track.nodes.push(b)
  const s = await a.vault.sessions.create(key)
  for (const m of messages) await s.append({ role: 'user', content: m })
  await s.close()
  await a.node.dial(b.node.addresses()[0] as string)
  await until(async () => (await b.vault.sessions.exists(key)) && (await shown(b, key)).length === messages.length, 'B to hold every message')
  const doc = a.vault.vault.docId(DOC_NAMES.session(key))
  const device = a.vault.vault.identity.device.publicKey
  await a.stop()
  return { home, doc, device, b }
}
