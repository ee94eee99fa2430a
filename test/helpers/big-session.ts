/**
 * Child: writes a session of N messages into a home (created with the wallet file). argv: home
 * wallet n [snapshot]. With `snapshot` the session is sealed as one snapshot when it closes (its
 * entries compacted away): a fresh peer then receives it as a snapshot transfer.
 */
import '../../src/polyfill.js'
import { openVault } from '../../src/sdk/index.js'

const [home, wallet, n] = process.argv.slice(2) as [string, string, string]
const snapshot = process.argv[5] === 'snapshot'
const v = await openVault({ home, wallet, label: 'A', snapshotEvery: 1_000_000, snapshotOnClose: snapshot ? 1 : 1_000_000 })
const s = await v.sessions.create('agent:main:big')
for (let i = 0; i < Number(n); i += 50) {
  await s.append(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `big ${i + j} ${'z'.repeat(900)}` })))
}
await s.close()
await v.close()
