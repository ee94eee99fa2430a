/**
 * Child process for `mesh status` beside a running daemon whose snapshot found no room, run
 * inside `unshare -m` with a 32 MiB tmpfs at argv[2] (argv[3]: bin/mesh.js). Two ballast files
 * leave the home about 8 MiB; the daemon (this process: the home hosted and its API served on
 * its socket, no network) writes a session until a write is refused, and its close tries the
 * first snapshot and fails. The real `mesh status` is run after that, after 6 MiB are freed and
 * a write's close tries again (too little room: the snapshot takes the document's size twice),
 * after one more write's close (skipped: still too little), and once enough is freed and the
 * next close takes it. Prints one JSON line.
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { hostHome } from '../../src/api/host.js'
import { generateWallet } from '../../src/identity/index.js'
import { status } from './disk-full-status.js'

const [mnt, bin] = process.argv.slice(2) as [string, string]
const home = join(mnt, 'home')
const MiB = 1024 * 1024
await writeFile(join(mnt, 'ballast-1'), Buffer.alloc(6 * MiB, 1))
await writeFile(join(mnt, 'ballast-2'), Buffer.alloc(18 * MiB, 1))

const host = await hostHome({ home, wallet: generateWallet(), label: 'full', node: false })
const v = host.vault
const big = (i: number): string => `m${i} ${randomBytes(150_000).toString('base64')}`
/** One write to the session "big", then its close (which tries the snapshot: over 32 entries uncovered). */
const writeAndClose = async (content: string): Promise<void> => {
  const s = await v.sessions.open('big')
  await s.append({ role: 'user', content })
  await s.close()
}

const s = await v.sessions.create('big')
let acked = 0
for (;;) {
  try {
    await s.append({ role: 'user', content: big(acked) })
    acked++
  } catch {
    break
  }
}
await s.close()
const full = await status(home, bin)

await unlink(join(mnt, 'ballast-1'))
while (v.vault.diskFull) await new Promise(resolve => setTimeout(resolve, 50))
await writeAndClose('after-1 x')
const tried = await status(home, bin)
await writeAndClose('after-2 x')
const skipped = await status(home, bin)

await unlink(join(mnt, 'ballast-2'))
await writeAndClose('after-3 x')
const taken = await status(home, bin)
await host.close()
process.stdout.write(JSON.stringify({ acked, full, tried, skipped, taken }) + '\n')
