/**
 * The longest path `mesh join` binds its control socket at must fit a unix socket address
 * (src/api/socket-path.ts says which paths and how long they may be). A home too long for it failed once
 * the daemon had set the home up, with the system's EINVAL; it is said before, as a usage error.
 */
import { UsageError } from '../errors.js'
import { longestSocketPath, SOCKET_PATH_MAX } from '../api/socket-path.js'

export { SOCKET_PATH_MAX }

/** UsageError (exit 2) when the home is too long for the daemon's socket. */
export function checkSocketHome (home: string): void {
  const longest = longestSocketPath(home)
  if (longest > SOCKET_PATH_MAX) {
    throw new UsageError(`home path too long for a unix socket (${longest} > ${SOCKET_PATH_MAX} bytes): use a shorter --home`, { home, bytes: longest, max: SOCKET_PATH_MAX })
  }
}
