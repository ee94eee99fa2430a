/**
 * This process's stdin, read up to a limit: past `max` bytes it stops reading and throws what
 * `tooMuch` makes, so `--stdin < /dev/zero` (or a file far too big) is refused at once instead of
 * read into memory until the process dies.
 */
import { firstNonUtf8 } from './utf8.js'

export async function readStdinUpTo (max: number, tooMuch: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = []
  let n = 0
  for await (const c of process.stdin) {
    const b = c as Buffer
    n += b.length
    // Leaving the loop ends the stream: nothing more is read.
    if (n > max) throw tooMuch()
    chunks.push(b)
  }
  return Buffer.concat(chunks)
}

/** Where stdin stopped being UTF-8: the offset of the first byte that is not, and that byte as 0xNN. */
export interface NotUtf8 { offset: number, byte: string }

/**
 * This process's stdin as text (readStdinUpTo): bytes that are not UTF-8 are refused with what
 * `notText` makes, never turned into U+FFFD; a UTF-8 byte order mark before the text is dropped
 * (it says how the text is encoded, and is no part of it).
 */
export async function readStdinText (max: number, tooMuch: () => Error, notText: (at: NotUtf8) => Error): Promise<string> {
  const b = await readStdinUpTo(max, tooMuch)
  const bad = firstNonUtf8(b)
  if (bad !== undefined) throw notText({ offset: bad, byte: `0x${(b[bad] as number).toString(16).padStart(2, '0')}` })
  const text = b.toString('utf8')
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
