/**
 * Text read from stdin that is not UTF-8 is refused, not altered: `mesh session append --stdin`
 * took `\xff\xfe bad`, exit 0, and stored "\ufffd\ufffd bad". It now exits 2 naming the byte
 * offset of the first byte that is not UTF-8, and appends nothing; so does the hook's input (exit
 * 1, as a hook must). Valid text is taken as it is, a UTF-8 byte order mark before it dropped (it
 * marks the encoding, it is no part of the text). Real `mesh` processes fed bytes.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

/** `mesh ARGS --home HOME` with `input` (bytes) on its stdin. */
async function fed (input: Buffer, ...args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args, '--home', h.home], { env: h.env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  child.stdin.end(input)
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  return { code, stdout, stderr }
}

const append = async (input: Buffer): ReturnType<typeof fed> => await fed(input, 'session', 'append', 'bytes', '--role', 'user', '--stdin')
const contents = async (): Promise<string[]> => JSON.parse((await h.mesh('session', 'show', 'bytes', '--all', '--json')).stdout).messages.map((m: { content: string }) => m.content)

describe('text on stdin that is not UTF-8', () => {
  it('is refused by session append --stdin (exit 2, the byte offset named, nothing stored); valid text and a BOM are taken', async () => {
    expect((await h.mesh('session', 'new', 'bytes')).code).toBe(0)
    const refused: Array<[Buffer, number, string]> = [
      [Buffer.from('\xff\xfe bad', 'latin1'), 0, '0xff'],
      [Buffer.concat([Buffer.from('ok é then '), Buffer.from([0xe9]), Buffer.from(' latin-1')]), 11, '0xe9'],
      // A character cut short at the end, an overlong '/', an encoded surrogate half: none is UTF-8.
      [Buffer.concat([Buffer.from('abc'), Buffer.from([0xe2, 0x82])]), 3, '0xe2'],
      [Buffer.from([0x61, 0xc0, 0xaf]), 1, '0xc0'],
      [Buffer.from([0x61, 0x62, 0xed, 0xa0, 0x80]), 2, '0xed']
    ]
    for (const [bytes, offset, byte] of refused) {
      const r = await append(bytes)
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toBe(`mesh: --stdin takes UTF-8 text: byte ${byte} at offset ${offset} of the input is not UTF-8 (convert it first, e.g. iconv -f LATIN1 -t UTF-8); nothing was appended\n`)
    }
    const j = await fed(Buffer.from([0x68, 0x69, 0xff]), 'session', 'append', 'bytes', '--role', 'user', '--stdin', '--json')
    expect(j.code).toBe(2)
    expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'INVALID_INPUT', details: { offset: 2 } })
    expect(await contents()).toEqual([])

    // Valid UTF-8 (two- to four-byte characters), and the same after a byte order mark.
    const text = 'héllo → 世界 🎉'
    expect((await append(Buffer.from(`${text}\n`))).code).toBe(0)
    const bom = await append(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))
    expect(bom.code, bom.stderr).toBe(0)
    expect(await contents()).toEqual([text, text])
  }, 120_000)

  it('is refused as the hook\'s input, exit 1 and nothing on stdout', async () => {
    const r = await fed(Buffer.concat([Buffer.from('{"session_id":"'), Buffer.from([0xff]), Buffer.from('"}')]), 'agent', 'hook', 'claude')
    expect(r.code).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('mesh hook: USAGE: the hook input on stdin is not UTF-8: byte 0xff at offset 15: Claude Code sends the hook event as a JSON object\n')
    // A byte order mark before the JSON is read past.
    const bom = await fed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]), 'agent', 'hook', 'claude')
    expect(bom.stderr).toBe('mesh hook: USAGE: the hook input names no session_id\n')
  }, 60_000)
})
