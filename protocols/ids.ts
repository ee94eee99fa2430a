/**
 * The wire protocol ids mesh speaks, each defined here once (the modules that speak them export
 * theirs from here): two builds sync only if they speak the same. `mesh --version` lists them
 * (src/node/versions.ts). No imports: read without loading libp2p.
 */
/** The membership handshake and the gate (protocols/membership). */
export const MEMBERSHIP_PROTOCOL = '/mesh/membership/2.0.0'
/** Document sync between proven members (protocols/sync). */
export const SYNC_PROTOCOL = '/mesh/sync/1.0.0'
/** Pairing a new device by code (protocols/pair). */
export const PAIR_PROTOCOL = '/mesh/pair/1.0.0'
/** A relay's pairing rendezvous (protocols/pair/rendezvous.ts). */
export const PAIR_RENDEZVOUS_PROTOCOL = '/mesh/pair-rendezvous/1.0.0'
/** The members' Kad-DHT (src/node/dht.ts). */
export const DHT_PROTOCOL = '/mesh/kad/1.0.0'
