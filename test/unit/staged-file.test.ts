/** Files written as their bytes arrive, kept only on commit (how a received snapshot is stored). */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stageFile } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('staged files', () => {
  it('holds its caller back while the disk is behind, and puts the whole file in place on commit', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'sub', 'file')
    const f = stageFile(path)
    const pieces = Array.from({ length: 6 }, () => randomBytes(3 * 1024 * 1024))
    const waits = pieces.map(p => f.write(p))
    // Up to 8 MiB queued the caller goes on; past that it is asked to wait, and the wait ends.
    expect(waits.slice(0, 2).every(w => w === undefined)).toBe(true)
    expect(waits.slice(2).every(w => w instanceof Promise)).toBe(true)
    await Promise.all(waits)
    // Nothing is at the path before the commit, only the temp file.
    expect(await readdir(join(t.dir, 'sub'))).toEqual([expect.stringMatching(/\.tmp$/)])
    await f.commit()
    expect(await readdir(join(t.dir, 'sub'))).toEqual(['file'])
    expect(Buffer.compare(await readFile(path), Buffer.concat(pieces))).toBe(0)
    expect(() => f.write(Uint8Array.of(1))).toThrow()
  })

  it('discard leaves nothing, and a replaced file stays as it was', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'file')
    await writeFile(path, 'before')
    const f = stageFile(path)
    f.write(Buffer.from('after'))
    await f.discard()
    expect(await readdir(t.dir)).toEqual(['file'])
    expect(await readFile(path, 'utf8')).toBe('before')
  })

  it('a write that cannot happen is reported by commit, releases waits and leaves nothing', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    await writeFile(join(t.dir, 'not-a-dir'), 'x')
    const f = stageFile(join(t.dir, 'not-a-dir', 'file'))
    const waits = Array.from({ length: 4 }, () => f.write(randomBytes(3 * 1024 * 1024)))
    await Promise.all(waits)
    await expect(f.commit()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
    expect(await readdir(t.dir)).toEqual(['not-a-dir'])
  })

  it('whose open fails before its first write reports it at commit, leaving nothing unhandled meanwhile', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    await writeFile(join(t.dir, 'not-a-dir'), 'x')
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown): void => { unhandled.push(e) }
    process.on('unhandledRejection', onUnhandled)
    try {
      // A received snapshot's file: its first bytes come a round trip later.
      const f = stageFile(join(t.dir, 'not-a-dir', 'sub', 'file'))
      await new Promise(resolve => setTimeout(resolve, 50))
      f.write(randomBytes(10))
      await expect(f.commit()).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' })
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
