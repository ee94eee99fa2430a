/**
 * Child process: opens a home (its daemon stopped) and takes the driver lease of sessions with
 * the time to live given, a negative one for a lease that ended that long ago: what a device's
 * lease looks like once it has gone quiet, without waiting out the 10 minutes. argv: home, then
 * KEY=TTL_MS pairs. Prints each lease as a JSON line.
 */
import '../../src/polyfill.js'
import { openVault } from '../../src/sdk/index.js'

const v = await openVault({ home: process.argv[2] as string })
for (const arg of process.argv.slice(3)) {
  const i = arg.lastIndexOf('=')
  const s = await v.sessions.open(arg.slice(0, i))
  const { lease } = await s.takeLease({ ttlMs: Number(arg.slice(i + 1)) })
  process.stdout.write(JSON.stringify(lease) + '\n')
  await s.close()
}
await v.close()
