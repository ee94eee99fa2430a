/**
 * Compaction rewrites the log (a copy, then a rename): what the disk holds at every moment must be
 * a whole store. Certificates and registry operations go into the copy with the entries, not
 * written again after the rename, where a crash lost every one of them; a rewrite that fails (a
 * full disk, a path it cannot write) leaves the log as it was, the process running, the index as
 * the file is and no partial copy behind.
 */
import { cp, mkdir, open, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { sealUpdate } from '../../crdt/index.js'
import { deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, toHex, vaultSeedSignature } from '../../src/identity/index.js'
import { EntryStore } from '../../src/store/index.js'
import { RecordLog } from '../../src/store/log.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('compaction', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const dev = await generateDeviceKey()
  const ctx = { keys, signer: dev.signer }
  const doc = docIdFor(keys, 'compacted')
  const cert = (i: number): Uint8Array => new Uint8Array(300).map((_, j) => (i * 7 + j) & 0xff)

  async function filled (): Promise<{ dir: string, store: EntryStore }> {
    const t = await tempDir()
    const store = await EntryStore.open(t.dir)
    cleanups.push(async () => { await store.close(); await t.cleanup() })
    for (let i = 1; i <= 40; i++) {
      await store.putEntry(sealUpdate(ctx, doc, BigInt(i), new Uint8Array(500).fill(i)))
      if (i % 10 === 0) await store.putCertificate(cert(i))
    }
    return { dir: t.dir, store }
  }

  it('the log as a crash right after the rename leaves it holds every certificate', async () => {
    const { dir, store } = await filled()
    const certs = store.certificates().map(toHex).sort()
    expect(certs).toHaveLength(4)
    // The disk as it is the moment the rewrite returns: what a SIGKILL there would leave.
    const image = join(dir, '..', `${dir.split('/').pop() as string}-crash`)
    cleanups.push(async () => { const { rm } = await import('node:fs/promises'); await rm(image, { recursive: true, force: true }) })
    const rewrite = RecordLog.prototype.rewrite
    const spy = vi.spyOn(RecordLog.prototype, 'rewrite').mockImplementation(async function (this: RecordLog, ...args) {
      const done = await rewrite.apply(this, args)
      await cp(dir, image, { recursive: true })
      return done
    })
    try {
      expect(await store.compact({ force: true })).toBeDefined()
    } finally {
      spy.mockRestore()
    }
    const crashed = await EntryStore.open(image)
    cleanups.unshift(async () => { await crashed.close() }) // before its folder is removed: a close writes held.sum
    expect(crashed.certificates().map(toHex).sort()).toEqual(certs)
    expect(crashed.stats().entries).toBe(40)
    // And nothing is written twice: the compacted log holds each certificate once.
    expect(store.stats().certificates).toBe(4)
    expect(crashed.stats().logBytes).toBe(store.stats().logBytes)
  })

  it('a rewrite that cannot write its copy fails the compaction alone: the log, its reads and appends go on', async () => {
    const { dir, store } = await filled()
    const before = store.stats()
    // Its copy's path taken by a directory: the rewrite fails at its open.
    await mkdir(join(dir, 'log.compact.tmp'))
    await expect(store.compact({ force: true })).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    expect(store.stats()).toEqual(before)
    expect(await store.read(doc, dev.publicKey, 40n)).toBeDefined()
    await store.putEntry(sealUpdate(ctx, doc, 41n, new Uint8Array(10)))
    expect(store.stats().entries).toBe(41)
    await store.close()
    // Reopened, the log is whole; a copy left by a crash (a file there) is removed at open.
    const { rm, writeFile } = await import('node:fs/promises')
    await rm(join(dir, 'log.compact.tmp'), { recursive: true })
    await writeFile(join(dir, 'log.compact.tmp'), new Uint8Array(4096))
    const again = await EntryStore.open(dir)
    cleanups.unshift(async () => { await again.close() }) // before its folder is removed: a close writes held.sum
    expect(again.stats().entries).toBe(41)
    expect(again.certificates()).toHaveLength(4)
    expect((await readdir(dir)).includes('log.compact.tmp')).toBe(false)
    expect(await again.compact({ force: true })).toBeDefined()
    expect(again.stats().entries).toBe(41)
  })
  it('an entry whose record the disk damaged since the open is no longer held after a compaction, so a peer sends it again', async () => {
    const { dir, store } = await filled()
    // Where entry 20's bytes lie: its record is the only one holding them.
    const bytes = await store.read(doc, dev.publicKey, 20n) as Uint8Array
    const log = await readFile(join(dir, 'log'))
    const at = log.indexOf(Buffer.from(bytes))
    expect(at).toBeGreaterThan(0)
    const fh = await open(join(dir, 'log'), 'r+')
    await fh.write(Buffer.from([log[at + 100] as number ^ 0xff]), 0, 1, at + 100)
    await fh.close()
    expect(await store.compact({ force: true })).toBeDefined()
    expect(store.has(doc, dev.publicKey, 20n)).toBe(false)
    expect(store.has(doc, dev.publicKey, 21n)).toBe(true)
    expect(store.stats().entries).toBe(39)
    expect((await store.damaged()).filter(d => d.kind === 'log')).toHaveLength(1)
    await store.close()
    const again = await EntryStore.open(dir)
    cleanups.unshift(async () => { await again.close() }) // before its folder is removed: a close writes held.sum
    expect(again.recovered).toEqual([])
    expect(again.has(doc, dev.publicKey, 20n)).toBe(false)
    expect(again.stats().entries).toBe(39)
    expect(again.certificates()).toHaveLength(4)
  })
})
