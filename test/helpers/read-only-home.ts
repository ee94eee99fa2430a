/**
 * A home that cannot be written, for real: `mesh` run in a private mount namespace (`unshare -m`,
 * root) where the home is bind-mounted read-only over itself, as a backup mounted read-only is.
 * chmod would not do: tests run as root in CI, and root writes through any mode. Nothing leaks
 * to the host's mount table: the namespace ends with the command.
 */
import { BIN, runProcess, type RunResult } from './cli.js'

export function needsRoot (): void {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (unshare -m, a read-only bind mount); CI runs as root')
}

/** Runs `mesh ARGS --home HOME` with HOME mounted read-only for that command alone. */
export async function meshReadOnly (home: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<RunResult> {
  return await meshUnder(home, env, ...args, '--home', home)
}

/** Runs `mesh ARGS` with the folder `dir` mounted read-only for that command alone. */
export async function meshUnder (dir: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<RunResult> {
  const script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'
  return await runProcess('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, dir, process.execPath, BIN, ...args], { env, timeoutMs: 60_000 })
}
