import { describe, expect, it } from 'vitest'
import { parseSessionKey } from '../../crdt/index.js'

describe('session keys (OpenClaw --session-key contract)', () => {
  it.each([
    ['agent:main:refactor', 'agent:main:refactor'],
    ['agent:coder:fix-bug_2', 'agent:coder:fix-bug_2'],
    ['refactor', 'agent:main:refactor'],
    ['agent:ops:telegram:dm:42', 'agent:ops:telegram:dm:42'],
    ['  spaced  ', 'agent:main:spaced']
  ])('accepts %s as %s', (input, want) => {
    expect(parseSessionKey(input)).toBe(want)
  })

  it('names the expected form for too few parts', () => {
    expect(() => parseSessionKey('agent:main')).toThrow('Invalid session key "agent:main". Agent-prefixed session keys must use agent:<agent-id>:<session-key>.')
  })

  it('holds a bare key to 200 characters once agent:main: is added, so every key it returns parses again', () => {
    const longest = parseSessionKey('a'.repeat(189))
    expect(longest).toHaveLength(200)
    expect(parseSessionKey(longest)).toBe(longest)
    expect(() => parseSessionKey('a'.repeat(190))).toThrow(/agent:main:<key> is longer than 200 characters \(a bare key has at most 189\)/)
    expect(() => parseSessionKey('a'.repeat(195))).toThrow(expect.objectContaining({ code: 'INVALID_SESSION_KEY' }))
  })

  it.each(['', 'agent::x', 'agent:main:', 'a b', 'agent:main:x/y', 'agent:m@in:x', 'x'.repeat(201), ':x'])('rejects %j', (input) => {
    expect(() => parseSessionKey(input)).toThrow(expect.objectContaining({ code: 'INVALID_SESSION_KEY' }))
  })
})
