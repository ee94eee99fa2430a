/**
 * Child process: opens a home and holds it until killed. argv: home [--foreign]. With --foreign,
 * a stand-in for a `mesh join` of another version: it takes only the home's lock (store/lock.ts)
 * and listens on the home's socket, where it hangs up on every request with a line that is not
 * this mesh's protocol (as a mesh from before the API did); SIGTERM lets the home go.
 */
import '../../src/polyfill.js'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { openVault } from '../../src/sdk/index.js'
import { acquireLock } from '../../src/store/index.js'

const home = process.argv[2] as string
if (process.argv[3] === '--foreign') {
  const lock = await acquireLock(home)
  const server = createServer(s => { s.on('data', () => { s.end('{"e":"bad control request"}\n') }) })
  await new Promise<void>(resolve => server.listen(join(home, 'control.sock'), resolve))
  process.stdout.write('holding\n')
  process.on('SIGTERM', () => { server.close(); void lock.release().then(() => process.exit(0)) })
} else {
  const v = await openVault({ home })
  process.stdout.write('holding\n')
  process.on('SIGTERM', () => { void v.close().then(() => process.exit(0)) })
}
setInterval(() => {}, 1 << 30)
