/**
 * A JSONL file with bytes that are not UTF-8 is refused whole (its lines could not come back byte
 * for byte), and the refusal says where: the line and its bytes, so the user can find and mend
 * the one damaged line instead of guessing at a file of thousands. A torn character at the very
 * end is an append in progress, not damage.
 */
import { describe, expect, it } from 'vitest'
import { splitJsonl } from '../../src/agents/index.js'

describe('a JSONL file that is not UTF-8', () => {
  it('names the first damaged line and its byte range', () => {
    const a = Buffer.from('{"n":1}\n')
    const b = Buffer.concat([Buffer.from('{"n":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')])
    const c = Buffer.from('{"n":3}\n')
    let err: any
    try { splitJsonl(Buffer.concat([a, b, c])) } catch (e) { err = e }
    expect(err?.code).toBe('INVALID_INPUT')
    expect(err.message).toContain(`not valid UTF-8 at line 2 (bytes ${a.length}-${a.length + b.length - 1})`)
    expect(err.details).toMatchObject({ line: 2, offset: a.length })
    // Cut inside a character at the end: the complete lines, the rest left for the next read.
    const euro = Buffer.from('€')
    expect(splitJsonl(Buffer.concat([a, Buffer.from('{"n":"'), euro.subarray(0, 2)])).lines).toEqual(['{"n":1}'])
  })
})
