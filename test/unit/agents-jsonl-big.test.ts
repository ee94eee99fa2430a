/**
 * A transcript bigger than V8's largest string (512 MiB: a long session with images or large tool
 * outputs) is split and joined line by line: import, follow and resume never make the file one
 * string, which failed with "Cannot create a string longer than 0x1fffffe8 characters".
 */
import { constants } from 'node:buffer'
import { describe, expect, it } from 'vitest'
import { jsonlBytes, splitJsonl } from '../../src/agents/index.js'

describe('a JSONL file past the largest string', () => {
  it('splits into its lines and joins back to the same bytes', () => {
    const line = `{"type":"user","message":{"content":"${'z'.repeat(1024 * 1024 - 40)}"}}\n`
    const n = Math.ceil(constants.MAX_STRING_LENGTH / line.length) + 2
    const buf = Buffer.alloc(n * line.length, line)
    expect(buf.length).toBeGreaterThan(constants.MAX_STRING_LENGTH)
    const r = splitJsonl(buf)
    expect(r.lines.length).toBe(n)
    expect(r.taken).toBe(buf.length)
    expect(r.lines[n - 1]).toBe(line.slice(0, -1))
    const back = jsonlBytes(r.lines)
    expect(back.length).toBe(buf.length)
    expect(back.subarray(back.length - line.length).toString()).toBe(line)
  })
})
