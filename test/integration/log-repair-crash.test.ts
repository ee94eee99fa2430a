/**
 * A log damaged in the middle is repaired at open: the damaged region goes to quarantine and the
 * intact records after it are kept. A process killed (SIGKILL) at each step of that repair, held
 * there by the repair's test hook, loses none of them: the next open finds the old log, or the
 * repaired one, never a record half moved. And a disk with no room for the repair still opens
 * the log, every record readable.
 */
import { spawn, spawnSync } from 'node:child_process'
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { RecordLog } from '../../src/store/index.js'
import type { RepairStep } from '../../src/store/log-repair.js'
import { ROOT } from '../helpers/cli.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
const OPENER = join(ROOT, 'dist', 'test', 'helpers', 'log-opener.js')

/**
 * Records of 600 KiB (several in each read block): the index, then bytes that differ from the
 * same bytes 100 further on, so a record half moved by 100 bytes can never pass for whole.
 */
const RECORDS = 48
const records = Array.from({ length: RECORDS }, (_, i) => {
  const b = Buffer.alloc(600 * 1024)
  for (let k = 0; k < b.byteLength; k++) b[k] = (k * 31 + i * 7 + (k >> 8)) & 0xff
  b.writeUInt32LE(i, 0)
  return b
})
const record = (i: number): Buffer => records[i] as Buffer

/** A log of RECORDS records with 100 bytes of garbage between the first two: a region far smaller than the records after it. */
async function damagedLog (path: string): Promise<void> {
  const { log } = await RecordLog.open(path, () => {}, () => {})
  for (let i = 0; i < RECORDS; i++) await log.append(record(i))
  await log.close()
  const bytes = await readFile(path)
  const first = 8 + bytes.readUInt32LE(0)
  await writeFile(path, Buffer.concat([bytes.subarray(0, first), Buffer.alloc(100, 0xee), bytes.subarray(first)]))
}

/** Every record of the log at `path`, checked byte for byte: the indices found. */
async function intact (path: string): Promise<number[]> {
  const found: number[] = []
  const { log } = await RecordLog.open(path, (p) => {
    const i = Buffer.from(p.buffer, p.byteOffset, p.byteLength).readUInt32LE(0)
    if (i < RECORDS && record(i).equals(p)) found.push(i)
  }, () => { found.length = 0 })
  await log.close()
  return found
}

describe('log repair at open', () => {
  it('a process killed at each step of the repair loses no record', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const pristine = join(t.dir, 'pristine')
    await damagedLog(pristine)
    const before = (await stat(pristine)).size
    const repaired = before - 100
    // Held at each step by the repair's test hook (log-repair.ts, RepairOptions.atStep), then
    // SIGKILLed there: what the disk holds at that moment is checked first, so the test knows it
    // killed the repair where it meant to. The copy is written in 1 MiB blocks, about 29 of them.
    const steps: Array<{ step: RepairStep, nth: number, holds: (log: number, tmp: number | undefined) => boolean }> = [
      { step: 'saved', nth: 1, holds: (log, tmp) => log === before && tmp === undefined },
      { step: 'copying', nth: 1, holds: (log, tmp) => log === before && tmp !== undefined && tmp > 0 && tmp < repaired },
      { step: 'copying', nth: 2, holds: (log, tmp) => log === before && tmp !== undefined && tmp > 0 && tmp < repaired },
      { step: 'copying', nth: 15, holds: (log, tmp) => log === before && tmp !== undefined && tmp > 0 && tmp < repaired },
      { step: 'copied', nth: 1, holds: (log, tmp) => log === before && tmp === repaired },
      { step: 'renamed', nth: 1, holds: (log, tmp) => log === repaired && tmp === undefined }
    ]
    for (const { step, nth, holds } of steps) {
      const at = `${step} ${nth}`
      const dir = join(t.dir, `run-${step}-${nth}`)
      await mkdir(dir)
      const path = join(dir, 'log')
      await copyFile(pristine, path)
      const child = spawn(process.execPath, [OPENER, path, step, String(nth)], { stdio: ['ignore', 'pipe', 'inherit'] })
      cleanups.push(async () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
      const exited = new Promise<void>(resolve => child.once('exit', () => { resolve() }))
      const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next()
      expect(first.done !== true ? first.value : 'no output', `the repair held at ${at}`).toBe(`at ${at}`)
      const tmp = await stat(`${path}.repair.tmp`).then(s => s.size, () => undefined)
      expect(holds((await stat(path)).size, tmp), `the disk at ${at}: log ${(await stat(path)).size} bytes, copy ${String(tmp)}`).toBe(true)
      child.kill('SIGKILL')
      await exited
      expect(await intact(path), `killed at ${at}`).toEqual(Array.from({ length: RECORDS }, (_, i) => i))
      const names = await readdir(dir)
      expect(names.filter(n => n.endsWith('.tmp')), `killed at ${at}`).toEqual([])
      // The damage is kept, once: an open after the kill names the copy saved before it.
      const saved = names.filter(n => /^log\.quarantine-\d+-\d+$/.test(n))
      expect(saved, `killed at ${at}`).toHaveLength(1)
      expect((await readFile(join(dir, saved[0] as string))).equals(Buffer.alloc(100, 0xee)), `killed at ${at}`).toBe(true)
      expect((await stat(path)).size, `killed at ${at}`).toBe(repaired)
    }
  })

  it('a disk with no room for the repair: the log opens with every record, the damage saved once, left in place and skipped', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (unshare -m, mount tmpfs); CI runs as root')
    const t = await tempDir(); cleanups.push(t.cleanup)
    const pristine = join(t.dir, 'pristine')
    await damagedLog(pristine)
    const size = (await stat(pristine)).size
    const mnt = join(t.dir, 'mnt')
    await mkdir(mnt)
    // Room for the log and its quarantined 100 bytes, not for a second copy of the log.
    const kib = Math.ceil(size / 1024) + 512
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${kib}k tmpfs "${mnt}" && cp "${pristine}" "${mnt}/log" && "${process.execPath}" "${OPENER}" "${mnt}/log" && "${process.execPath}" "${OPENER}" "${mnt}/log" && ls "${mnt}"`], { encoding: 'utf8', timeout: 120_000 })
    expect(r.status, r.stderr).toBe(0)
    const [first, second, ...files] = r.stdout.trim().split('\n')
    expect(first).toBe(String(RECORDS))
    expect(second).toBe(String(RECORDS))
    expect(files.filter(n => n.endsWith('.tmp'))).toEqual([])
    // Saved once: the second open names the copy the first made.
    expect(files.filter(n => /^log\.quarantine-\d+-\d+$/.test(n))).toHaveLength(1)
  })
})
