/**
 * The report's path through the real `mesh` command: a device that wrote messages runs
 * `mesh init --read-only`; its messages stay (they vanished: "no session agent:main:dnotes"),
 * and its new writes are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
const mesh = (...args: string[]): ReturnType<typeof runCli> => runCli(args, { env })

beforeAll(async () => { let dir: string; ({ dir, cleanup } = await tempDir()); env = cliEnv(dir) })
afterAll(async () => { await cleanup() })

describe('mesh init --read-only on a device that wrote', () => {
  it('keeps what it wrote, readable on the device itself, and refuses what it writes next', async () => {
    expect((await mesh('init', '--label', 'dnotes-laptop')).code).toBe(0)
    expect((await mesh('session', 'new', 'agent:main:dnotes')).code).toBe(0)
    for (const text of ['one', 'two', 'three']) expect((await mesh('session', 'append', 'dnotes', '--role', 'user', '--text', text)).code).toBe(0)

    const init = await mesh('init', '--read-only', '--label', 'dnotes-laptop', '--json')
    expect(init.code).toBe(0)
    expect(JSON.parse(init.stdout).capabilities).toEqual(['read'])

    const show = await mesh('session', 'show', 'dnotes', '--json')
    expect(show.code, show.stderr).toBe(0)
    expect(JSON.parse(show.stdout).messages.map((m: any) => m.content)).toEqual(['one', 'two', 'three'])
    expect(JSON.parse((await mesh('sessions', '--json')).stdout).map((s: any) => s.key)).toEqual(['agent:main:dnotes'])
    const r = await mesh('session', 'append', 'dnotes', '--role', 'user', '--text', 'four', '--json')
    expect(r.code).toBe(2)
    expect(JSON.parse(r.stderr).error.code).toBe('READ_ONLY')

    // Writer again: what it writes from now on counts, and the three are still there.
    expect((await mesh('init', '--read-write', '--label', 'dnotes-laptop')).code).toBe(0)
    expect((await mesh('session', 'append', 'dnotes', '--role', 'user', '--text', 'four')).code).toBe(0)
    expect(JSON.parse((await mesh('session', 'show', 'dnotes', '--json')).stdout).messages.map((m: any) => m.content)).toEqual(['one', 'two', 'three', 'four'])
  })
})
