/**
 * The git remote of a working directory, read from its .git/config (no git process): the
 * project's name that holds across machines, where its absolute path does not.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

export async function gitRemote (cwd: string): Promise<string | undefined> {
  let text: string
  try {
    const git = join(cwd, '.git')
    const st = await stat(git)
    // A worktree's .git is a file naming the real git dir; its config is the main one's.
    if (!st.isDirectory()) return undefined
    text = await readFile(join(git, 'config'), 'utf8')
  } catch (err: any) {
    if (err?.code === 'ENOENT' || err?.code === 'ENOTDIR') return undefined
    throw err
  }
  return parseRemote(text)
}

/** The url of remote "origin", else of the first remote. */
export function parseRemote (config: string): string | undefined {
  let section = ''
  const urls = new Map<string, string>()
  for (const raw of config.split('\n')) {
    const line = raw.trim()
    const sec = /^\[remote\s+"([^"]+)"\]$/.exec(line)
    if (sec !== null) { section = sec[1] as string; continue }
    if (line.startsWith('[')) { section = ''; continue }
    const kv = /^url\s*=\s*(.+)$/.exec(line)
    if (section !== '' && kv !== null && !urls.has(section)) urls.set(section, (kv[1] as string).trim())
  }
  return urls.get('origin') ?? [...urls.values()][0]
}

/** A remote url reduced to host/path, so ssh and https spellings of one repository match. */
export function normalizeRemote (url: string): string {
  let u = url.trim().replace(/\.git$/, '').replace(/\/$/, '')
  const scp = /^[^@/]+@([^:]+):(.+)$/.exec(u)
  if (scp !== null) return `${scp[1] as string}/${scp[2] as string}`.toLowerCase()
  u = u.replace(/^[a-z+]+:\/\//, '').replace(/^[^@/]+@/, '')
  return u.toLowerCase()
}
