/**
 * The XDG base directories as their specification reads them: a variable that is empty, or not an
 * absolute path, is ignored and the default used. Read with `??` alone, an empty
 * `XDG_CONFIG_HOME=` made `mesh init` write its wallet to `./mesh/wallet.json` in whatever folder
 * it ran from, and an empty `XDG_DATA_HOME=` put the home under the current directory.
 *
 * @example
 * join(xdgDir(process.env.XDG_CONFIG_HOME, join(homedir(), '.config')), 'mesh', 'wallet.json')
 */
import { homedir } from 'node:os'
import { isAbsolute, join } from 'node:path'

export function xdgDir (value: string | undefined, fallback: string): string {
  return value !== undefined && value !== '' && isAbsolute(value) ? value : fallback
}

/**
 * Where mesh keeps a wallet it generated: $XDG_CONFIG_HOME/mesh/wallet.json, else
 * ~/.config/mesh/wallet.json. With XDG_CONFIG_HOME and XDG_DATA_HOME set to one folder, that is
 * the default home's own folder: the home then leaves this one file to the wallet's own checks
 * (store/home.ts checkHome), rather than judge it as home data.
 */
export function generatedWalletPath (): string {
  return join(xdgDir(process.env.XDG_CONFIG_HOME, join(homedir(), '.config')), 'mesh', 'wallet.json')
}
