/**
 * The one check of a home's length for its daemon's unix socket, in the CLI's words: every
 * command that sets a home up (`mesh init`, `mesh pair`, `mesh join`, a command given --wallet)
 * refuses one too long before anything is written, not `mesh join` alone once it was set up.
 */
import { checkSocketHome } from '../api/socket-path.js'

/** InvalidInputError (exit 2) when `home` is too long for its control socket. */
export function checkHomeForSocket (home: string): void {
  checkSocketHome(home, 'use a shorter --home')
}
