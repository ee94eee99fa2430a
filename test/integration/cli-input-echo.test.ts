/**
 * A user's input repeated in an error, as the CLI prints it: `mesh memory get` and `memory
 * delete` with a 100,000-character key printed the whole key back, `mesh devices approve` a
 * 3,000-character code too, and `mesh doctor --drop $'x\ny'` printed the newline raw. Each now
 * shows long input as its head and tail with its length, and a control as `\n` (shownInput in
 * src/shown-input.ts).
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let t: { dir: string, cleanup: () => Promise<void> }
let env: NodeJS.ProcessEnv
const mesh = async (...args: string[]): Promise<RunResult> => await runCli(args, { env })

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(join(t.dir, 'user'), { MESH_HOME: join(t.dir, 'home') })
  const init = await mesh('init', '--label', 'echo')
  if (init.code !== 0) throw new Error(init.stderr)
}, 60_000)
afterAll(async () => { await t?.cleanup() })

describe('input repeated in an error', () => {
  it('is shortened when long: memory get, memory delete, devices approve', async () => {
    const key = 'k'.repeat(50_000) + 'z'.repeat(50_000)
    for (const args of [['memory', 'get', key], ['memory', 'delete', key]]) {
      const r = await mesh(...args)
      expect(r.code, args[1]).not.toBe(0)
      expect(r.stderr.length, args[1]).toBeLessThan(400)
      expect(r.stderr).toContain(`no memory entry ${'k'.repeat(48)}…${'z'.repeat(32)} (100000 characters)`)
    }
    const code = 'Q'.repeat(3000)
    const r = await mesh('devices', 'approve', code)
    expect(r.code).not.toBe(0)
    expect(r.stderr.length).toBeLessThan(400)
    expect(r.stderr).toContain('(3000 characters)')
  }, 60_000)

  it('shows a newline in it as \\n, not a line break', async () => {
    const r = await mesh('doctor', '--drop', 'x\ny')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('has the id x\\ny')
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
  }, 60_000)
})
