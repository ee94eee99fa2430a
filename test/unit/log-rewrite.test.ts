/**
 * A rewrite of the log (compaction, sealing certificates) renames its copy over the log; from
 * then on the new file is the log, whatever fails next. An append is never acknowledged into the
 * old, unlinked file (it would be gone at the next open), nor before the rename is synced into
 * the directory.
 */
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { RecordLog } from '../../src/store/log.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const fail = { dirSyncs: 0, reopens: 0 }
const emfile = (): Error => Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' })
vi.mock('../../src/durable-dirs.js', async (real) => {
  const m = await real<typeof import('../../src/durable-dirs.js')>()
  return { ...m, fsyncDir: async (dir: string) => { if (fail.dirSyncs > 0) { fail.dirSyncs--; throw emfile() } await m.fsyncDir(dir) } }
})
vi.mock('../../src/store/log-format.js', async (real) => {
  const m = await real<typeof import('../../src/store/log-format.js')>()
  return { ...m, reopen: async (path: string) => { if (fail.reopens > 0) { fail.reopens--; throw emfile() } return await m.reopen(path) } }
})

const { cleanups } = stopAfterEach()

async function records (path: string): Promise<string[]> {
  const out: string[] = []
  const { log } = await RecordLog.open(path, (p) => { out.push(Buffer.from(p).toString()) }, () => { out.length = 0 })
  await log.close()
  return out
}

describe('log rewrite, after its rename', () => {
  it('a directory that cannot be synced: appends are refused until it is, and every one acknowledged is there at the next open', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await RecordLog.open(path, () => {}, () => {})
    const a = await log.append(Buffer.from('A'))
    const b = await log.append(Buffer.from('B'))
    await log.append(Buffer.from('dropped'))
    fail.dirSyncs = 100
    await expect(log.rewrite(() => [a, b])).rejects.toThrow(/EMFILE/)
    await expect(log.append(Buffer.from('C'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    fail.dirSyncs = 1 // one more failure, then tried again
    await log.append(Buffer.from('D'))
    expect(log.bytes).toBe(3 * 9)
    await log.close()
    expect(await records(path)).toEqual(['A', 'B', 'D'])
  })

  it('a log that cannot be opened again takes no more appends, and loses nothing acknowledged', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await RecordLog.open(path, () => {}, () => {})
    const a = await log.append(Buffer.from('A'))
    const b = await log.append(Buffer.from('B'))
    fail.reopens = 1
    await expect(log.rewrite(() => [b])).rejects.toThrow(/EMFILE/)
    await expect(log.append(Buffer.from('C'))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    await expect(log.rewrite(() => [])).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    // Its reads go on, at the places it had.
    expect(Buffer.from(await log.read(a) as Uint8Array).toString()).toBe('A')
    await log.close()
    expect(await records(path)).toEqual(['B'])
  })
})
