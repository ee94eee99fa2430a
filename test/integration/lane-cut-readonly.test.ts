/**
 * A region the repair at open cuts out ends this device's lane in use (6288e12), but an open that
 * only read (mesh status, mesh sessions without a daemon) left lane.json calling that lane clean;
 * the cut, gone from the log, was never found again, and the next open that wrote continued the
 * lane over the lost tip, a seq a peer may hold with other content (a fork). The run that ends a
 * lane it never opened now says so on disk at close.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'
import { alterEntry } from '../helpers/damaged-log.js'

const KEY = 'agent:main:cut' as SessionKey

/** The entry at `seq` altered under its old checksum: the repair at open cuts it out. */
async function breakChecksumAt (home: string, doc: Uint8Array, author: Uint8Array, seq: bigint): Promise<void> {
  await alterEntry(home, { doc, author, seq }, r => { r[r.length - 3] = (r[r.length - 3] as number) ^ 0xff }, { checksum: 'keep' })
}

describe('a lane ended by a run that only read', () => {
  it('the lane stays ended after an open that does not write', async () => {
    const t = await tempDir()
    const wallet = generateWallet()
    const home = join(t.dir, 'a')
    try {
      let v = await openVault({ home, wallet, label: 'A' })
      const s = await v.sessions.create(KEY)
      for (let i = 0; i < 5; i++) await s.append({ role: 'user', content: `m${i}` })
      await s.close()
      const doc = v.vault.docId(DOC_NAMES.session(KEY))
      const device = v.vault.identity.device.publicKey
      const tip = v.vault.store.maxSeq(doc, device, 0)
      await v.close()
      await breakChecksumAt(home, doc, device, BigInt(tip))

      // An open that only reads (mesh status, mesh sessions without a daemon): the repair cuts the tip out.
      v = await openVault({ home, wallet, label: 'A' })
      expect(v.vault.store.recovered.length).toBeGreaterThan(0)
      expect(v.vault.store.maxSeq(doc, device, 0)).toBe(tip - 1)
      await v.close()
      expect(JSON.parse(await readFile(join(home, 'lane.json'), 'utf8'))).toMatchObject({ lane: 0, clean: false })

      // The next open writes.
      v = await openVault({ home, wallet, label: 'A' })
      expect(v.vault.store.recovered.length).toBe(0)
      const s2 = await v.sessions.open(KEY)
      await s2.append({ role: 'user', content: 'other content' })
      await s2.close()
      const reused = v.vault.store.maxSeq(doc, device, 0)
      await v.close()
      // seq `tip` of lane 0 (which peers may hold with m4) must not be written again with other content
      expect(reused).toBeLessThan(tip)
    } finally {
      await t.cleanup()
    }
  })
})
