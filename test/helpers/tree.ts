/** Every path under a folder, relative and sorted, folders and files: what a test compares to see that nothing was written outside. */
import { lstat, readdir } from 'node:fs/promises'
import { join } from 'node:path'

export async function tree (dir: string, rel = ''): Promise<string[]> {
  const out: string[] = []
  for (const n of (await readdir(join(dir, rel))).sort()) {
    const r = rel === '' ? n : `${rel}/${n}`
    out.push(r)
    if ((await lstat(join(dir, r))).isDirectory()) out.push(...await tree(dir, r))
  }
  return out
}
