/**
 * What decides whether two builds of mesh can work together, for `mesh --version`: the wire
 * protocols this build speaks (protocols/ids.ts; two nodes sync only if they speak the same), and
 * the newest home format it reads (store/home-format.ts; a newer home is refused).
 * Imports nothing that loads a package: the CLI reads it before any command.
 */
import { DHT_PROTOCOL, MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL, PAIR_RENDEZVOUS_PROTOCOL, SYNC_PROTOCOL } from '../../protocols/ids.js'
import { HOME_FORMAT } from '../store/home-format.js'

/** Each wire protocol by its short name (`membership`: `/mesh/membership/2.0.0`). */
export const WIRE_PROTOCOLS: Readonly<Record<string, string>> = {
  membership: MEMBERSHIP_PROTOCOL,
  sync: SYNC_PROTOCOL,
  pair: PAIR_PROTOCOL,
  'pair-rendezvous': PAIR_RENDEZVOUS_PROTOCOL,
  kad: DHT_PROTOCOL
}

/** A protocol id's version: its last part (`2.0.0` of `/mesh/membership/2.0.0`). */
const versionOf = (id: string): string => id.slice(id.lastIndexOf('/') + 1)

/** `mesh 0.1.0 (protocols: membership 2.0.0, sync 1.0.0, …; home format 1)`. */
export function versionLine (version: string): string {
  return `mesh ${version} (protocols: ${Object.entries(WIRE_PROTOCOLS).map(([name, id]) => `${name} ${versionOf(id)}`).join(', ')}; home format ${HOME_FORMAT})`
}

/** The same as fields: `{ version, protocols: { membership: '/mesh/membership/2.0.0', … }, homeFormat: 1 }`. */
export function versionFields (version: string): { version: string, protocols: Record<string, string>, homeFormat: number } {
  return { version, protocols: { ...WIRE_PROTOCOLS }, homeFormat: HOME_FORMAT }
}
