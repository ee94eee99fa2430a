/**
 * A daemon whose HTTP port is busy falls back to a free one, and its next start takes that one
 * again (remembered in config.json as httpPort) while the default stays busy: a dashboard left
 * open finds the restarted daemon where it was, and its token's origin is the same.
 */
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { startHttp } from '../../src/api/http.js'
import { createLocalApi, openVault } from '../../src/api/index.js'
import { writeNewWallet } from '../../src/identity/index.js'
import { readConfig } from '../../src/node/config.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

describe('the HTTP port a busy default fell back to', () => {
  it('is taken again at the next start', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const wallet = await writeNewWallet(join(t.dir, 'wallet.json'))
    const vault = await openVault({ home, wallet })
    cleanups.push(async () => { await vault.close() })
    const api = await createLocalApi({ vault })
    cleanups.push(async () => { await api.close() })
    // The port asked for, held by something else.
    const busy = createServer()
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    cleanups.push(async () => { await new Promise<void>(resolve => busy.close(() => { resolve() })) })
    const wanted = (busy.address() as { port: number }).port

    const first = await startHttp(api, home, { port: wanted })
    const fell = first.server?.port as number
    expect(fell).not.toBe(wanted)
    expect(first.line).toContain(`port ${wanted} is busy, using ${fell})`)
    expect((await readConfig(home)).httpPort).toBe(fell)
    await first.server?.close()

    const again = await startHttp(api, home, { port: wanted })
    cleanups.push(async () => { await again.server?.close() })
    expect(again.server?.port).toBe(fell)
    expect(again.line).toContain('as last time')
  })
})
