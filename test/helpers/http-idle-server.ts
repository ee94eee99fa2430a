/**
 * Child process for the HTTP deadline tests: the API of a fresh home served over HTTP (argv:
 * DIR HEADERS_MS REQUEST_MS [WRITE_MS MAX_PIPELINED MAX_CONNECTIONS SILENT_MS]), and nothing else running in
 * the process. Prints `ready PORT TOKEN`.
 * On stdin, `timers` prints `timers JSON`: every timer created since just before the server was
 * made that is still pending and due within a day, as `{ ms, repeat }`; `sockets` prints
 * `sockets N`, the server's connections open in this process; `memory` prints `memory JSON`,
 * process.memoryUsage() after a full collection (when run with --expose-gc); `stop` closes and exits.
 */
import { createHook } from 'node:async_hooks'
import { join } from 'node:path'
import { Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { serveHttp } from '../../src/api/http.js'
import { createLocalApi, openVault } from '../../src/api/index.js'
import { writeNewWallet } from '../../src/identity/index.js'

const [dir, headersMs, requestMs, writeMs, maxPipelined, maxConnections, silentMs] = process.argv.slice(2) as [string, string, string, string?, string?, string?, string?]
const optional = (v: string | undefined): number | undefined => v === undefined ? undefined : Number(v)
const home = join(dir, 'home')
const wallet = await writeNewWallet(join(dir, 'wallet.json'))
const vault = await openVault({ home, wallet, label: 'idle' })
const api = await createLocalApi({ vault })

// Timers are async resources: `init` when made, `destroy` when cleared or run out.
const live = new Map<number, any>()
createHook({
  init (id, type, _trigger, resource) { if (type === 'Timeout') live.set(id, resource) },
  destroy (id) { live.delete(id) }
}).enable()

const DAY_MS = 86_400_000
const server = await serveHttp(api, { home, port: 0, deadlines: { headersMs: Number(headersMs), requestMs: Number(requestMs), writeMs: optional(writeMs), maxPipelined: optional(maxPipelined), silentMs: optional(silentMs) }, maxConnections: optional(maxConnections) })
const token = server.token
process.stdout.write(`ready ${server.port} ${token}\n`)

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'timers') {
    // _idleTimeout is the timer's period (-1 once cleared): the one way to see when it is due.
    const due = [...live.values()]
      .filter(t => t._idleTimeout > 0 && t._idleTimeout < DAY_MS)
      .map(t => ({ ms: t._idleTimeout as number, repeat: t._repeat !== null }))
    process.stdout.write(`timers ${JSON.stringify(due)}\n`)
  } else if (line === 'sockets') {
    const open = (process as any)._getActiveHandles().filter((h: unknown) => h instanceof Socket && h.localPort === server.port && !h.destroyed)
    process.stdout.write(`sockets ${open.length as number}\n`)
  } else if (line === 'memory') {
    (globalThis as any).gc?.()
    process.stdout.write(`memory ${JSON.stringify(process.memoryUsage())}\n`)
  } else if (line === 'stop') {
    await server.close()
    await api.close()
    await vault.close()
    process.exit(0)
  }
}
