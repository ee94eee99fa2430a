/**
 * Child process for the disk-full test, run inside `unshare -m` with a small tmpfs at argv[2]:
 * appends until the disk is full, then reopens the home and counts what survived. Prints one
 * JSON line.
 */
import '../../src/polyfill.js'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'

const dir = process.argv[2] as string
const home = join(dir, 'home')
const v = await openVault({ home, wallet: generateWallet(), snapshotEvery: 1_000_000 })
const s = await v.sessions.create('full')
let acked = 0
let error: { code?: string, message: string } | undefined
for (let i = 0; i < 100_000 && error === undefined; i++) {
  try {
    await s.append({ role: 'user', content: `m${i} ${'y'.repeat(8000)}` })
    acked++
  } catch (err: any) {
    error = { code: err.code, message: err.message }
  }
}
let afterError: string | undefined
try { await s.append({ role: 'user', content: 'after' }) } catch (err: any) { afterError = err.code }
await s.close()
// The disk filled to its last byte: where the log's refused write fell left a page or two free
// or not as the home's other files happened to lie (a format.json more moved it), and a small
// write would then fit.
const filler = await open(join(dir, 'filler'), 'w')
try {
  for (const chunk of [65536, 4096, 512, 1]) {
    const b = Buffer.alloc(chunk)
    try { for (;;) await filler.write(b) } catch (err: any) { if (err?.code !== 'ENOSPC') throw err }
  }
} finally { await filler.close() }
// The session opened again, as a daemon's next request does: its write opens a fresh lane.
let reopened: { code?: string, message: string } | undefined
const s1 = await v.sessions.open('full')
try { await s1.append({ role: 'user', content: 'after, reopened' }) } catch (err: any) { reopened = { code: err.code, message: err.message } }
await s1.close()
await v.close()
const again = await openVault({ home })
const s2 = await again.sessions.open('full')
const count = s2.messageCount()
const contents = s2.messages().map(m => m.content.split(' ')[0])
await s2.close()
await again.close()
process.stdout.write(JSON.stringify({ acked, error, afterError, reopened, count, inOrder: contents.every((c, i) => c === `m${i}`) }) + '\n')
