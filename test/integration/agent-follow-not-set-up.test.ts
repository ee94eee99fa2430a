/**
 * `mesh agent follow` on a home that is not set up (a mistyped --home) refuses it at once, as
 * every other command does: exit 1 with HOME_NOT_INITIALIZED, nothing written there (it made
 * `<home>/agent-follow/followers/`, said it had caught up, and retried until Ctrl-C, exit 0).
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  const claude = join(dir, 'claude')
  await mkdir(join(claude, 'projects'), { recursive: true })
  env = cliEnv(join(dir, 'user'), { CLAUDE_CONFIG_DIR: claude })
})
afterAll(async () => { await cleanup() })

describe('mesh agent follow on a home that is not set up', () => {
  it('exits 1 with HOME_NOT_INITIALIZED and writes nothing, in words or --json', async () => {
    const home = join(dir, 'typo')
    const r = await runCli(['agent', 'follow', 'claude', '--home', home], { env, timeoutMs: 20_000 })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(new RegExp(`^mesh: home ${home} is not set up: check --home and \\$MESH_HOME`))
    expect(r.stdout).toBe('')
    expect(existsSync(home)).toBe(false)

    const j = await runCli(['agent', 'follow', 'claude,codex', '--home', home, '--json'], { env, timeoutMs: 20_000 })
    expect(j.code, j.stderr).toBe(1)
    expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'HOME_NOT_INITIALIZED', details: { home } })
    expect(j.stdout).toBe('')
    expect(existsSync(home)).toBe(false)
  }, 60_000)
})
