/**
 * The longest path `mesh join` binds its control socket at must fit a unix socket address
 * (sun_path: 108 bytes on Linux, 104 on macOS and the BSDs, each with its NUL). A home too long
 * for it failed once the daemon had set the home up, with the system's EINVAL; it is said before.
 */
import { join } from 'node:path'
import { UsageError } from '../errors.js'

/** The bytes a socket path may have here, its NUL not counted. */
export const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103

/**
 * The paths src/api/rpc.ts binds: its staging directory (mkdtemp's `.c-` and six characters,
 * the socket `s` in it), then `control.sock`. Kept in step with rpc.ts by hand until it exports
 * its own.
 */
export function socketPaths (home: string): string[] {
  return [join(home, '.c-XXXXXX', 's'), join(home, 'control.sock')]
}

/** UsageError (exit 2) when the home is too long for the daemon's socket. */
export function checkSocketHome (home: string): void {
  const longest = Math.max(...socketPaths(home).map(p => Buffer.byteLength(p)))
  if (longest > SOCKET_PATH_MAX) {
    throw new UsageError(`home path too long for a unix socket (${longest} > ${SOCKET_PATH_MAX} bytes): use a shorter --home`, { home, bytes: longest, max: SOCKET_PATH_MAX })
  }
}
