/**
 * Child process for `mesh status` on a full disk, run inside `unshare -m` with a small tmpfs at
 * argv[2] (argv[3]: bin/mesh.js). It sets a home up and closes it, then runs the real `mesh
 * status` and `mesh status --json` with no daemon (the command opens the home itself): once with
 * the disk filled to the last byte, once with less free than the store keeps for writes, once
 * with room. Prints one JSON line: each run's exit code, stdout and parsed JSON.
 */
import '../../src/polyfill.js'
import { execFile } from 'node:child_process'
import { unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { fillDisk } from './ballast.js'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'

const [mnt, bin] = process.argv.slice(2) as [string, string]
const home = join(mnt, 'home')
const ballast = join(mnt, 'ballast')

/** `mesh status` as a person runs it, text and --json, with what each printed. */
export async function status (homeDir: string, mesh: string): Promise<{ text: { code: number, stdout: string, stderr: string }, json: any }> {
  const run = async (args: string[]): Promise<{ code: number, stdout: string, stderr: string }> => await new Promise(resolve => {
    execFile(process.execPath, [mesh, ...args, '--home', homeDir], { env: { ...process.env, MESH_HOME: homeDir }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? -1), stdout, stderr })
    })
  })
  const text = await run(['status'])
  const j = await run(['status', '--json'])
  let json: unknown
  try { json = JSON.parse(j.stdout) } catch { json = { unparsed: j } }
  return { text, json }
}

const fill = async (leave: number): Promise<number> => await fillDisk(ballast, leave)

if (import.meta.url === `file://${process.argv[1] as string}`) {
  const v = await openVault({ home, wallet: generateWallet(), label: 'full' })
  const s = await v.sessions.create('notes')
  await s.append({ role: 'user', content: 'hello' })
  await s.close()
  await v.close()

  await fill(0)
  const full = await status(home, bin)
  await unlink(ballast)
  await fill(512 * 1024)
  const short = await status(home, bin)
  await unlink(ballast)
  const room = await status(home, bin)
  process.stdout.write(JSON.stringify({ home, full, short, room }) + '\n')
}
