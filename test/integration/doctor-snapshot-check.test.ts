/**
 * `mesh doctor` checks every stored snapshot as it runs: a byte flipped in a snapshot's file while
 * no daemon ran was found only when something opened its document (`mesh session show`); doctor
 * and status said nothing damaged until then. Now doctor lists it where it lies, and moves nothing.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createLocalApi } from '../../src/api/index.js'
import { doctorProgress } from '../../src/cli/doctor-progress.js'
import { openVault } from '../../src/sdk/index.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()
/** What the first case's doctor listed. */
let listed: { id: string, path: string, bytes: number } | undefined

describe('mesh doctor on a snapshot damaged on disk', () => {
  it('lists it as found damaged, leaves it where it lies, and says nothing of the good ones', async () => {
    // Two sessions with snapshots (taken at close), written as the SDK writes them.
    const v = await openVault({ home: h.home, snapshotOnClose: 1 })
    for (const [key, n] of [['agent:main:big', 200], ['agent:main:other', 50]] as const) {
      const s = await v.sessions.create(key)
      await s.append(Array.from({ length: n }, (_, i) => ({ role: 'user' as const, content: `message ${i} ${'x'.repeat(200)}` })))
      await s.close()
    }
    await v.close()
    const snapDir = join(h.home, 'data', 'snapshots')
    const snaps: string[] = []
    for (const d of await readdir(snapDir)) for (const n of await readdir(join(snapDir, d))) if (n.endsWith('.snap')) snaps.push(join(snapDir, d, n))
    const largest = (await Promise.all(snaps.map(async p => ({ p, n: (await readFile(p)).byteLength })))).sort((a, b) => b.n - a.n)[0] as { p: string, n: number }
    const bytes = await readFile(largest.p)
    const mid = Math.floor(bytes.byteLength / 2)
    bytes[mid] = (bytes[mid] as number) ^ 0xff
    await writeFile(largest.p, bytes)

    const json = await h.mesh('doctor', '--json')
    expect(json.code, json.stderr).toBe(0)
    const report = JSON.parse(json.stdout) as { damaged: Array<{ id: string, kind: string, path: string, bytes: number, unmoved?: boolean, reason: string }> }
    expect(report.damaged).toHaveLength(1)
    listed = report.damaged[0]
    // Named as the document to open (the largest snapshot is the big session's), not by its hash only.
    expect(report.damaged[0]).toMatchObject({ kind: 'snapshot', path: largest.p, unmoved: true, docName: 'agent:main:big' })
    expect(report.damaged[0]?.reason).toMatch(/found by mesh doctor; set aside when document [0-9a-f]+ is next opened/)
    // Nothing was changed: the file lies where it was, damaged as it was, and nothing is set aside.
    expect(Buffer.compare(await readFile(largest.p), bytes)).toBe(0)
    expect(await readdir(join(h.home, 'data', 'damaged')).catch(() => [])).toEqual([])

    const text = await h.mesh('doctor')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('found damaged on this disk by this check (1): left where they lie')
    expect(text.stdout).toContain(`${report.damaged[0]?.id}  snapshot  of session agent:main:big  ${largest.p}`)
  })

  it('says how far the check is, on stderr, once it takes over the quiet time (a page at a time), and nothing before', async () => {
    const v = await openVault({ home: h.home })
    const api = await createLocalApi({ vault: v })
    try {
      const lines: string[] = []
      // One snapshot a page, and no quiet time: a line per page, the last one ended.
      const found = await doctorProgress({ show: true, tty: false, write: s => { lines.push(s) }, quietMs: 0, files: 1 }).check(api)
      expect(found.map(d => d.unmoved)).toEqual([true])
      const last = /^checking snapshots: (\d+) of \1 files, ([\d.]+ [KM]B) of \2\n$/.exec(lines.at(-1) ?? '')
      expect(last, lines.join('')).not.toBeNull()
      const n = Number(last?.[1])
      expect(n).toBeGreaterThan(1)
      // One line per page (a line per tenth of the bytes at most, off a terminal); the first may be the one the quiet time ends with.
      expect(lines[0]).toMatch(new RegExp(`^checking (the store: opening the home…|snapshots: \\d+ of ${n} files, .*)\n$`))
      expect(lines.length).toBeLessThanOrEqual(n + 1)
      // Within the quiet time, or with --json: nothing said, the same found.
      const quiet: string[] = []
      expect(await doctorProgress({ show: true, tty: false, write: s => { quiet.push(s) }, quietMs: 60_000, files: 1 }).check(api)).toEqual([expect.objectContaining({ path: found[0]?.path })])
      expect(await doctorProgress({ show: false, tty: false, write: s => { quiet.push(s) }, quietMs: 0, files: 1 }).check(api)).toHaveLength(1)
      expect(quiet).toEqual([])
    } finally {
      await api.close()
      await v.close()
    }
  })

  it('is counted by mesh status, in text and --json, as doctor found it', async () => {
    // Doctor found it above; status said nothing was wrong (setAside all 0).
    const text = await h.mesh('status')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain('set aside:    1 snapshot found damaged on this disk by `mesh doctor`, left where it lies (set aside when its document is next opened: `mesh session show KEY`, or a peer syncing it with `mesh join`): `mesh doctor` lists each\n')
    expect(JSON.parse((await h.mesh('status', '--json')).stdout).setAside).toEqual({ damaged: 0, quarantined: 0, forks: 0, unmoved: 1 })
  })

  it('is set aside and deleted now by mesh doctor --drop with the id doctor listed, and no longer counted', async () => {
    // It said "no damaged file has the id …" for the id doctor had just listed.
    const { id, path, bytes } = listed as { id: string, path: string, bytes: number }
    const drop = await h.mesh('doctor', '--drop', id, '--yes')
    expect(drop.code, drop.stderr).toBe(0)
    expect(drop.stdout).toBe(`deleted ${path} (a damaged snapshot of session agent:main:big, ${bytes} bytes)\n`)
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await readdir(join(h.home, 'data', 'damaged'))).toEqual([])
    expect(JSON.parse((await h.mesh('status', '--json')).stdout).setAside).toEqual({ damaged: 0, quarantined: 0, forks: 0, unmoved: 0 })
  })
})
