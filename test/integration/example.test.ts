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

  it('examples/demo.ts (npm run demo) hands a session from one home to another', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'examples', 'demo.js')], { encoding: 'utf8' })
    expect(out).toContain('desktop: proved laptop is a device of the same wallet')
    expect(out).toContain('desktop sees live: assistant: Set Max-Age to 30 days')
    expect(out).toContain("lease:    desktop (epoch 2, taken over from laptop)")
    expect(out).toContain('desktop: continued the session (4 messages)')
  })
})
