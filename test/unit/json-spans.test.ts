/** stringSpans: every string token with its path and member key, at any depth JSON.parse takes. */
import { expect, it } from 'vitest'
import { stringSpans } from '../../src/agents/json-spans.js'

it('gives each string its path, its member key and whether it is a key', () => {
  const text = '{ "a": ["x", {"b": "y", "c": [1, "z"]}], "d": {}, "e": [], "f": "w" }'
  const got = stringSpans(text, undefined, { numbers: true }).map(s => [s.value, s.path, s.member, s.isKey, text.slice(s.start, s.end)])
  expect(got).toEqual([
    ['a', ['a'], 'a', true, '"a"'],
    ['x', ['a', 0], 'a', false, '"x"'],
    ['b', ['a', 1, 'b'], 'b', true, '"b"'],
    ['y', ['a', 1, 'b'], 'b', false, '"y"'],
    ['c', ['a', 1, 'c'], 'c', true, '"c"'],
    ['1', ['a', 1, 'c', 0], 'c', false, '1'],
    ['z', ['a', 1, 'c', 1], 'c', false, '"z"'],
    ['d', ['d'], 'd', true, '"d"'],
    ['e', ['e'], 'e', true, '"e"'],
    ['f', ['f'], 'f', true, '"f"'],
    ['w', ['f'], 'f', false, '"w"']
  ])
  expect(stringSpans('"top"').map(s => [s.value, s.path, s.member])).toEqual([['top', [], undefined]])
})

it('walks a text nested deeper than the call stack goes', () => {
  const depth = 100_000
  const text = `{"k":${'['.repeat(depth)}"v"${']'.repeat(depth)},"z":"w"}`
  const spans = stringSpans(text, (path, isKey) => !isKey && path.length < 3 ? true : path.length === depth + 1)
  expect(spans.map(s => [s.value, s.path.length, s.member])).toEqual([['v', depth + 1, 'k'], ['w', 1, 'z']])
  expect(stringSpans(text, undefined, { paths: false }).map(s => [s.value, s.path, s.member])).toEqual([['k', [], 'k'], ['v', [], 'k'], ['z', [], 'z'], ['w', [], 'z']])
})
