/**
 * The XDG base directories as their specification reads them: a variable that is empty, or not an
 * absolute path, is ignored and the default used. Read with `??` alone, an empty
 * `XDG_CONFIG_HOME=` made `mesh init` write its wallet to `./mesh/wallet.json` in whatever folder
 * it ran from, and an empty `XDG_DATA_HOME=` put the home under the current directory.
 *
 * @example
 * join(xdgDir(process.env.XDG_CONFIG_HOME, join(homedir(), '.config')), 'mesh', 'wallet.json')
 */
import { isAbsolute } from 'node:path'

export function xdgDir (value: string | undefined, fallback: string): string {
  return value !== undefined && value !== '' && isAbsolute(value) ? value : fallback
}
