/**
 * mesh session show lines its values up in one column, as wide as the longest label, a task's
 * free fields' names included: one field named with 2,000 characters (`mesh task --set`) pushed
 * every value of the session, its key and status too, 2,000 columns to the right. The column
 * is now as wide as the labels mesh prints and short field names, no wider; a longer name is
 * followed by its value after one space.
 *
 * A field named __proto__ (`mesh task --set __proto__=x`) was dropped unsaid (alone, it read as
 * "nothing to update"): the CLI refuses it, naming it.
 */
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('a task field\'s name', () => {
  it('of 2,000 characters is shown as name: value; the other rows keep their column', async () => {
    expect((await h.mesh('session', 'new', 'wide', '--goal', 'stay readable')).code).toBe(0)
    const name = 'k'.repeat(2000)
    expect((await h.mesh('task', 'wide', '--set', `${name}=v`, '--set', 'branch=fix/x')).code).toBe(0)
    const r = await h.mesh('session', 'show', 'wide')
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines).toContain('session:    agent:main:wide')
    expect(lines).toContain('goal:       stay readable')
    expect(lines).toContain('branch:     fix/x')
    expect(lines).toContain(`${name}: v`)
  }, 30_000)

  it('named __proto__ is refused by mesh task, naming it (exit 2), not dropped as "nothing to update"', async () => {
    expect((await h.mesh('session', 'new', 'proto')).code).toBe(0)
    for (const args of [['--set', '__proto__=x'], ['--set', 'branch=fix/y', '--set', '__proto__=x']]) {
      const r = await h.mesh('task', 'proto', ...args)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe('mesh: --set: a field cannot be named __proto__ (no JavaScript object can hold that name as a field): give it another name\n')
    }
    // Nothing of the refused command was written.
    expect(JSON.parse((await h.mesh('session', 'show', 'proto', '--json')).stdout).task.fields).toEqual({})
  }, 30_000)
})
