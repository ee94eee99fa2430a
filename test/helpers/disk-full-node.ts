/**
 * Child process for the disk-full recovery test, run inside `unshare -m` with a small tmpfs at
 * argv[2]: a vault and its node on 127.0.0.1 (the network is the host's), driven by commands on
 * stdin, each answered with one JSON line:
 * - `start`: prints the node's address, then fills the disk with a ballast file all but a little
 * - `fill`: appends to session "full" until a write is refused
 * - `read`: opens "full" afresh and counts its messages (reads while full)
 * - `free`: removes the ballast, then waits for the node to report room again
 * - `write N`: appends N messages through a fresh handle (no restart)
 * - `count`: closes, reopens the home and reports every message in order
 * argv: mnt, wallet seed (hex).
 */
import '../../src/polyfill.js'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fillDisk } from './ballast.js'
import { createInterface } from 'node:readline'
import { walletFromSeed } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'

const [mnt, seedHex] = process.argv.slice(2) as [string, string]
const home = join(mnt, 'home')
const ballast = join(mnt, 'ballast')
const say = (o: unknown): void => { process.stdout.write(JSON.stringify(o) + '\n') }
let v: MeshVault = await openVault({ home, wallet: walletFromSeed(Buffer.from(seedHex, 'hex')), label: 'full', snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 })
let node: MeshNode | undefined
let acked = 0
let later = 0
const diskEvents: boolean[] = []
v.vault.on('disk', (full) => diskEvents.push(full))

// Room for some appends: they fill the rest.
const fillBallast = async (): Promise<number> => await fillDisk(ballast, 384 * 1024)

async function countAll (): Promise<{ count: number, contents: string[] }> {
  const s = await v.sessions.open('full')
  const contents = s.messages().map(m => m.content.split(' ')[0] as string)
  await s.close()
  return { count: contents.length, contents }
}

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ')
  try {
    if (cmd === 'start') {
      node = await MeshNode.start(v.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
      const s = await v.sessions.create('full')
      await s.close()
      say({ addr: node.addresses()[0], ballast: await fillBallast() })
    } else if (cmd === 'fill') {
      const s = await v.sessions.open('full')
      let error: { code?: string, message: string } | undefined
      while (error === undefined) {
        try {
          await s.append({ role: 'user', content: `m${acked} ${'y'.repeat(4000)}` })
          acked++
        } catch (err: any) {
          error = { code: err.code, message: err.message }
        }
      }
      await s.close().catch(() => undefined) // its document holds the refused change: dropped
      say({ acked, error, diskFull: v.vault.diskFull, status: node?.status().diskFull })
    } else if (cmd === 'read') {
      say({ ...await countAll(), diskFull: v.vault.diskFull })
    } else if (cmd === 'free') {
      await unlink(ballast)
      while (v.vault.diskFull) await new Promise(resolve => setTimeout(resolve, 50))
      say({ diskFull: v.vault.diskFull, status: node?.status().diskFull, diskEvents })
    } else if (cmd === 'write') {
      const s = await v.sessions.open('full')
      for (let i = 0; i < Number(arg); i++) await s.append({ role: 'user', content: `after${later++} x` })
      await s.close()
      say({ ok: true, diskFull: v.vault.diskFull })
    } else if (cmd === 'count') {
      await node?.stop()
      await v.close()
      v = await openVault({ home })
      say(await countAll())
      await v.close()
      process.exit(0)
    }
  } catch (err: any) {
    say({ failed: cmd, code: err?.code, message: String(err?.message ?? err) })
  }
}
