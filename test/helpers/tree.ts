/** Every path under a folder, relative and sorted, folders and files: what a test compares to see that nothing was written outside. */
import { createHash } from 'node:crypto'
import { lstat, readdir, readFile } from 'node:fs/promises'
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

/** Every path under `dir` (as tree()) with a hash of each file's bytes: what "nothing changed" compares. */
export async function treeHashes (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const p of await tree(dir)) {
    const bytes = await readFile(join(dir, p)).catch(() => undefined)
    out.push(bytes === undefined ? p : `${p} ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`)
  }
  return out
}
