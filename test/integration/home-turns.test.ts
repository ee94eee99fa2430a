/**
 * In-process calls of one process take the home in turns, the opening handed from one to the
 * next (src/cli/context.ts HomeTurns). A turn that ended in an error before its holder got the
 * home (its --wallet moved away mid-burst) left that opening to nobody: the home stayed locked
 * for as long as the process ran, and `mesh status` from another process gave HOME_IN_USE. It is
 * closed now when no one else waits.
 */
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withApi } from '../../src/cli/context.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
beforeAll(async () => { t = await tempDir(); env = cliEnv(t.dir) })
afterAll(async () => { await t.cleanup() })

describe('the home\'s turns in one process', () => {
  it('a turn that fails before it gets the home closes the opening handed to it: another process can use the home', async () => {
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const home = join(t.dir, 'h')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'h'], { env })).code).toBe(0)
    const g = { home, wallet, json: true }
    const first = withApi(g as any, async api => {
      await api.call('node.status', {})
      await rename(wallet, `${wallet}.moved`)
    })
    const second = withApi(g as any, async api => await api.call('node.status', {}))
    await first
    expect(await second.then(() => undefined, (err: unknown) => err)).toMatchObject({ code: 'WALLET_NOT_FOUND' })
    const r = await runCli(['status', '--home', home, '--json'], { env, timeoutMs: 40_000 })
    expect(r.code, r.stderr).toBe(0)
  }, 60_000)
})
