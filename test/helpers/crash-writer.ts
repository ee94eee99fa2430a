/**
 * Child process for the crash test: appends to a session continuously, several appends in
 * flight at once (group commit), printing `ack <content>` once each is durable. Killed with
 * SIGKILL at a random moment by the parent. argv: home, tag.
 */
import '../../src/polyfill.js'
import { openVault } from '../../src/sdk/index.js'

const [home, tag] = process.argv.slice(2) as [string, string]
const vault = await openVault({ home, snapshotEvery: 150 })
const s = await vault.sessions.openOrCreate('agent:main:crash')
process.stdout.write('ready\n')
let n = 0
const inFlight = new Set<Promise<void>>()
for (;;) {
  // Every 16th message is large (~300 KB) so that kills often land inside a write.
  const content = `${tag}-${n++}-${'x'.repeat(n % 16 === 0 ? 300_000 : 200 + (n % 7) * 300)}`
  const p: Promise<void> = s.append({ role: 'user', content }).then(() => {
    process.stdout.write(`ack ${content.slice(0, content.indexOf('-x'))}\n`)
    inFlight.delete(p)
  })
  inFlight.add(p)
  if (inFlight.size >= 8) await Promise.race(inFlight)
}
