/**
 * `mesh join --http PORT` on a port something else holds fails, exit 2, saying the port is in use
 * and how to pick another, and remembers nothing: it silently served on a random port and saved
 * that as httpPort in config.json. (Without --http, a busy default still falls back: http-port.test.ts.)
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('mesh join --http PORT on a busy port', () => {
  it('exits 2 naming the port and what to pass instead, and saves no httpPort', async () => {
    // Another program holding the port: it reads what comes and answers nothing.
    const busy = createServer(socket => { socket.resume() })
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    try {
      const port = (busy.address() as { port: number }).port
      const r = await h.mesh('join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', String(port))
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(`cannot serve HTTP on port ${port}: it is in use by another program. Pass another --http PORT, --http 0 for any free port`)
      const config = await readFile(join(h.home, 'config.json'), 'utf8').then(t => JSON.parse(t) as Record<string, unknown>, (): Record<string, unknown> => ({}))
      expect(config.httpPort).toBeUndefined()
      // Nothing was left running: the home is free for the next command.
      expect((await h.mesh('status')).stdout).toMatch(/daemon: +not running/)
    } finally {
      await new Promise<void>(resolve => busy.close(() => { resolve() }))
    }
  })
})
