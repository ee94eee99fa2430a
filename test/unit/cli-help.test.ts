import { describe, expect, it } from 'vitest'
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
})
