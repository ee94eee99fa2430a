/**
 * Child for the lane-retirement test: opens a home's vault (without the SDK and libp2p, so that
 * 50 of them start fast), writes one memory entry, waits until it is durable, prints `ok` and
 * dies by SIGKILL without closing: its lane stays unclean, so the next open starts a new one.
 * argv: home, key.
 */
import '../../src/polyfill.js'
import { DOC_NAMES, MemoryDoc } from '../../crdt/index.js'
import { Vault } from '../../src/node/vault.js'

const [home, key] = process.argv.slice(2) as [string, string]
const v = await Vault.open({ home })
const r = await v.acquire(DOC_NAMES.memory)
await r.change(() => { new MemoryDoc(r.doc).set(key, `written before crash ${key}`, { device: 'crasher' }) })
await r.settle()
process.stdout.write('ok\n', () => { process.kill(process.pid, 'SIGKILL') })
