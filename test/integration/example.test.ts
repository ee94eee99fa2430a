/** The README's example runs as a user would run it, through the package's public name. */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.js'

describe('examples', () => {
  it('examples/agent.ts runs and resumes its session', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'examples', 'agent.js')], { encoding: 'utf8' })
    expect(out).toContain('+ user: Split the lexer out of parser.ts.')
    expect(out).toContain('goal: split lexer and parser; 2 messages; progress: lexer extracted')
  })
})
