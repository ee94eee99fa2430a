/**
 * `mesh agent hook claude` given no hook input, or input that is not Claude Code's hook event
 * (not JSON, JSON but not an object), says so in words: what it read and what it expects (it
 * said "Unexpected end of JSON input", the parser's own words). As a hook must: exit 1 (never 2,
 * which would keep Claude Code from stopping), nothing on stdout.
 */
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'
import { runCli } from '../helpers/cli.js'

const h = cliHome()
const hook = async (input: string): ReturnType<typeof runCli> => await runCli(['agent', 'hook', 'claude', '--home', h.home], { env: h.env, input })

describe('mesh agent hook claude, given what is not a hook event', () => {
  it('says the input is empty, not JSON, or not an object, and exits 1 with nothing on stdout', async () => {
    const said: Array<[string, RegExp]> = [
      ['', /^mesh hook: USAGE: the hook input on stdin is empty: `mesh agent hook claude` is run by Claude Code's hooks, which send the hook event as a JSON object on stdin \(`mesh agent hooks install claude` sets them up\)\n$/],
      [' \n\t\n', /^mesh hook: USAGE: the hook input on stdin is empty: /],
      ['not json', /^mesh hook: USAGE: the hook input on stdin is not JSON \(Unexpected token .*\): Claude Code sends the hook event as a JSON object\n$/],
      ['{"session_id": "a"', /^mesh hook: USAGE: the hook input on stdin is not JSON \(.*\): Claude Code sends the hook event as a JSON object\n$/],
      ['null', /^mesh hook: USAGE: the hook input on stdin is JSON null, not an object: Claude Code sends the hook event as a JSON object\n$/],
      ['["x"]', /^mesh hook: USAGE: the hook input on stdin is a JSON array, not an object: Claude Code sends the hook event as a JSON object\n$/],
      ['5', /^mesh hook: USAGE: the hook input on stdin is a JSON number, not an object: /]
    ]
    for (const [input, words] of said) {
      const r = await hook(input)
      expect(r.code, JSON.stringify(input)).toBe(1)
      expect(r.stdout, JSON.stringify(input)).toBe('')
      expect(r.stderr, JSON.stringify(input)).toMatch(words)
    }
    // An object is read as before: one that names no session says so.
    const none = await hook('{}')
    expect(none.code).toBe(1)
    expect(none.stderr).toBe('mesh hook: USAGE: the hook input names no session_id\n')
  }, 60_000)
})
