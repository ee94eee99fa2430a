/**
 * Sealing the certificates of a home written before they were sealed rewrites the log at open.
 * Like a compaction, it is not begun without room for its copy (the store opens, and seals at an
 * open with room), and it keeps every other record: entries, sealed certificates this key does
 * not open, records this version does not read.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { toHex, type RecordSealer } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { RecordLog } from '../../src/store/log.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

/** What statfs tells the store (undefined: the real disk). */
const disk: { free: number | undefined } = { free: undefined }
vi.mock('../../src/store/disk.js', async (real) => {
  const m = await real<typeof import('../../src/store/disk.js')>()
  return { ...m, freeBytes: async (dir: string) => disk.free ?? await m.freeBytes(dir) }
})

const { cleanups } = stopAfterEach()

/** A sealer under key `k`: it opens only what it sealed. */
const sealer = (k: number): RecordSealer => ({
  seal: (b) => { const o = new Uint8Array(b.byteLength + 1); o[0] = k; o.set(b, 1); return o },
  open: (b) => { if (b[0] !== k) throw new Error('not under this key'); return b.subarray(1) }
})

async function opened (dir: string, certificates?: RecordSealer): Promise<EntryStore> {
  const s = await EntryStore.open(dir, certificates !== undefined ? { certificates } : {})
  cleanups.push(async () => { await s.close() })
  return s
}

/** The log's records, as they are on disk. */
async function records (dir: string): Promise<Buffer[]> {
  const out: Buffer[] = []
  const { log } = await RecordLog.open(join(dir, 'log'), (p) => { out.push(Buffer.from(p)) }, () => { out.length = 0 })
  await log.close()
  return out
}

describe('sealing certificates at open', () => {
  it('a disk without room for the copy: the store opens, the plaintext record stays, and an open with room seals it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    let s = await opened(t.dir, sealer(0xaa))
    for (let i = 0; i < 5; i++) await s.putCertificate(randomBytes(100_000))
    await s.close()
    // A node without the key (mesh init on the existing home) writes one in plaintext.
    s = await opened(t.dir)
    const plain = randomBytes(200)
    await s.putCertificate(plain)
    await s.close()
    const all = async (x: EntryStore): Promise<string[]> => x.certificates().map(toHex).sort()
    const isPlain = (r: Buffer): boolean => r[0] === 2
    disk.free = 1024 * 1024 + 100_000 // under the copy and the appends' reserve
    try {
      s = await opened(t.dir, sealer(0xaa))
    } finally {
      disk.free = undefined
    }
    const held = await all(s)
    expect(held).toHaveLength(6)
    await s.close()
    expect((await records(t.dir)).filter(isPlain)).toHaveLength(1)
    s = await opened(t.dir, sealer(0xaa))
    expect(await all(s)).toEqual(held)
    await s.close()
    expect((await records(t.dir)).filter(isPlain)).toHaveLength(0)
  })

  it('keeps sealed records this key does not open, and records of a type it does not read', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    let s = await opened(t.dir, sealer(0xaa))
    const other = randomBytes(300)
    await s.putCertificate(other)
    await s.close()
    // Records a newer version wrote: a type this one does not know, an entry it cannot parse.
    const { log } = await RecordLog.open(join(t.dir, 'log'), () => {}, () => {})
    const unknown = Buffer.from([9, 1, 2, 3])
    const unparsed = Buffer.from([1, 0xff, 0xfe])
    await log.append(unknown)
    await log.append(unparsed)
    await log.close()
    s = await opened(t.dir)
    await s.putCertificate(randomBytes(200))
    await s.close()
    // Opened under another key: the first certificate does not open, the plaintext one is sealed.
    s = await opened(t.dir, sealer(0xbb))
    expect(s.certificates()).toHaveLength(1)
    await s.close()
    expect((await records(t.dir)).filter(r => r[0] === 2)).toHaveLength(0)
    s = await opened(t.dir, sealer(0xaa))
    expect(s.certificates().map(toHex)).toContain(toHex(other))
    // And a compaction keeps them too.
    expect(await s.compact({ force: true })).toBeDefined()
    await s.close()
    const left = await records(t.dir)
    expect(left.some(r => r.equals(unknown))).toBe(true)
    expect(left.some(r => r.equals(unparsed))).toBe(true)
    expect(left.filter(r => r[0] === 3)).toHaveLength(2)
  })
})
