/**
 * The approver's one rule for a search that could find nothing: no mDNS, no address to dial or to
 * listen on, and no relay the device could wait at. Kept apart from the search (pair-find.ts,
 * which loads libp2p) so the API refuses such a search at once, before loading anything.
 */
import { InvalidInputError } from '../errors.js'
import { normalizeCode } from '../identity/pair-code.js'

export interface LookingWith {
  /** @default true */
  mdns?: boolean
  listen?: readonly string[]
  dial?: readonly string[]
  /** Whether members' relays are asked (a relay is known: pair-find.ts knowsRelay). */
  relays: boolean
  /**
   * What turned mDNS off, for the refusal's words: the caller's own `--no-mdns` (the default), the
   * running `mesh join` (its --no-mdns, or its home's config.json), or, with no daemon, the home's
   * config.json (`file`: its path).
   */
  mdnsOff?: { by: 'caller' } | { by: 'daemon' } | { by: 'config', file: string }
}

/** Why mDNS is off, after "mDNS is off", and how to have it on (for the same network). */
function offBecause (o: LookingWith): { why: string, on: string } {
  const off = o.mdnsOff ?? { by: 'caller' }
  if (off.by === 'daemon') return { why: ' (this device\'s `mesh join` runs with it off: --no-mdns, or "mdns": false in its config.json)', on: 'start `mesh join` here with mDNS on' }
  if (off.by === 'config') return { why: ` ("mdns": false in ${off.file})`, on: `set "mdns": true in ${off.file}` }
  return { why: '', on: 'leave out --no-mdns' }
}

/** Throws INVALID_INPUT, naming what to pass, when nothing could ever answer a search for `code` (and for a malformed code, as normalizeCode does). */
export function refuseNothingToLookWith (code: string, o: LookingWith): void {
  const c = normalizeCode(code)
  if (o.mdns !== false || (o.listen ?? []).length > 0 || (o.dial ?? []).length > 0 || o.relays) return
  const display = `${c.slice(0, 4)}-${c.slice(4)}`
  const { why, on } = offBecause(o)
  throw new InvalidInputError(`nothing to look for the device showing ${display} with: mDNS is off${why}, there is no address to dial or to listen on, and this device knows no relay the device could wait at`, { mdns: false, mdnsOffBy: o.mdnsOff?.by ?? 'caller' }, {
    hint: {
      sep: '. ',
      cli: `Pass --dial with one of the addresses \`mesh pair\` printed on the new machine, or --listen ADDR here with \`mesh pair --via ADDR\` there (on the same network, ${on})`,
      mcp: 'Give the approval one of the addresses the new machine printed to dial, or an address to listen on that the new machine\'s pairing goes through (on the same network, let it look by mDNS)'
    }
  })
}
