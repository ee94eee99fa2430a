/**
 * Child for the lane test: opens a home, appends one message to session `work`, prints every
 * entry it handed to the mesh (hex, one JSON line), and dies by SIGKILL without closing.
 */
import '../../src/polyfill.js'
import { openVault } from '../../src/sdk/index.js'
import { toHex } from '../../src/identity/index.js'

const [home, text] = process.argv.slice(2) as [string, string]
const v = await openVault({ home })
const sent: string[] = []
v.vault.on('entry', e => { if (e.local) sent.push(toHex(e.entry.bytes)) })
const s = await v.sessions.open('work')
await s.append({ role: 'user', content: text })
process.stdout.write(JSON.stringify({ sent }) + '\n', () => { process.kill(process.pid, 'SIGKILL') })
