/**
 * This process's stdin, read up to a limit: past `max` bytes it stops reading and throws what
 * `tooMuch` makes, so `--stdin < /dev/zero` (or a file far too big) is refused at once instead of
 * read into memory until the process dies.
 */
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
