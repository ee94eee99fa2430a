/**
 * Pairing across networks through a member's own relay (protocols/pair/SPEC.md, Across networks).
 *
 * On the relay (`PairingRendezvous`): a device being paired is no member, so the relay keeps a
 * short list of pairing candidates apart from its members. A candidate registers its throw-away
 * pairing PeerId under the code's public nameplate; for 10 minutes it is spared the membership
 * deadline, may use the hop, stop and rendezvous protocols and nothing else, and may hold one
 * reservation whose circuits are data-limited (so only pairing fits through them). A proven member
 * asks for the candidates under a nameplate, naming the throw-away PeerId it will dial them from;
 * only that PeerId may then open a circuit, and only to those candidates. Nobody else reaches a
 * candidate through the relay, and a candidate reaches nobody. A lookup keeps each slot it hands
 * out for a whole run from then (the owner's review may outlast the code), never beyond
 * PAIRING_SLOT_CAP_MS from its registration.
 *
 * On a member (`pairingCandidates`): the lookup, asked of every proven relay it is connected to.
 *
 * @example
 * const rv = new PairingRendezvous({ exempt: (p, ms) => membership.exempt(p, ms), isMember, dropReservation, extendReservation })
 * libp2p.handle(PAIR_RENDEZVOUS_PROTOCOL, (s, c) => serveRendezvous(s, c.remotePeer, c.remoteAddr.toString(), rv))
 */
import { logger } from '@libp2p/logger'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, Libp2p, PeerId } from '@libp2p/interface'
import { DECISION_TIMEOUT_MS, PAKE_TIMEOUT_MS } from '../../protocols/pair/index.js'
import { lookupCandidates, PAIR_RENDEZVOUS_PROTOCOL, type RendezvousPolicy } from '../../protocols/pair/rendezvous.js'
import { PairingFailedError } from '../errors.js'
import { toHex } from '../identity/index.js'

const log = logger('mesh:node:pair-relay')

/** A pairing slot lasts as long as a code (nothing of it is left after 10 minutes), or until the candidate disconnects. */
export const PAIRING_SLOT_MS = 10 * 60_000
/**
 * How long a lookup keeps each slot it hands to a dialer: the dialer's dial and a run over the
 * circuit, which N may hold for the PAKE and then the owner's review (protocols/pair), begun
 * as late as the code's last second. The circuit is cut when the slot ends.
 */
export const PAIRING_RUN_MS = 30_000 + PAKE_TIMEOUT_MS + DECISION_TIMEOUT_MS
/** No lookup keeps a slot longer than this from its registration (a code's slot and a run begun at its end fit). */
export const PAIRING_SLOT_CAP_MS = 20 * 60_000
/**
 * Bytes a pairing circuit may carry, both ways together: the PAKE, the request and the verdict
 * (at most 4 MiB, protocols/pair) with room for framing; a member's sync would not fit.
 */
export const PAIRING_DATA_LIMIT = 5n * 1024n * 1024n
/**
 * Candidates a relay holds at once, and from one network (an IPv4 address: a household behind
 * one NAT; an IPv6 /56, what one household is given).
 */
export const MAX_CANDIDATES = 8
export const MAX_PER_ADDRESS = 2
/** Approvers' dialers a relay remembers at once. */
const MAX_DIALERS = 16

interface Slot { peer: PeerId, nameplate: string, address: string, seen: string, expires: number, registered: number, since: number, release: () => void, timer: ReturnType<typeof setTimeout> }
interface Dialer { targets: Set<string>, expires: number, release: () => void, timer: ReturnType<typeof setTimeout> }

export interface RendezvousDeps {
  /** Spares a PeerId the membership deadline for `ms` (protocols/membership `exempt`); the returned function ends it and closes its connections. */
  exempt: (peer: PeerId, ms: number) => () => void
  /** A proven, unrevoked member. */
  isMember: (peerId: string) => boolean
  /** The slot ended: drop the candidate's reservation. */
  dropReservation: (peer: PeerId) => void
  /** A lookup kept the slot longer (`slotEnd` says until when): the candidate's reservation, and its circuits, end with it now. */
  extendReservation: (peer: PeerId) => void
  clock?: () => number
  /** How long a registration holds a slot. @default PAIRING_SLOT_MS */
  slotMs?: number
}

/** Who a relay serves for pairing, beside its members. */
export interface PairingParties {
  /** A registered candidate: may hold a (limited) reservation. */
  isCandidate: (peerId: string) => boolean
  /** A candidate or an approver's dialer: its hop streams are served. */
  isParty: (peerId: string) => boolean
  /** `source` was named by a member as the dialer of `destination`, a live candidate. */
  mayConnect: (source: string, destination: string) => boolean
  /** When a candidate's slot ends (ms since the epoch), if it has one. */
  slotEnd: (peerId: string) => number | undefined
}

export class PairingRendezvous implements RendezvousPolicy, PairingParties {
  private readonly slots = new Map<string, Slot>()
  private readonly dialers = new Map<string, Dialer>()
  private readonly clock: () => number
  private readonly slotMs: number

  constructor (private readonly deps: RendezvousDeps) {
    this.clock = deps.clock ?? Date.now
    this.slotMs = deps.slotMs ?? PAIRING_SLOT_MS
  }

  register (peer: PeerId, nameplate: string, remoteAddr: string): number {
    const id = peer.toString()
    if (this.deps.isMember(id)) throw new PairingFailedError('a member does not register for pairing', { reason: 'member' })
    const address = networkOf(remoteAddr)
    const had = this.slots.get(id)
    if (had === undefined) {
      if ([...this.slots.values()].filter(s => s.address === address).length >= MAX_PER_ADDRESS) throw new PairingFailedError('this address holds as many pairing slots as it may', { reason: 'full' })
      // Full: a network holding more slots than this one gives one up (its oldest), so whoever
      // fills the list from a few networks cannot keep a device of another one from pairing.
      if (this.slots.size >= MAX_CANDIDATES) {
        const victim = this.evictable(address)
        if (victim === undefined) throw new PairingFailedError('the relay holds as many pairing candidates as it takes', { reason: 'full' })
        log('pairing slot of %s given up for a candidate of another network', victim)
        this.end(victim)
      }
    } else {
      clearTimeout(had.timer)
    }
    // A new code (the last one burned or expired) registers again: its slot lasts as long as it does.
    const now = this.clock()
    const expires = now + this.slotMs
    this.slots.set(id, { peer, nameplate, address, seen: remoteAddr, expires, registered: now, since: had?.since ?? now, ...this.hold(id, peer, this.slotMs) })
    log('pairing candidate %s under %s until %d', id, nameplate, expires)
    return expires
  }

  /** Spares a candidate the membership deadline for `ms`, and ends its slot then. */
  private hold (id: string, peer: PeerId, ms: number): Pick<Slot, 'release' | 'timer'> {
    // A new exemption replaces the last one without closing anything.
    const release = this.deps.exempt(peer, ms)
    const timer = setTimeout(() => { this.end(id) }, ms)
    timer.unref?.()
    return { release, timer }
  }

  /**
   * A dialer is about to run with `s`: a slot ending during the run would cut its circuit in the
   * owner's review, since a run may begin at the code's (the slot's) last second and N waits
   * minutes for the verdict. Only a member's lookup keeps a slot, and never past its cap.
   */
  private keepForRun (id: string, s: Slot, now: number): void {
    const until = Math.min(now + PAIRING_RUN_MS, s.registered + PAIRING_SLOT_CAP_MS)
    if (until <= s.expires) return
    clearTimeout(s.timer)
    Object.assign(s, { expires: until }, this.hold(id, s.peer, until - now))
    this.deps.extendReservation(s.peer)
    log('pairing candidate %s kept for a run until %d', id, until)
  }

  lookup (asker: PeerId, nameplate: string, dialer: PeerId): Array<{ peer: PeerId, seen: string }> {
    if (!this.deps.isMember(asker.toString())) throw new PairingFailedError('only a member asks for pairing candidates', { reason: 'not-member' })
    const now = this.clock()
    const found = [...this.slots.values()].filter(s => s.nameplate === nameplate && s.expires > now)
    const id = dialer.toString()
    if (found.length === 0) return []
    if (this.deps.isMember(id) || this.slots.has(id)) throw new PairingFailedError('the dialer must be a pairing node of its own', { reason: 'invalid' })
    for (const s of found) this.keepForRun(s.peer.toString(), s, now)
    const expires = Math.max(...found.map(s => s.expires))
    const had = this.dialers.get(id)
    if (had !== undefined) clearTimeout(had.timer)
    else if (this.dialers.size >= MAX_DIALERS) this.endDialer([...this.dialers.keys()][0] as string)
    // The dialer is spared the deadline as long as the candidates it may reach.
    const release = this.deps.exempt(dialer, expires - now)
    const timer = setTimeout(() => { this.endDialer(id) }, expires - now)
    timer.unref?.()
    this.dialers.set(id, { targets: new Set([...(had?.targets ?? []), ...found.map(s => s.peer.toString())]), expires, release, timer })
    return found.map(s => ({ peer: s.peer, seen: s.seen }))
  }

  /** The oldest slot of the network holding the most, if that is more than `address` would hold with one more. */
  private evictable (address: string): string | undefined {
    const count = new Map<string, number>()
    for (const sl of this.slots.values()) count.set(sl.address, (count.get(sl.address) ?? 0) + 1)
    const most = Math.max(...count.values())
    if (most <= (count.get(address) ?? 0) + 1) return undefined
    let victim: [string, Slot] | undefined
    for (const e of this.slots) if (count.get(e[1].address) === most && (victim === undefined || e[1].since < victim[1].since)) victim = e
    return victim?.[0]
  }

  isCandidate (peerId: string): boolean { return (this.slots.get(peerId)?.expires ?? 0) > this.clock() }
  isParty (peerId: string): boolean { return this.isCandidate(peerId) || (this.dialers.get(peerId)?.expires ?? 0) > this.clock() }
  mayConnect (source: string, destination: string): boolean {
    const d = this.dialers.get(source)
    return d !== undefined && d.expires > this.clock() && d.targets.has(destination) && this.isCandidate(destination)
  }

  slotEnd (peerId: string): number | undefined { return this.slots.get(peerId)?.expires }

  /**
   * A peer's last connection to the relay closed: a candidate's slot ends (it paired, gave up, or
   * will register again when it redials), and so does a dialer's leave to connect.
   */
  gone (peerId: string): void {
    this.end(peerId)
    this.endDialer(peerId)
  }

  /** Candidates waiting now (for `mesh status`). */
  pending (): number { return this.slots.size }

  stop (): void {
    for (const id of [...this.slots.keys()]) this.end(id)
    for (const id of [...this.dialers.keys()]) this.endDialer(id)
  }

  private end (id: string): void {
    const s = this.slots.get(id)
    if (s === undefined) return
    clearTimeout(s.timer)
    this.slots.delete(id)
    this.deps.dropReservation(s.peer)
    s.release()
  }

  private endDialer (id: string): void {
    const d = this.dialers.get(id)
    if (d === undefined) return
    clearTimeout(d.timer)
    this.dialers.delete(id)
    d.release()
  }
}

/**
 * The network a multiaddr's host is in: an IPv4 address (candidates behind one NAT share it), an
 * IPv6 address's /56 (one household's prefix: an address of each of its 2^72 is no new network).
 */
export function networkOf (addr: string): string {
  let ma: Multiaddr
  try { ma = multiaddr(addr) } catch { return addr } // not a multiaddr: itself, as a key of its own
  const first = ma.getComponents()[0]
  if (first?.name !== 'ip6') return first?.value ?? addr
  // The address's first 7 of 16 bytes, after the component's one-byte code: whatever its text form.
  return `${toHex(ma.bytes.subarray(1, 8))}/56`
}

/**
 * A candidate the approver may dial through a relay: its circuit addresses, one per way of
 * reaching the relay, and the address the relay saw it register from.
 */
export interface RelayedCandidate { peer: string, addrs: string[], seen: string }

/**
 * Asks every proven relay this node is connected to (directly: never through another circuit)
 * for the candidates under `nameplate`, to be dialed from `dialer`.
 */
export async function pairingCandidates (node: Pick<Libp2p, 'getConnections' | 'peerStore'>, isMember: (peerId: string) => boolean, nameplate: string, dialer: PeerId, options: AbortOptions = {}): Promise<RelayedCandidate[]> {
  const out: RelayedCandidate[] = []
  const asked = new Set<string>()
  for (const conn of node.getConnections()) {
    const relay = conn.remotePeer.toString()
    if (asked.has(relay) || conn.status !== 'open' || conn.remoteAddr.toString().includes('/p2p-circuit') || !isMember(relay)) continue
    const known = await node.peerStore.get(conn.remotePeer).catch(() => undefined)
    if (known === undefined || !known.protocols.includes(PAIR_RENDEZVOUS_PROTOCOL)) continue
    asked.add(relay)
    // An address we dialed is one the approver's own pairing node can dial too; an inbound
    // connection's remote port is not, so the relay's announced addresses are used then.
    const bases = conn.direction === 'outbound'
      ? [conn.remoteAddr.toString()]
      : known.addresses.map(a => a.multiaddr.toString()).filter(a => !a.includes('/p2p-circuit'))
    try {
      const peers = await lookupCandidates(await conn.newStream(PAIR_RENDEZVOUS_PROTOCOL, options), nameplate, dialer, options)
      for (const { peer, seen } of peers) {
        out.push({ peer: peer.toString(), seen, addrs: bases.map(b => `${b.replace(/\/p2p\/[^/]+$/, '')}/p2p/${relay}/p2p-circuit/p2p/${peer.toString()}`) })
      }
    } catch (err) {
      log('asking relay %s for pairing candidates failed: %e', relay, err)
    }
  }
  return out
}
