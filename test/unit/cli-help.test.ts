import { describe, expect, it } from 'vitest'
import { optionsNamed, subUsage } from '../../src/cli/command.js'
import { COMMANDS } from '../../src/cli/main.js'

describe('mesh help', () => {
  it('every subcommand of a group says in a line what it does', () => {
    const groups = COMMANDS.filter(c => typeof c.arity !== 'number')
    expect(groups.map(c => c.name)).toEqual(expect.arrayContaining(['agent', 'devices', 'session', 'lease', 'memory', 'skills', 'wallet']))
    for (const c of groups) {
      for (const sub of Object.keys(c.arity)) {
        const line = c.subSummaries?.[sub]
        expect(line, `mesh ${c.name} ${sub}`).toMatch(/^[a-z].{15,}[^.]$/)
        expect(line).not.toBe(c.summary)
      }
    }
  })

  // A subcommand takes the options its part of the usage names (refuseForeignOptions): an option
  // of the group that no part names would be refused everywhere.
  it('every option of a group is named in the usage of a subcommand that takes it', () => {
    for (const c of COMMANDS.filter(c => typeof c.arity !== 'number')) {
      const named = Object.keys(c.arity).flatMap(sub => optionsNamed(subUsage(c, sub) ?? ''))
      for (const o of Object.keys(c.options)) expect(named, `mesh ${c.name} --${o}`).toContain(o)
    }
  })
})
