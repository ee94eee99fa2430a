/** The shape of a CLI command. */
import type { ParseArgsConfig } from 'node:util'
import type { Globals } from './context.js'

export interface Command {
  name: string
  usage: string
  summary: string
  /** Lines shown under "Examples" in `mesh <command> --help`. */
  examples?: string[]
  options: NonNullable<ParseArgsConfig['options']>
  run: (g: Globals, args: string[], values: Record<string, unknown>) => Promise<number>
}
