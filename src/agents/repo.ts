/**
 * The repository a working directory belongs to, as git sees it: its top folder (found by
 * walking up to `.git`, a folder or a worktree's file), its remote (the project's name on every
 * machine) and whether git tracks or ignores a file there. CLAUDE.local.md is personal: mesh
 * writes it only where git does not track it, and keeps it out of commits through the
 * repository's own `info/exclude` (never the tracked .gitignore).
 */
import { execFile } from 'node:child_process'
import { appendFile, mkdir, readFile, stat } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { normalizeRemote, parseRemote } from './git.js'

export interface Repo { root: string, gitDir: string, commonDir: string, remote?: string }

/** The repository holding `cwd`, or undefined outside one. */
export async function findRepo (cwd: string): Promise<Repo | undefined> {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git')
    let isDir: boolean | undefined
    try { isDir = (await stat(dotGit)).isDirectory() } catch (err: any) { if (err?.code !== 'ENOENT' && err?.code !== 'ENOTDIR') throw err }
    if (isDir !== undefined) {
      let gitDir = dotGit
      if (!isDir) {
        // A worktree: ".git" is a file "gitdir: <path>", whose commondir names the main git dir (and its config).
        const m = /^gitdir:\s*(.+)$/m.exec(await readFile(dotGit, 'utf8'))
        if (m === null) return undefined
        gitDir = resolve(dir, (m[1] as string).trim())
      }
      let commonDir = gitDir
      try { commonDir = resolve(gitDir, (await readFile(join(gitDir, 'commondir'), 'utf8')).trim()) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
      let remote: string | undefined
      try { remote = parseRemote(await readFile(join(commonDir, 'config'), 'utf8')) } catch (err: any) { if (err?.code !== 'ENOENT') throw err }
      return { root: dir, gitDir, commonDir, remote }
    }
    if (dirname(dir) === dir) return undefined
  }
}

/**
 * The project's name that holds across machines: the repository's normalized remote, with the
 * path inside it after `/-/` when `cwd` is a subfolder; without a remote, the absolute path.
 */
export function projectOf (repo: Repo | undefined, cwd: string): string {
  if (repo?.remote === undefined) return resolve(cwd)
  const rel = relative(repo.root, resolve(cwd)).split('\\').join('/')
  return rel === '' ? normalizeRemote(repo.remote) : `${normalizeRemote(repo.remote)}/-/${rel}`
}

async function git (root: string, args: string[]): Promise<number> {
  return await new Promise((resolve, reject) => {
    execFile('git', ['-C', root, ...args], (err: any) => {
      if (err === null) resolve(0)
      else if (typeof err.code === 'number') resolve(err.code)
      else reject(err)
    })
  })
}

/** Whether git tracks `rel` in the repository (git missing: an error, so the caller does not guess). */
export async function isTracked (repo: Repo, rel: string): Promise<boolean> {
  return (await git(repo.root, ['ls-files', '--error-unmatch', '--', rel])) === 0
}

/** Makes git ignore `rel` through the repository's info/exclude, unless it is ignored already. */
export async function excludeLocally (repo: Repo, rel: string): Promise<boolean> {
  if (isAbsolute(rel) || rel.startsWith('..')) throw new Error(`not inside the repository: ${rel}`)
  if ((await git(repo.root, ['check-ignore', '-q', '--', rel])) === 0) return false
  await mkdir(join(repo.commonDir, 'info'), { recursive: true })
  await appendFile(join(repo.commonDir, 'info', 'exclude'), `\n# personal, written by mesh (not for commits)\n/${rel}\n`, { mode: 0o644 })
  return true
}
