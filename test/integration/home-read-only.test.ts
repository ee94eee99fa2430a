/**
 * A home that cannot be written (a backup mounted read-only; see read-only-home.ts): every command
 * that would change it is refused with HOME_READ_ONLY naming the home (exit 2), and nothing in it
 * changes.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'
import { meshReadOnly, needsRoot } from '../helpers/read-only-home.js'
import { tree } from '../helpers/tree.js'

const h = cliHome()

/** Every path of the home with a hash of each file's bytes: what "nothing changed" compares. */
async function contents (home: string): Promise<string[]> {
  const out: string[] = []
  for (const p of await tree(home)) {
    const bytes = await readFile(join(home, p)).catch(() => undefined)
    out.push(bytes === undefined ? p : `${p} ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`)
  }
  return out
}

beforeAll(async () => {
  needsRoot()
  expect((await h.mesh('session', 'new', 'fix-login', '--goal', 'users stay logged in')).code).toBe(0)
  const a = await h.mesh('session', 'append', 'fix-login', '--role', 'assistant', '--text', 'found it in the cookie path')
  expect(a.code, a.stderr).toBe(0)
  expect((await h.mesh('memory', 'set', 'db', 'postgres')).code).toBe(0)
}, 60_000)

describe('a home that cannot be written', () => {
  it('refuses every command that would change it, naming the home, and changes nothing', async () => {
    const before = await contents(h.home)
    const wallet = join(h.dir, 'wallet.json')
    for (const args of [
      ['session', 'append', 'fix-login', '--role', 'user', '--text', 'more'],
      ['session', 'new', 'other'],
      ['memory', 'set', 'k', 'v'],
      ['init', '--label', 'renamed', '--wallet', wallet]
    ]) {
      const r = await meshReadOnly(h.home, h.env, ...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toContain(`home ${h.home} is read-only (it is on a read-only file system)`)
      expect(r.stderr).not.toMatch(/EROFS|cannot write/)
      const j = await meshReadOnly(h.home, h.env, ...args, '--json')
      expect(j.code).toBe(2)
      expect(JSON.parse(j.stderr.trim().split('\n').at(-1) as string).error).toMatchObject({ code: 'HOME_READ_ONLY', details: { home: h.home, errno: 'EROFS' } })
    }
    expect(await contents(h.home)).toEqual(before)
  }, 120_000)
})
