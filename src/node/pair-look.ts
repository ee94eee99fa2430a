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
}

/** Throws INVALID_INPUT, naming what to pass, when nothing could ever answer a search for `code` (and for a malformed code, as normalizeCode does). */
export function refuseNothingToLookWith (code: string, o: LookingWith): void {
  const c = normalizeCode(code)
  if (o.mdns !== false || (o.listen ?? []).length > 0 || (o.dial ?? []).length > 0 || o.relays) return
  const display = `${c.slice(0, 4)}-${c.slice(4)}`
  throw new InvalidInputError(`nothing to look for the device showing ${display} with: mDNS is off, there is no address to dial or to listen on, and this device knows no relay the device could wait at`, { mdns: false }, {
    hint: {
      sep: '. ',
      cli: 'Pass --dial with one of the addresses `mesh pair` printed on the new machine, or --listen ADDR here with `mesh pair --via ADDR` there (on the same network, leave out --no-mdns)',
      mcp: 'Give the approval one of the addresses the new machine printed to dial, or an address to listen on that the new machine\'s pairing goes through (on the same network, let it look by mDNS)'
    }
  })
}
