/**
 * Circuit relay v2 for members only (libp2p/specs relay/circuit-v2.md, wire-compatible): the
 * relay service a member's always-on node runs with `mesh join --relay`, and the transport every
 * node carries to reserve a slot on such a relay (`--relay-via`) and to dial members through it.
 * @libp2p/circuit-relay-v2 is not a dependency; this is the subset mesh needs, unlimited for
 * members and closed to everyone else. See SPEC.md.
 *
 * @example
 * transports: [tcp(), relayTransport()]
 * services: { relay: relayServer({ whenMember }) }
 */
export { HOP_PROTOCOL, MAX_RELAY_MESSAGE, RESERVATION_TTL_MS, STOP_PROTOCOL, relayServer, type RelayServer, type RelayServerInit, type RelayServerStats } from './server.js'
export { isCircuitAddr, isRelayListenAddr, relayTransport, type RelayTransport, type ReservationState } from './transport.js'
