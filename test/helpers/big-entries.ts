/**
 * Child: writes a session of `entries` appends of `per` messages of ~1 KB each into a new home
 * (created with the wallet file), never compacted: a fresh peer receives it entry by entry, each
 * entry ~1 MB, as a session appended to through `POST /api/sessions/{key}/messages` in big
 * batches arrives. argv: home wallet entries per.
 */
import '../../src/polyfill.js'
import { openVault } from '../../src/sdk/index.js'

const [home, wallet, entries, per] = process.argv.slice(2) as [string, string, string, string]
const v = await openVault({ home, wallet, label: 'A', snapshotEvery: 1_000_000, snapshotOnClose: 1_000_000 })
const s = await v.sessions.create('agent:main:big')
for (let i = 0; i < Number(entries); i++) {
  await s.append(Array.from({ length: Number(per) }, (_, j) => ({ role: 'user' as const, content: `big ${i}.${j} ${'z'.repeat(1000)}` })))
}
await s.close()
await v.close()
