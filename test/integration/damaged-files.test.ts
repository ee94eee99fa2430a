/**
 * Files of a home's store damaged on its disk (a flipped byte, a truncation) are set aside and
 * said, not silently skipped: a snapshot whose file no longer checks is moved into data/damaged/
 * when its document opens (one whose header does not read, when the store opens), a damaged
 * region of the log is cut out at open, and `mesh doctor` lists each with where it is kept and
 * why; `mesh status` counts them. The document then no longer counts the snapshot as held, so a peer sends it again.
 */
import { open, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeNewWallet } from '../../src/identity/index.js'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { openVault } from '../../src/sdk/index.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
const KEY = 'agent:main:damaged'

/** Flips one byte of a file at `at` (from its end when negative). */
async function flip (path: string, at: number): Promise<void> {
  const fh = await open(path, 'r+')
  try {
    const pos = at < 0 ? (await fh.stat()).size + at : at
    const b = Buffer.alloc(1)
    await fh.read(b, 0, 1, pos)
    b[0] = (b[0] as number) ^ 0xff
    await fh.write(b, 0, 1, pos)
  } finally {
    await fh.close()
  }
}

describe('damaged files of a store', () => {
  it('a snapshot whose file no longer checks, and a damaged region of the log: set aside and listed by mesh doctor', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const walletPath = join(t.dir, 'wallet.json')
    await writeNewWallet(walletPath)
    const env = cliEnv(join(t.dir, 'user'))
    const mesh = async (...args: string[]): ReturnType<typeof runCli> => await runCli([...args, '--home', home], { env })
    expect((await mesh('init', '--wallet', walletPath)).code).toBe(0)

    // A session snapshotted and compacted, then one more message in the log.
    const v = await openVault({ home, snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 })
    const s = await v.sessions.create(KEY)
    for (let i = 0; i < 30; i++) await s.append({ role: 'user', content: `message ${i} ${'x'.repeat(200)}` })
    await s.close()
    const r = await v.vault.acquire(DOC_NAMES.session(KEY as SessionKey))
    expect(await v.vault.snapshotIfNeeded(r, 1)).toBe(true)
    await v.vault.release(r)
    await v.vault.store.compact({ force: true })
    const [snap] = [...v.vault.store.snapshots(r.id)]
    expect(snap).toBeDefined()
    await v.close()

    // The snapshot's ciphertext gets a flipped byte; the log a flipped byte in its last record.
    await flip((snap as { path: string }).path, -5)
    const log = join(home, 'data', 'log')
    await flip(log, -20)

    const show = await mesh('session', 'show', KEY)
    expect(show.code).toBe(1)
    expect(show.stderr).toContain('damaged on this disk and set aside')
    const doctor = await mesh('doctor', '--json')
    expect(doctor.code, doctor.stderr).toBe(0)
    const report = JSON.parse(doctor.stdout)
    const kinds = report.damaged.map((d: any) => d.kind).sort()
    expect(kinds).toEqual(['log', 'snapshot'])
    const setAside = report.damaged.find((d: any) => d.kind === 'snapshot')
    expect(setAside.reason).toContain('digest')
    expect(setAside.path).toContain(join('data', 'damaged'))
    expect((await stat(setAside.path)).size).toBe(setAside.bytes)
    expect(await readdir(join(home, 'data', 'snapshots', (snap as { path: string }).path.split('/').slice(-2)[0] as string))).not.toContain((snap as { path: string }).path.split('/').pop())

    const text = await mesh('doctor')
    expect(text.stdout).toContain('damaged on this disk (2)')

    // `mesh status` says so too, where a person looks first (a cut log tail took the last writes with it).
    const status = await mesh('status')
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('set aside:    2 damaged parts of this disk\'s store moved aside (what they held is taken again from a peer that has it; listed until `mesh doctor --drop ID` deletes each): `mesh doctor` lists each\n')
    expect(JSON.parse((await mesh('status', '--json')).stdout).setAside).toEqual({ damaged: 2, quarantined: 0, forks: 0, unmoved: 0 })
    // And `mesh join` as it starts.
    const join_ = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', home, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'], env)
    cleanups.push(async () => { await join_.stop('SIGKILL') })
    expect(await join_.waitFor(/^set aside: /, 30_000)).toContain('2 damaged parts of this disk\'s store moved aside')
    expect(await join_.stop('SIGINT')).toBe(0)

    // Looked at, let go: `mesh doctor --drop ID` deletes a damaged file (and its note), as it
    // deletes a quarantined item; the count goes down. An id is a name it lists, never a path.
    const ids = report.damaged.map((d: any) => d.id as string)
    expect(ids).toContain(setAside.id)
    const traversal = await mesh('doctor', '--drop', '../log', '--yes')
    expect(traversal.code).toBe(2)
    expect(traversal.stderr).toContain('nothing in quarantine and no damaged file has the id ../log')
    const dropped = await mesh('doctor', '--drop', setAside.id, '--yes')
    expect(dropped.code, dropped.stderr).toBe(0)
    expect(dropped.stdout).toBe(`deleted ${setAside.path as string} (a damaged snapshot of session ${KEY}, ${setAside.bytes as number} bytes)\n`)
    await expect(stat(setAside.path)).rejects.toThrow()
    expect(await readdir(join(home, 'data', 'damaged'))).toEqual([])
    const logRegion = report.damaged.find((d: any) => d.kind === 'log')
    expect(JSON.parse((await mesh('doctor', '--drop', logRegion.id, '--yes', '--json')).stdout)).toMatchObject({ damaged: { id: logRegion.id, kind: 'log' } })
    expect(JSON.parse((await mesh('status', '--json')).stdout).setAside).toEqual({ damaged: 0, quarantined: 0, forks: 0, unmoved: 0 })
    expect((await mesh('doctor')).stdout).toBe('nothing quarantined, no forks, nothing damaged\n')
  })
})
