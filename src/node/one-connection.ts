/**
 * One connection between two siblings. Two nodes that dial each other at the same moment (both
 * restarted and redialing the other from the peer book, or both woken by a network change) are
 * each answered, and libp2p keeps both connections for good: each is pinged, identified and kept
 * in the peer store, while sync runs on one only.
 *
 * Only the side with the smaller PeerId decides (the side that opens the sync stream, mesh.ts),
 * so the two ends never close one connection each. It keeps a direct connection over a relayed
 * one, then the one its sync stream runs on, and closes the others, unless one carries a relayed
 * circuit or a pairing, which would end with it. A sync session on a connection closed here ends
 * and is opened again on the one kept (mesh.ts onSyncEnded).
 */
import { logger } from '@libp2p/logger'
import type { Connection } from '@libp2p/interface'
import { PAIR_PROTOCOL } from '../../protocols/membership/index.js'
import { SYNC_PROTOCOL } from '../../protocols/sync/index.js'

const log = logger('mesh:node:connections')

/** Streams that end with their connection and cannot be moved: a relayed circuit, a pairing. */
const PINNED = [PAIR_PROTOCOL, '/libp2p/circuit/relay/0.2.0/hop', '/libp2p/circuit/relay/0.2.0/stop']

const relayed = (c: Connection): boolean => c.remoteAddr.toString().includes('/p2p-circuit')
const carries = (c: Connection, protocol: string): boolean => c.streams.some(s => s.protocol === protocol)

/**
 * The connections to one peer that are not needed: all open ones but the best, when the sync
 * stream runs on one of them (until it does, the choice could close the connection it is being
 * opened on). `connections` are this node's connections to the peer.
 */
export function surplus (connections: readonly Connection[]): Connection[] {
  const open = connections.filter(c => c.status === 'open')
  if (open.length < 2 || !open.some(c => carries(c, SYNC_PROTOCOL))) return []
  const rank = (c: Connection): number => (relayed(c) ? 0 : 2) + (carries(c, SYNC_PROTOCOL) ? 1 : 0)
  const keep = open.reduce((best, c) => rank(c) > rank(best) ? c : best)
  return open.filter(c => c !== keep && !PINNED.some(p => carries(c, p)))
}

/** Closes the surplus connections to a peer; `decides` is false on the side with the larger PeerId. */
export function closeSurplus (connections: readonly Connection[], decides: boolean): void {
  if (!decides) return
  for (const c of surplus(connections)) {
    log('closing a second connection to %p (%s, %s)', c.remotePeer, c.direction, c.remoteAddr)
    // Closed gracefully (its streams end); a close that fails is an abort, which cannot.
    void c.close().catch((err: unknown) => { c.abort(err as Error) })
  }
}
