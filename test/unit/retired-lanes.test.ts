/**
 * Retired lanes are saved one write after another (data/retired.json): a write that fails is
 * reported to its caller, and the next raise is saved all the same.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { RetiredLanes } from '../../src/store/retired.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const fail = { writes: 0 }
vi.mock('../../src/store/files.js', async (real) => {
  const m = await real<typeof import('../../src/store/files.js')>()
  return {
    ...m,
    atomicWrite: async (...args: Parameters<typeof m.atomicWrite>) => {
      if (fail.writes > 0) { fail.writes--; throw m.writeError(args[0], Object.assign(new Error('EIO'), { code: 'EIO' })) }
      await m.atomicWrite(...args)
    }
  }
})

const { cleanups } = stopAfterEach()

describe('retired lanes', () => {
  it('a failed save is reported to its caller, and the next raise is saved', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'retired.json')
    const r = await RetiredLanes.open(path)
    fail.writes = 1
    await expect(r.raise('d1', 'a1', 2)).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    expect(await r.raise('d1', 'a1', 3)).toBe(true)
    expect(JSON.parse(await readFile(path, 'utf8')).docs).toEqual({ d1: { a1: 3 } })
    const again = await RetiredLanes.open(path)
    expect(again.of('d1').get('a1')).toBe(3)
  })
})
