/**
 * What a crash would keep, read off strace: a folder made is an entry of its parent, kept only once
 * the parent is synced. `traced` runs a command under strace (and fails without it: a skipped
 * test checks nothing; .ci/run installs it); `madeDurably` reads its calls.
 */
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { expect } from 'vitest'

/** Runs `node ARGS` under strace into `dir/NAME.strace`: its mkdir, open, link and fsync calls, in order. */
export async function traced (dir: string, name: string, args: string[], opts: { env?: NodeJS.ProcessEnv, input?: string } = {}): Promise<string[]> {
  if (spawnSync('strace', ['-V']).status !== 0) throw new Error('this test needs strace (apt-get install strace)')
  const log = join(dir, `${name}.strace`)
  const r = spawnSync('strace', ['-f', '-qq', '-y', '-e', 'trace=fsync,mkdir,mkdirat,open,openat,link,linkat', '-o', log, process.execPath, ...args], { env: opts.env, input: opts.input ?? '', encoding: 'utf8', timeout: 60_000 })
  expect(r.status, r.stderr).toBe(0)
  return (await readFile(log, 'utf8')).split('\n')
}

/**
 * Whether `dir` was made and its parent synced before anything was opened in it: what is written
 * there is kept only with the folder. (A later fsync of the parent, e.g. the home synced for the
 * store's own files, is luck, not a rule.)
 */
export function madeDurably (calls: string[], dir: string): boolean {
  const made = calls.findIndex(l => /mkdir(at)?\(/.test(l) && l.includes(`"${dir}"`) && /= 0$/.test(l))
  if (made < 0) return false
  const rest = calls.slice(made + 1)
  const used = rest.findIndex(l => /open(at)?\(/.test(l) && l.includes(`"${dir}/`))
  return (used < 0 ? rest : rest.slice(0, used)).some(l => l.includes('fsync(') && l.includes(`<${dirname(dir)}>)`) && /= 0$/.test(l))
}
