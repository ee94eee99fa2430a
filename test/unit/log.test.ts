import { constants } from 'node:fs'
import { appendFile, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RecordLog } from '../../src/store/index.js'
import { MAX_WAITING_BYTES } from '../../src/store/log.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

async function collect (path: string): Promise<{ records: string[], log: RecordLog, recovered: any[] }> {
  const records: string[] = []
  const { log, recovered } = await RecordLog.open(path, (p) => { records.push(Buffer.from(p).toString()) }, () => { records.length = 0 })
  return { records, log, recovered }
}

describe('record log', () => {
  it('appends concurrently with group commit and reads back in order', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await collect(path)
    await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(Buffer.from(`record-${i}`))))
    await log.close()
    const again = await collect(path)
    expect(again.records).toHaveLength(500)
    expect(again.records[499]).toBe('record-499')
    expect(again.recovered).toEqual([])
    await again.log.close()
  })

  it('cuts a torn tail, keeps it in quarantine, and appends after it', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await collect(path)
    for (let i = 0; i < 10; i++) await log.append(Buffer.from(`r${i}`.repeat(50)))
    await log.close()
    const full = (await stat(path)).size
    await truncate(path, full - 7)
    const a = await collect(path)
    expect(a.records).toHaveLength(9)
    expect(a.recovered[0].kind).toBe('torn-tail')
    expect((await readdir(t.dir)).some(n => n.includes('quarantine'))).toBe(true)
    await a.log.append(Buffer.from('after'))
    await a.log.close()
    const b = await collect(path)
    expect(b.records.at(-1)).toBe('after')
    expect(b.recovered).toEqual([])
    await b.log.close()
  })

  it('skips a corrupted record in the middle and keeps every later one', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await collect(path)
    for (let i = 0; i < 5; i++) await log.append(Buffer.from(`payload-${i}-`.repeat(10)))
    await log.close()
    const bytes = await readFile(path)
    const recLen = bytes.readUInt32LE(0) + 8
    bytes[recLen * 2 + 12] = (bytes[recLen * 2 + 12] as number) ^ 0xff // inside record 2's payload
    await writeFile(path, bytes)
    const a = await collect(path)
    expect(a.records).toHaveLength(4)
    expect(a.records.map(r => r.slice(0, 9))).toEqual(['payload-0', 'payload-1', 'payload-3', 'payload-4'])
    expect(a.recovered[0].kind).toBe('corrupt-record')
    await a.log.append(Buffer.from('next'))
    await a.log.close()
    const b = await collect(path)
    expect(b.records).toHaveLength(5)
    await b.log.close()
  })

  it('treats garbage appended to the file as a torn tail', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await collect(path)
    await log.append(Buffer.from('one'))
    await log.close()
    await appendFile(path, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]))
    const a = await collect(path)
    expect(a.records).toEqual(['one'])
    expect(a.recovered).toHaveLength(1)
    await a.log.close()
  })

  // The durability of an acknowledged append rests on this flag (each write returns once its data
  // is on disk); Linux shows a descriptor's open flags in /proc, in octal.
  it.runIf(process.platform === 'linux')('writes through a descriptor opened O_DSYNC, also after a rewrite', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const { log } = await collect(join(t.dir, 'log'))
    const dsync = async (): Promise<boolean> => {
      const info = await readFile(`/proc/self/fdinfo/${(log as any).fh.fd as number}`, 'utf8')
      return (parseInt(/flags:\s+([0-7]+)/.exec(info)?.[1] ?? '0', 8) & constants.O_DSYNC) !== 0
    }
    const refs = await Promise.all(['a', 'b', 'c'].map(async r => await log.append(Buffer.from(r))))
    expect(await dsync()).toBe(true)
    expect(await log.rewrite(() => refs.slice(1))).toBe(true)
    expect(await dsync()).toBe(true)
    await log.append(Buffer.from('d'))
    await log.close()
    const again = await collect(join(t.dir, 'log'))
    expect(again.records).toEqual(['b', 'c', 'd'])
    await again.log.close()
  })

  it('a record allowed to wait is written when due, with the next record that may not wait, or at close; never out of order', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const path = join(t.dir, 'log')
    const { log } = await collect(path)
    const size = async (): Promise<number> => (await stat(path)).size
    // Alone: not on disk until it is due, then on its own. (Due well after the look at 50 ms: a
    // machine that stalls this process a while must not make it look written early.)
    let done = false
    const a = log.append(Buffer.from('a'), 1500).then(r => { done = true; return r })
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(done).toBe(false)
    expect(await size()).toBe(0)
    expect(await a).toEqual({ offset: 0, length: 1 })
    expect(await size()).toBe(9)
    // Beside one that may not wait: both in that one's write, in the order appended.
    const b = log.append(Buffer.from('b'), 60_000)
    const c = log.append(Buffer.from('c'))
    expect(await Promise.all([b, c])).toEqual([{ offset: 9, length: 1 }, { offset: 18, length: 1 }])
    // A drain writes what waits; so does the close (nothing is lost at a clean stop).
    const d = log.append(Buffer.from('d'), 60_000)
    await log.drain()
    expect(await d).toEqual({ offset: 27, length: 1 })
    const e = log.append(Buffer.from('e'), 60_000)
    await log.close()
    await e
    const again = await collect(path)
    expect(again.records).toEqual(['a', 'b', 'c', 'd', 'e'])
    // Past MAX_WAITING_BYTES of waiting records, the next is written at once (and takes the rest).
    const big = Buffer.alloc(MAX_WAITING_BYTES - 10, 1)
    expect(again.log.mayWait(big.byteLength)).toBe(true)
    const w = again.log.append(big, 60_000)
    expect(again.log.mayWait(100)).toBe(false)
    const over = again.log.append(Buffer.alloc(100, 2), 60_000)
    await Promise.all([w, over])
    await again.log.close()
  })

  it('refuses appends after close', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const { log } = await collect(join(t.dir, 'log'))
    await log.close()
    await log.close()
    await expect(log.append(Buffer.from('x'))).rejects.toMatchObject({ code: 'CLOSED' })
  })
})
