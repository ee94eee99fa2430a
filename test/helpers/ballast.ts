/** Fills the disk under `path` with a ballast file until ENOSPC, then gives back `leave` bytes of it; the bytes it held at the fullest. */
import { open } from 'node:fs/promises'

export async function fillDisk (path: string, leave: number): Promise<number> {
  const fh = await open(path, 'w')
  const block = Buffer.alloc(64 * 1024, 1)
  let size = 0
  try {
    for (;;) size += (await fh.write(block, 0, block.byteLength, size)).bytesWritten
  } catch (err: any) {
    if (err?.code !== 'ENOSPC') throw err
  }
  await fh.truncate(Math.max(0, size - leave))
  await fh.close()
  return size
}
