/**
 * Where the control socket of a home is bound (src/api/rpc.ts), and how long such a path may be.
 * No dependency beyond node:path and the errors: the CLI checks a home with it before anything starts.
 */
import { join } from 'node:path'
import { InvalidInputError } from '../errors.js'

/** The control socket of a home. */
export const socketPath = (home: string): string => join(home, 'control.sock')

/** The prefix of the staging folder (mkdtemp adds six characters) the socket is bound in before it is renamed into place. */
export const STAGING_PREFIX = '.c-'

/** The bytes a unix socket's path may have here (sun_path: 108 on Linux, 104 on macOS and the BSDs, with its NUL). */
export const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103

/** The longest path the control socket is bound at for `home` (its staging `.c-XXXXXX/s`, then control.sock), in bytes. */
export function longestSocketPath (home: string): number {
  return Math.max(Buffer.byteLength(join(home, `${STAGING_PREFIX}XXXXXX`, 's')), Buffer.byteLength(socketPath(home)))
}

/**
 * InvalidInputError (exit 2) when `home` is too long for its control socket: said before anything
 * is bound or set up (the system's own error, EINVAL or a cut path's ENOENT, names neither).
 * `fix`: what to do instead, in the caller's words.
 */
export function checkSocketHome (home: string, fix = 'use a shorter home'): void {
  const longest = longestSocketPath(home)
  if (longest > SOCKET_PATH_MAX) throw new InvalidInputError(`home path too long for a unix socket (${longest} > ${SOCKET_PATH_MAX} bytes): ${fix}`, { home, bytes: longest, max: SOCKET_PATH_MAX })
}
