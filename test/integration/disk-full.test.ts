/**
 * A full disk, for real: a small tmpfs in a private mount namespace (`unshare -m`, root). Appends
 * fail with a clear STORE_WRITE_FAILED naming the full disk, and every append acknowledged
 * before is still there after reopening. A running node reports the full disk, goes on serving
 * reads (its own, and a peer's sync), and writes again once space returns, without a restart.
 * A log that filled the disk before its first snapshot gets one once space is freed; until then
 * the snapshot's attempts never fill the disk. `mesh status` says a full disk without a daemon
 * too, and beside one which snapshot waits for room; a compaction the full disk stopped is done
 * by the next write once room is back. The mount vanishes with the namespace.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import { BIN, ROOT } from '../helpers/cli.js'
import { startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'
import { walletFromSeed } from '../../src/identity/index.js'
import { randomBytes } from 'node:crypto'

const { cleanups } = stopAfterEach()

const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'disk-full.js')

/**
 * Runs a child script on a tmpfs of `size` mounted in a mount namespace of its own (gone with
 * it), given the mount point; its last stdout line, JSON, is what it found.
 */
async function onSmallDisk (size: string, script: string, ...args: string[]): Promise<{ out: any, mnt: string }> {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (unshare -m, mount tmpfs); CI runs as root')
  const t = await tempDir(); cleanups.push(t.cleanup)
  const mnt = join(t.dir, 'mnt')
  mkdirSync(mnt)
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=${size} tmpfs "${mnt}" && exec "${process.execPath}" "${script}" "${mnt}" ${args.map(a => `"${a}"`).join(' ')}`], { encoding: 'utf8', timeout: 120_000 })
  expect(r.status, r.stderr).toBe(0)
  return { out: JSON.parse(r.stdout.trim().split('\n').at(-1) as string), mnt }
}

describe('full disk', () => {
  it('refuses the write that does not fit and loses nothing before it', async () => {
    const { out } = await onSmallDisk('2m', CHILD)
    expect(out.error.code).toBe('STORE_WRITE_FAILED')
    expect(out.error.message).toMatch(/disk is full; nothing written before this was lost: free some space and write again/)
    expect(out.afterError).toBe('STORE_WRITE_FAILED')
    // Opened again, the session's write first opens a fresh lane (lane.ts): still said as the full disk.
    expect(out.reopened.code).toBe('STORE_WRITE_FAILED')
    expect(out.reopened.message).toMatch(/disk is full/)
    expect(out.reopened.message).not.toMatch(/lane\.json/)
    expect(out.acked).toBeGreaterThan(50)
    expect(out.count).toBeGreaterThanOrEqual(out.acked)
    expect(out.inOrder).toBe(true)
  })

  it('a log that fills the disk before its first snapshot: nothing lost, no snapshot fills the disk again, and once space is freed the next write snapshots and compacts', async () => {
    const { out, mnt } = await onSmallDisk('32m', join(ROOT, 'dist', 'test', 'helpers', 'disk-full-snapshot.js'))
    // The refused write says the disk is full, and where: a path in the home.
    expect(out.full.error.code).toBe('STORE_WRITE_FAILED')
    expect(out.full.error.message).toMatch(/disk is full/)
    expect(out.full.error.message).toContain(join(mnt, 'home'))
    expect(out.full.acked).toBeGreaterThan(32) // past snapshotOnClose: its close tries the first snapshot
    expect(out.full.stats.snapshots).toBe(0)
    // That try, on the full disk, leaves nothing behind and the log as it was.
    expect(out.afterClose.tmp).toEqual([])
    expect(out.afterClose.bigSnapshots).toBe(0)
    expect(out.afterClose.stats.logBytes).toBe(out.full.stats.logBytes)
    // With too little freed for the snapshot (its scratch and its file, the document's size each),
    // it is not taken, and never fills the disk meanwhile: the writes beside it all go through.
    expect(out.partFreed.otherErrors).toEqual([])
    expect(out.partFreed.otherAcked).toBeGreaterThan(0)
    expect(out.partFreed.diskEvents).toEqual([])
    expect(out.partFreed.tmp).toEqual([])
    expect(out.partFreed.bigSnapshots).toBe(0)
    // Enough freed: the next write's close takes it and compacts the log, without a restart.
    expect(out.freed.tmp).toEqual([])
    expect(out.freed.bigSnapshots).toBe(1)
    expect(out.freed.stats.logBytes).toBeLessThan(out.full.stats.logBytes / 4)
    // And nothing written was lost, in order, after reopening.
    expect(out.count).toBe(out.full.acked + 2)
    expect(out.inOrder).toBe(true)
  })

  it('mesh status without a daemon says the disk is full when it is, or has less free than mesh keeps for writes', async () => {
    const { out } = await onSmallDisk('8m', join(ROOT, 'dist', 'test', 'helpers', 'disk-full-status.js'), BIN)
    // Filled to the last byte, the home cannot even be locked for the look: said as the full disk.
    expect(out.full.text.code).toBe(1)
    expect(out.full.text.stderr).toMatch(/the disk is full/)
    // Less free than the store keeps for writes: full, with what is free and what mesh keeps.
    expect(out.short.text.code, out.short.text.stderr).toBe(0)
    expect(out.short.text.stdout).toMatch(/^disk: +full — 0\.5 MB free, less than the 1\.0 MB mesh keeps free for writes: free some space/m)
    expect(out.short.json.daemon.running).toBe(false)
    expect(out.short.json.diskFull).toBe(true)
    expect(out.short.json.disk.refused).toBe(false)
    expect(out.short.json.disk.freeBytes).toBeLessThan(out.short.json.disk.keepFreeBytes)
    expect(out.short.json.disk.keepFreeBytes).toBe(1024 * 1024)
    // With room, nothing is said of the disk.
    expect(out.room.text.stdout).not.toMatch(/^disk:/m)
    expect(out.room.json.diskFull).toBe(false)
    expect(out.room.json.disk.freeBytes).toBeGreaterThan(out.room.json.disk.keepFreeBytes)
  })

  it('mesh status beside a running node says which snapshot waits for room, how much it needs and how much is free', async () => {
    const { out } = await onSmallDisk('32m', join(ROOT, 'dist', 'test', 'helpers', 'disk-full-waiting.js'), BIN)
    // The write refused: the daemon says the disk is full, from its writes.
    expect(out.full.text.stdout).toMatch(/^daemon: +running/m)
    expect(out.full.text.stdout).toMatch(/^disk: +full — writes are refused until space is freed/m)
    expect(out.full.json.disk.refused).toBe(true)
    // 6 MiB freed: the disk has room, but a close's snapshot found too little for its scratch and file.
    const tried = out.tried.json
    expect(tried.diskFull).toBe(false)
    expect(tried.disk.snapshotsWaiting).toEqual([{ doc: 'agent:main:big', needsBytes: expect.any(Number) }])
    expect(tried.disk.snapshotsWaiting[0].needsBytes).toBeGreaterThan(tried.disk.freeBytes)
    expect(out.tried.text.stdout).toMatch(/^snapshot: +agent:main:big waits for room: it needs at least \d+\.\d MB free \(\d+\.\d MB is\); tried again once there is, at its next close or snapshot, and the log keeps every entry meanwhile$/m)
    // The next close skips it (no more room than it found it needs), and it still waits, for as much.
    expect(out.skipped.json.disk.snapshotsWaiting).toEqual(tried.disk.snapshotsWaiting)
    expect(out.skipped.json.store.snapshots).toBe(tried.store.snapshots)
    // Enough freed: the next close takes it, and nothing waits.
    expect(out.taken.json.disk.snapshotsWaiting).toEqual([])
    expect(out.taken.text.stdout).not.toMatch(/^snapshot:/m)
    expect(out.taken.json.store.snapshots).toBeGreaterThan(0)
  })

  it('a compaction that finds no room for its copy does not begin it, and is tried again by the next write once room is back, not at the next snapshot', async () => {
    const { out } = await onSmallDisk('32m', join(ROOT, 'dist', 'test', 'helpers', 'disk-full-compact.js'))
    // The memory's snapshot was taken, its compaction found no room for its copy and did not
    // begin it (a copy failing part way would hold the log's appends back while it wrote): the
    // log kept every entry.
    expect(out.copyBegun).toBe(false)
    // Said by status while it waits (its copy and the reserve), and no more once it is done.
    expect(out.waiting?.needsBytes).toBeGreaterThan(1024 * 1024)
    expect(out.waitingAfter).toBeUndefined()
    expect(out.failed.snapshots).toBe(1)
    expect(out.failed.logBytes).toBeGreaterThan(out.before.logBytes)
    // A write while the disk is still short of the copy's room: not tried, the write goes through.
    expect(out.stillShort.entries).toBe(out.failed.entries + 1)
    expect(out.stillShort.logBytes).toBeGreaterThan(out.failed.logBytes)
    // Room back: the next write's compaction drops the 32 memory entries the snapshot covers but
    // the newest (its tail), and keeps every other.
    expect(out.after.logBytes).toBeLessThan(out.failed.logBytes / 2)
    expect(out.after.entries).toBe(out.stillShort.entries + 1 - 31)
    expect(out.memory).toEqual({ k: 'v31', small: 'y' })
    expect(out.messages).toBe(20)
  })

  it('an unwritable home is a clear error', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root')
    const t = await tempDir(); cleanups.push(t.cleanup)
    const mnt = join(t.dir, 'ro')
    mkdirSync(mnt)
    const script = `import('${join(ROOT, 'dist', 'src', 'sdk', 'index.js')}').then(async m => { const id = await import('${join(ROOT, 'dist', 'src', 'identity', 'index.js')}'); try { await m.openVault({ home: '${mnt}/home', wallet: id.generateWallet() }); console.log('opened') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) } })`
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=1m,ro tmpfs "${mnt}" && exec "${process.execPath}" -e "${script.replace(/"/g, '\\"')}"`], { encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout.trim())
    expect(out.code).toBe('HOME_READ_ONLY')
    // The home is not there, and cannot be made there: said as such (nothing to read either).
    expect(out.message).toMatch(/cannot be made \(its folder is on a read-only file system\)/)
  })

  it('a running node: reports the full disk, serves reads and a peer, and writes again once space returns', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (unshare -m, mount tmpfs); CI runs as root')
    const t = await tempDir()
    const mnt = join(t.dir, 'mnt')
    mkdirSync(mnt)
    const seed = randomBytes(32)
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=4m tmpfs "${mnt}" && exec "${process.execPath}" "${join(ROOT, 'dist', 'test', 'helpers', 'disk-full-node.js')}" "${mnt}" "${seed.toString('hex')}"`], { stdio: ['pipe', 'pipe', 'inherit'] })
    // The child first (its mount namespace, holding the tmpfs on mnt, ends with it), then its dir.
    cleanups.push(async () => { if (child.exitCode === null && child.signalCode === null) { const gone = new Promise(resolve => child.once('exit', resolve)); child.kill('SIGKILL'); await gone } }, t.cleanup)
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
    const ask = async (cmd: string): Promise<any> => {
      child.stdin.write(cmd + '\n')
      const r = await lines.next()
      if (r.done === true) throw new Error(`child exited during ${cmd}`)
      const out = JSON.parse(r.value)
      if (out.failed !== undefined) throw new Error(`${cmd}: ${out.code as string} ${out.message as string}`)
      return out
    }
    const { addr } = await ask('start')
    const c = await startNode({ wallet: walletFromSeed(seed), label: 'C' }); cleanups.push(c.stop)
    await c.node.dial(addr)
    const fullPeer = async (): Promise<{ diskFull: boolean, inSync: boolean } | undefined> => (await c.node.peers({ rtt: false })).find(p => p.state === 'connected')
    await until(async () => (await fullPeer())?.inSync === true, 'C to be in sync with the node')

    const full = await ask('fill')
    expect(full.error.code).toBe('STORE_WRITE_FAILED')
    expect(full.error.message).toMatch(/disk is full/)
    expect(full.acked).toBeGreaterThan(20)
    expect(full.diskFull).toBe(true)
    expect(full.status).toBe(true)
    // C, connected before the disk filled, is told: the full node is never "in sync" with it
    // while it refuses writes. (A write that succeeds later, such as a new peer's certificate, says room.)
    await until(async () => (await fullPeer())?.diskFull === true, 'C to learn that the node\'s disk is full')
    expect((await fullPeer())?.inSync).toBe(false)
    // Reads go on: its own (a fresh handle reads the store), and a peer's first sync.
    const read = await ask('read')
    expect(read.count).toBe(full.acked)
    expect(read.diskFull).toBe(true)
    const b = await startNode({ wallet: walletFromSeed(seed), label: 'B' }); cleanups.push(b.stop)
    await b.node.dial(addr)
    const count = async (): Promise<number> => {
      try { const s = await b.vault.sessions.open('full'); const n = s.messageCount(); await s.close(); return n } catch { return -1 }
    }
    await until(async () => await count() === full.acked, 'B to get every acknowledged message from the full node')

    // Space returns: the node says so by itself, and writes again without a restart.
    const freed = await ask('free')
    expect(freed.diskFull).toBe(false)
    expect(freed.status).toBe(false)
    expect(freed.diskEvents).toEqual([true, false])
    await until(async () => (await fullPeer())?.diskFull === false, 'C to learn that the node has room again')
    expect((await ask('write 5')).ok).toBe(true)
    await until(async () => await count() === full.acked + 5, 'B to get what the node wrote after space returned')
    const end = await ask('count')
    expect(end.count).toBe(full.acked + 5)
    expect(end.contents).toEqual([...Array.from({ length: full.acked }, (_, i) => `m${i}`), ...Array.from({ length: 5 }, (_, i) => `after${i}`)])
  })
})
