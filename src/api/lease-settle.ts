/**
 * How long a take of the driver lease waits before it says whether it holds it (session.ts
 * takeLease `settle`): until every connected member has taken this device's claim (acknowledged
 * it, sync SPEC.md, Acknowledgements) and this device lacks nothing of the session that they
 * reported, for a short while running, or LEASE_SETTLE_MS at most. A claim another device made at
 * the same moment travels ahead of its acknowledgement on the same stream, so by then it is here,
 * and resolveLease (crdt/lease.ts) gives the holder every replica will agree on. Which device
 * holds the lease never depends on this wait (the order of claims does); only what a take is told.
 */
import { toHex } from '../identity/index.js'
import type { MeshNode } from '../node/mesh.js'

/** The most a take waits for its peers. */
export const LEASE_SETTLE_MS = 2000
/** How long the peers must look settled, twice in a row, before the answer is read. */
const QUIET_MS = 60
const POLL_MS = 15

/** Resolves once the document looks settled with every connected peer, or after `maxMs`. */
export async function leaseSettled (node: MeshNode, doc: Uint8Array, maxMs = LEASE_SETTLE_MS): Promise<void> {
  const hex = toHex(doc)
  const sync = node.libp2p.services.sync
  const end = Date.now() + maxMs
  const settled = (): boolean => sync.peers().every(p => {
    if (!node.isOnline(p)) return true
    const s = sync.sessionWith(p)
    if (s === undefined) return true
    // That document alone: every document's maps, asked every POLL_MS, cost a vault of thousands of sessions ~100 ms a take.
    const v = s.standing
    return v.inFlightOf(hex) === 0 && v.behindOf(hex) === 0 && v.lackingOf(hex) === 0
  })
  let quietSince: number | undefined
  while (Date.now() < end) {
    if (!settled()) quietSince = undefined
    else if (quietSince === undefined) quietSince = Date.now()
    else if (Date.now() - quietSince >= QUIET_MS) return
    await new Promise(resolve => setTimeout(resolve, POLL_MS))
  }
}
