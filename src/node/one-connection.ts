/**
 * One connection between two siblings. Two nodes that dial each other at the same moment (both
 * restarted and redialing the other from the peer book, or both woken by a network change) are
 * each answered, and libp2p keeps both connections for good: each is pinged, identified and kept
 * in the peer store, while sync runs on one only.
 *
 * Only the side with the smaller PeerId decides (the side that opens the sync stream, mesh.ts),
 * so the two ends never close one connection each. It keeps a direct connection over a relayed
 * one, then the one its sync session runs on, and closes the others: never one that carries a
 * relayed circuit or a pairing, which would end with it, and not while one is still in its
 * membership handshake (closed then, the handshake's failure reads as the peer refused), which
 * the caller looks at again a moment later. A sync session on a connection closed here ends and
 * is opened again on the one kept (mesh.ts onSyncEnded). A relay, and a node toward the relay it
 * reserves on, close none (mesh.ts oneConnection): a reservation is its connection's, and a
 * relay's circuit takes the first connection to its target it finds.
 */
import { logger } from '@libp2p/logger'
import type { Connection } from '@libp2p/interface'
import { MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL } from '../../protocols/membership/index.js'

const log = logger('mesh:node:connections')

/** Streams that end with their connection and cannot be moved: a relayed circuit, a pairing. */
const PINNED = [PAIR_PROTOCOL, '/libp2p/circuit/relay/0.2.0/hop', '/libp2p/circuit/relay/0.2.0/stop']

const relayed = (c: Connection): boolean => c.remoteAddr.toString().includes('/p2p-circuit')
const carries = (c: Connection, protocol: string): boolean => c.streams.some(s => s.protocol === protocol)

export interface Surplus {
  /** The connections to close now. */
  close: Connection[]
  /** A connection not needed is still in its membership handshake: look again a moment later. */
  later: boolean
}

/**
 * Of this node's connections to one peer, those not needed: every open one but the best, once
 * the sync session runs on one of them (`runsSync`; until then, the choice could close the
 * connection it is being opened on).
 */
export function surplus (connections: readonly Connection[], runsSync: (c: Connection) => boolean): Surplus {
  const open = connections.filter(c => c.status === 'open')
  if (open.length < 2 || !open.some(runsSync)) return { close: [], later: false }
  const rank = (c: Connection): number => (relayed(c) ? 0 : 2) + (runsSync(c) ? 1 : 0)
  const keep = open.reduce((best, c) => rank(c) > rank(best) ? c : best)
  const others = open.filter(c => c !== keep && !PINNED.some(p => carries(c, p)))
  const proving = others.filter(c => carries(c, MEMBERSHIP_PROTOCOL))
  return { close: others.filter(c => !proving.includes(c)), later: proving.length > 0 }
}

/** Closes connections to a peer (surplus's `close`). */
export function closeSurplus (close: readonly Connection[]): void {
  for (const c of close) {
    log('closing a second connection to %p (%s, %s)', c.remotePeer, c.direction, c.remoteAddr)
    // Closed gracefully (its streams end); a close that fails is an abort, which cannot.
    void c.close().catch((err: unknown) => { c.abort(err as Error) })
  }
}
