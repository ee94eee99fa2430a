/**
 * Child process for a compaction that fails on a full disk, run inside `unshare -m` with a 32 MiB
 * tmpfs at argv[2]. A session of 20 large messages (under the 32 that snapshot on close) and a
 * memory key set 31 times over (its state one value, its entries all 31) fill the log; then a
 * ballast leaves about 1.6 MB free, and the 32nd set's close takes the memory's small snapshot,
 * whose compaction (a copy of the session's entries, ~2 MB) finds no room and does not begin its
 * copy (no temporary file is made: `copyBegun`). With the ballast gone,
 * one small write is made and the log watched for up to 20 s. Prints one JSON line.
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { watch } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fillDisk } from './ballast.js'
import { generateWallet } from '../../src/identity/index.js'
import { diskReport } from '../../src/node/disk-report.js'
import { openVault } from '../../src/sdk/index.js'

const mnt = process.argv[2] as string
const home = join(mnt, 'home')
const ballast = join(mnt, 'ballast')
const value = (): string => randomBytes(75_000).toString('base64') // ~100 KB

const fill = async (leave: number): Promise<number> => await fillDisk(ballast, leave)

const v = await openVault({ home, wallet: generateWallet(), snapshotEvery: 1_000_000 })
const s = await v.sessions.create('other')
for (let i = 0; i < 20; i++) await s.append({ role: 'user', content: `o${i} ${value()}` })
await s.close()
for (let i = 0; i < 31; i++) await v.memory.set('k', `v${i} ${value()}`)
const before = v.vault.store.stats()

await fill(1_700_000)
// Whether a copy of the log was begun (its temporary file made) while the disk was short.
const copies: string[] = []
const watcher = watch(join(home, 'data'), (_, name) => { if (name !== null && name.endsWith('.compact.tmp')) copies.push(name) })
await v.memory.set('k', `v31 ${value()}`) // its close: the snapshot fits, its compaction does not
const failed = v.vault.store.stats()
// A write while the disk is still short: nothing is tried (the copy would fail again).
await v.memory.set('small', 'x')
const stillShort = v.vault.store.stats()
await new Promise(resolve => setTimeout(resolve, 100)) // the watcher's last events
watcher.close()
const copyBegun = copies.length > 0
// What `mesh status` says of it meanwhile.
const waiting = (await diskReport(v.vault.store)).compactionWaiting

await unlink(ballast)
// Room is back: the next write notices it.
await v.memory.set('small', 'y')
let after = v.vault.store.stats()
for (let waited = 0; after.logBytes >= failed.logBytes && waited < 20_000; waited += 50) {
  await new Promise(resolve => setTimeout(resolve, 50))
  after = v.vault.store.stats()
}
const waitingAfter = (await diskReport(v.vault.store)).compactionWaiting
await v.close()

const again = await openVault({ home })
const memory = { k: (await again.memory.get('k'))?.value.split(' ')[0], small: (await again.memory.get('small'))?.value }
const o = await again.sessions.open('other')
const messages = o.messageCount()
await o.close()
await again.close()
process.stdout.write(JSON.stringify({ before, failed, stillShort, copyBegun, waiting, waitingAfter, after, memory, messages }) + '\n')
