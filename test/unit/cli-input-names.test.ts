/**
 * The CLI's names for the API's input fields (src/cli/input-names.ts): a refusal is said by the
 * flags and arguments a person gave; a field no flag filled keeps the method's name before it, and
 * any other error is left as the API said it.
 */
import { describe, expect, it } from 'vitest'
import { inCliWords } from '../../src/cli/input-names.js'

const refused = (message: string, method = 'sessions.task'): any => ({ code: 'INVALID_INPUT', message, details: { method } })
const NAMES = { 'sessions.task': { todoAdd: '--todo-add', files: '--file', key: 'KEY' } }

describe('inCliWords', () => {
  it('names each field by its flag, the nth of a repeated one past the first, and drops the method', () => {
    expect(inCliWords(refused('sessions.task: todoAdd.11: a todo is empty; files.0: a file is empty'), NAMES)).toEqual({
      code: 'INVALID_INPUT',
      message: '--todo-add (the 12th): a todo is empty; --file: a file is empty',
      details: { method: 'sessions.task', inputs: { 'todoAdd.11': '--todo-add (the 12th)', 'files.0': '--file' } }
    })
  })

  it('keeps the method where a field has no flag, and leaves other errors and methods as they are', () => {
    expect(inCliWords(refused('sessions.task: files.0: x; fields.a: y'), NAMES).message).toBe('sessions.task: --file: x; fields.a: y')
    expect(inCliWords(refused('sessions.task: input: give one'), NAMES).message).toBe('sessions.task: input: give one')
    expect(inCliWords(refused('memory.set: tags.0: x', 'memory.set'), NAMES).message).toBe('memory.set: tags.0: x')
    const other = { code: 'NOT_FOUND', message: 'sessions.task: files.0: x', details: { method: 'sessions.task' } }
    expect(inCliWords(other, NAMES)).toBe(other)
    expect(inCliWords(refused('sessions.task: files.0: x'), undefined).message).toBe('sessions.task: files.0: x')
  })
})
