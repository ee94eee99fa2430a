/** Child process: opens a home and holds it until killed. argv: home. */
import '../../src/polyfill.js'
import { openVault } from '../../src/sdk/index.js'

const v = await openVault({ home: process.argv[2] as string })
process.stdout.write('holding\n')
process.on('SIGTERM', () => { void v.close().then(() => process.exit(0)) })
setInterval(() => {}, 1 << 30)
