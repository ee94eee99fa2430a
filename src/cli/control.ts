/**
 * The local control channel: while `mesh join` runs, other commands go through it so they see
 * live data. A unix socket in the home (`control.sock`, mode 0600, in a 0700 home): only the
 * home's owner can connect. JSON lines: the client sends { argv }, the daemon answers with
 * { o: line } (stdout), { e: line } (stderr) and finally { exit: code }.
 */
import { chmod, unlink } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import type { MeshNode } from '../node/mesh.js'
import type { MeshVault } from '../sdk/index.js'
import { ambient, type Out } from './context.js'

const log = logger('mesh:cli:control')
export const controlPath = (home: string): string => join(home, 'control.sock')

export type Runner = (argv: string[]) => Promise<number>

export async function serveControl (home: string, vault: MeshVault, node: MeshNode, run: Runner): Promise<{ close: () => Promise<void> }> {
  const path = controlPath(home)
  await unlink(path).catch(() => undefined) // a socket left by a killed daemon
  const sockets = new Set<Socket>()
  const server: Server = createServer((sock) => {
    sockets.add(sock)
    const ac = new AbortController()
    sock.on('close', () => { sockets.delete(sock); ac.abort() })
    sock.on('error', (err) => { log('control client error: %e', err) })
    let buf = ''
    sock.on('data', (d) => {
      buf += d.toString()
      const i = buf.indexOf('\n')
      if (i < 0) return
      const line = buf.slice(0, i)
      buf = ''
      let argv: string[]
      try {
        argv = JSON.parse(line).argv
        if (!Array.isArray(argv) || argv.some(a => typeof a !== 'string')) throw new Error('argv must be a list of strings')
      } catch (err: any) {
        sock.end(JSON.stringify({ e: `mesh: bad control request: ${err?.message}` }) + '\n' + JSON.stringify({ exit: 2 }) + '\n')
        return
      }
      const send = (v: unknown): void => { if (!sock.destroyed) sock.write(JSON.stringify(v) + '\n') }
      const out: Out = { line: (s = '') => { send({ o: s }) }, json: (v) => { send({ o: JSON.stringify(v, null, 2) }) }, err: (s) => { send({ e: s }) } }
      void ambient.run({ out, vault, node, signal: ac.signal }, async () => await run(argv)).then(
        (code) => { send({ exit: code }); sock.end() },
        (err: unknown) => { send({ e: `mesh: ${String(err)}` }); send({ exit: 1 }); sock.end() }
      )
    })
  })
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(path, () => { resolve() }) })
  await chmod(path, 0o600)
  return {
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => { server.close(() => { resolve() }) })
      await unlink(path).catch(() => undefined) // server.close may have removed it
    }
  }
}

/**
 * Runs argv in the daemon of this home, if one answers. Returns its exit code, or undefined when
 * no daemon runs (no socket, or a stale one nobody listens on).
 */
export async function runInDaemon (home: string, argv: string[], io: { stdout: (s: string) => void, stderr: (s: string) => void }): Promise<number | undefined> {
  const sock = await new Promise<Socket | undefined>((resolve) => {
    const s = createConnection(controlPath(home))
    s.once('connect', () => { resolve(s) })
    s.once('error', () => { resolve(undefined) })
  })
  if (sock === undefined) return undefined
  const stop = (): void => { sock.end() }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    return await new Promise<number>((resolve) => {
      let buf = ''
      let code = 1
      sock.on('data', (d) => {
        buf += d.toString()
        let i
        while ((i = buf.indexOf('\n')) >= 0) {
          const msg = JSON.parse(buf.slice(0, i))
          buf = buf.slice(i + 1)
          if (typeof msg.o === 'string') io.stdout(msg.o)
          else if (typeof msg.e === 'string') io.stderr(msg.e)
          else if (typeof msg.exit === 'number') code = msg.exit
        }
      })
      sock.on('close', () => { resolve(code) })
      sock.on('error', () => { resolve(code) })
      sock.write(JSON.stringify({ argv }) + '\n')
    })
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
}

export async function daemonRunning (home: string): Promise<boolean> {
  return await new Promise<boolean>((resolve) => {
    const s = createConnection(controlPath(home))
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => { resolve(false) })
  })
}
