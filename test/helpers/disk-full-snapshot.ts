/**
 * Child process for the full-disk test of a log that fills the disk before its first snapshot,
 * run inside `unshare -m` with a 32 MiB tmpfs at argv[2]. Two ballast files leave the home about
 * 8 MiB; a session is written until a write is refused; then space is freed in two steps: the
 * first (6 MiB) too little for the snapshot (its scratch and its file take the document's size
 * each), the second enough. Prints one JSON line.
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { readdir, unlink, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { DOC_NAMES, parseSessionKey } from '../../crdt/index.js'
import { generateWallet, toHex } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'

const mnt = process.argv[2] as string
const home = join(mnt, 'home')
const MiB = 1024 * 1024
await writeFile(join(mnt, 'ballast-1'), Buffer.alloc(6 * MiB, 1))
await writeFile(join(mnt, 'ballast-2'), Buffer.alloc(18 * MiB, 1))

/** Every file of the home but its certificates and keys, relative to it. */
async function files (): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name))
      else out.push(relative(home, join(d, e.name)))
    }
  }
  await walk(join(home, 'data'))
  return out.sort()
}
/** What the home holds besides its log: temp files (none should stay), and the session's snapshots. */
const onDisk = async (): Promise<{ tmp: string[], bigSnapshots: number }> => {
  const all = await files()
  const bigDoc = toHex(v.vault.docId(DOC_NAMES.session(parseSessionKey('big'))))
  return { tmp: all.filter(n => n.endsWith('.tmp')), bigSnapshots: all.filter(n => n.startsWith(join('data', 'snapshots', bigDoc)) && n.endsWith('.snap')).length }
}

const v = await openVault({ home, wallet: generateWallet(), snapshotEvery: 1_000_000 })
const diskEvents: boolean[] = []
v.vault.on('disk', (full) => diskEvents.push(full))
const big = (i: number): string => `m${i} ${randomBytes(150_000).toString('base64')}`

// Written until the disk is full: ~40 entries, over snapshotOnClose (32) and under snapshotEvery.
const s = await v.sessions.create('big')
let acked = 0
let error: { code?: string, message: string } | undefined
while (error === undefined) {
  try {
    await s.append({ role: 'user', content: big(acked) })
    acked++
  } catch (err: any) {
    error = { code: err.code, message: err.message }
  }
}
const full = { acked, error, diskFull: v.vault.diskFull, stats: v.vault.store.stats() }
// Its close tries the first snapshot, on a full disk: it fails, logged, and leaves nothing.
await s.close()
const afterClose = { ...await onDisk(), stats: v.vault.store.stats() }

// 6 MiB freed: writes go on; the snapshot (about twice the document's 8 MB) does not fit.
await unlink(join(mnt, 'ballast-1'))
while (v.vault.diskFull) await new Promise(resolve => setTimeout(resolve, 50))
diskEvents.length = 0
const s1 = await v.sessions.open('big')
await s1.append({ role: 'user', content: 'after-1 x' })
const other = await v.sessions.create('other')
// The close tries the snapshot again; writes meanwhile must not find the disk filled by it.
let closed = false
const closing = s1.close().finally(() => { closed = true })
let otherAcked = 0
const otherErrors: string[] = []
// 8 KiB each, so each takes new pages of the tmpfs (a small one may fit in the log's last page).
while (!closed && otherAcked + otherErrors.length < 100) {
  try {
    await other.append({ role: 'user', content: `o${otherAcked} ${'z'.repeat(8192)}` })
    otherAcked++
  } catch (err: any) {
    otherErrors.push(`${String(err.code)} ${String(err.message)}`)
  }
}
await closing
await other.close()
const partFreed = { otherAcked, otherErrors: otherErrors.slice(0, 3), diskEvents: [...diskEvents], ...await onDisk(), stats: v.vault.store.stats() }

// Enough freed: the next write's close takes the snapshot and compacts, without a restart.
await unlink(join(mnt, 'ballast-2'))
const s2 = await v.sessions.open('big')
await s2.append({ role: 'user', content: 'after-2 x' })
await s2.close()
const freed = { ...await onDisk(), stats: v.vault.store.stats() }
await v.close()

const again = await openVault({ home })
const s3 = await again.sessions.open('big')
const contents = s3.messages().map(m => m.content.split(' ')[0])
await s3.close()
await again.close()
const want = [...Array.from({ length: acked }, (_, i) => `m${i}`), 'after-1', 'after-2']
process.stdout.write(JSON.stringify({ home, full, afterClose, partFreed, freed, count: contents.length, inOrder: JSON.stringify(contents) === JSON.stringify(want) }) + '\n')
