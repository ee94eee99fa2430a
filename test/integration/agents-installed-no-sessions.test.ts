/**
 * A Codex installed but never run: `codex` on PATH, or ~/.codex there without the sessions folder
 * Codex makes at its first session. `mesh agent import codex --all` said "no Codex here" (exit
 * 2, as for an agent not installed or a variable mis-set), since only the sessions folder was
 * looked at, and `mesh agent follow codex` said "no Codex here yet". Both now say Codex is here
 * but has no sessions yet; the import has nothing to do (exit 0, `[]` with --json). With neither
 * the folder nor the command, it is still "no Codex here".
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
/** A PATH of one folder holding nothing (no agent's command on it, whatever this machine has). */
let noBins: string

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  noBins = join(dir, 'no-bins')
  await mkdir(noBins)
}, 30_000)
afterAll(async () => { await cleanup() })

/** A user's HOME of its own, and the env `mesh` runs with there. */
async function user (name: string, path: string): Promise<{ home: string, env: NodeJS.ProcessEnv }> {
  const home = join(dir, name)
  await mkdir(home)
  const env: NodeJS.ProcessEnv = { ...cliEnv(home), PATH: path }
  delete env.CODEX_HOME
  return { home, env }
}

describe('a Codex installed that never ran', () => {
  it('~/.codex without sessions: import --all has nothing to do (exit 0), and the follower says it', async () => {
    const { home, env } = await user('folder', noBins)
    await mkdir(join(home, '.codex'))
    await writeFile(join(home, '.codex', 'config.toml'), 'model = "o3"\n')
    const r = await runCli(['agent', 'import', 'codex', '--all'], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toBe(`Codex is here but has no sessions yet: no ${join(home, '.codex', 'sessions')} (Codex makes it at its first session): nothing imported\n`)
    const json = await runCli(['agent', 'import', 'codex', '--since', '7d', '--json'], { env })
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual([])

    expect((await runCli(['init', '--label', 'laptop'], { env })).code).toBe(0)
    const f = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'codex'], env)
    try {
      await f.waitFor(/^note: Codex is here but has no sessions yet: .* watching for it$/, 20_000)
    } finally {
      expect(await f.stop('SIGINT'), f.lines.join('\n')).toBe(0)
    }
    expect(f.lines.filter(l => l.includes('Codex here'))).toEqual([])
  }, 60_000)

  it('`codex` on PATH and no ~/.codex: the same; with neither, still no Codex here (exit 2)', async () => {
    const bins = join(dir, 'bins')
    await mkdir(bins)
    await writeFile(join(bins, 'codex'), '#!/bin/sh\nexit 0\n')
    await chmod(join(bins, 'codex'), 0o755)
    const { home, env } = await user('command', bins)
    const r = await runCli(['agent', 'import', 'codex', '--all'], { env })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(`Codex is here but has no sessions yet: no ${join(home, '.codex', 'sessions')} (Codex makes it at its first session): nothing imported\n`)
    const none = await runCli(['agent', 'import', 'codex', '--all'], { env: { ...env, PATH: noBins } })
    expect(none.code).toBe(2)
    expect(none.stderr).toBe(`mesh: no Codex here: no ${join(home, '.codex', 'sessions')} (set CODEX_HOME if Codex keeps its files elsewhere)\n`)
  })
})

/**
 * The Hermes follower said nothing when Hermes was not here (no state.db, in the home or a
 * profile), where the other agents' followers say `note: no Codex here yet: …: watching for it`:
 * it says so now the same way, and for a Hermes installed that never ran (~/.hermes without
 * state.db) that it has no sessions yet. A ~/.hermes holding only what a resume by mesh wrote
 * there is no install (installed.ts).
 */
describe('the Hermes follower', () => {
  it('says once that Hermes is not here, or here without sessions, as the other agents\' followers do', async () => {
    const { home, env } = await user('hermes', noBins)
    delete env.HERMES_HOME
    expect((await runCli(['init', '--label', 'laptop'], { env })).code).toBe(0)
    const follow = async (): Promise<string[]> => {
      const f = spawnIn(undefined, process.execPath, [BIN, 'agent', 'follow', 'hermes,codex'], env)
      try {
        await f.waitFor(/^note: .*Codex.* watching for it$/, 20_000)
        await f.waitFor(/^note: .*Hermes.* watching for it$/, 10_000)
      } finally {
        expect(await f.stop('SIGINT'), f.lines.join('\n')).toBe(0)
      }
      return f.lines.filter(l => l.includes('Hermes'))
    }
    const absent = `note: no Hermes here yet: no ${join(home, '.hermes', 'state.db')} (set HERMES_HOME if Hermes keeps its files elsewhere): watching for it`
    expect(await follow()).toEqual([absent])
    // Only a resume's export folder: still no Hermes.
    await mkdir(join(home, '.hermes', 'mesh-imports'), { recursive: true })
    expect(await follow()).toEqual([absent])
    await writeFile(join(home, '.hermes', 'config.yaml'), 'model: x\n')
    expect(await follow()).toEqual([`note: Hermes is here but has no sessions yet: no ${join(home, '.hermes', 'state.db')} (Hermes makes it at its first session): watching for it`])
  }, 90_000)
})

