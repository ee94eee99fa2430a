/**
 * Who the node dials again, and when: remembered and bootstrap peers are redialed with back-off
 * until proven, and a peer refused at membership cools down before any dial. Owns the redials
 * under way and the refusals' back-off; its delays run on the node's timers, so MeshNode.stop()
 * ends them, and none starts once the node stopped or this device was revoked.
 */
import { KEEP_ALIVE } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { MeshLibp2p, Via } from './mesh-types.js'
import type { PeerBook } from './peer-book.js'
import type { Timers } from './timers.js'

const log = logger('mesh:node')
/** A refusal's cool-down: 1 s doubling to 2 min; forgotten 2 min after it ended; at most 1,024 kept. */
const COOL = { firstMs: 1000, maxMs: 2 * 60_000, kept: 1024 } as const
/** A failed redial's first wait; each next one doubles, up to a minute. */
const FIRST_RETRY_MS = 1000

/** The peer an address names: the last /p2p (in `<relay>/p2p-circuit/p2p/<peer>` the first names the relay). */
const peerOf = (addr: string): string | undefined => multiaddr(addr).getComponents().findLast(c => c.name === 'p2p')?.value

export interface RedialInit {
  libp2p: MeshLibp2p
  book: PeerBook
  /** The bootstrap addresses (dialed at start) and the --relay-via relays (RelayVia dials them). */
  bootstrap: readonly string[]
  relayVia: readonly string[]
  /** How each peer was found (the node's map: a redialed peer not yet in it is marked with its `via`). */
  via: Map<string, Via>
  timers: Timers
  stopped: () => boolean
  revoked: () => boolean
  /** Whether a peer may be redialed: neither excluded nor revoked. */
  mayRedial: (peerId: string) => boolean
  /**
   * A remembered or bootstrap peer could not be dialed: told once, at its second failed dial in a
   * row since the start or since it was last proven (its redials go on with back-off, `retryMs`
   * the next).
   */
  unreachable?: (peerId: string, via: Via, reason: string, retryMs: number) => void
}

/** A dial's failure in one short line: libp2p's aggregate of every address's error names the first. */
export function dialFailure (err: unknown): string {
  const first = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err
  const e = first as { code?: unknown, message?: unknown } | undefined
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message.split('\n')[0] as string : String(first)
  const code = typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ` : ''
  const line = `${code}${message}`
  return line.length > 160 ? `${line.slice(0, 159)}…` : line
}

export class Redial {
  private readonly redialing = new Set<string>()
  /** The peers of the bootstrap addresses and the --relay-via relays. */
  private readonly bootstrap: ReadonlySet<string>
  private readonly relays: ReadonlySet<string>
  /**
   * A peer refused at membership (either way: it failed our proof, or it refused ours, e.g. this
   * device was revoked) is not dialed again for a while, doubling from 1 s to 2 min: connecting
   * works, so the redial's own back-off would never grow and both sides would loop and log. Kept
   * for the peers this node dials of its own only (dials()), oldest refusal first: a stranger
   * refused at each of its fresh PeerIds added one entry each, for good.
   */
  private readonly refusedAt = new Map<string, { until: number, delay: number }>()
  /**
   * The last failed dial of each peer redialed (remembered or bootstrap ones only), and whether
   * it was told (RedialInit.unreachable), until the peer is proven.
   */
  private readonly failed = new Map<string, { at: number, error: string, told: boolean }>()

  constructor (private readonly init: RedialInit) {
    const ids = (addrs: readonly string[]): Set<string> => new Set(addrs.flatMap(a => peerOf(a) ?? []))
    this.bootstrap = ids(init.bootstrap)
    this.relays = ids(init.relayVia)
  }

  /** A peer this node dials of its own: remembered, a bootstrap peer or a --relay-via relay. */
  dials (peerId: string): boolean {
    return this.init.book.get(peerId) !== undefined || this.bootstrap.has(peerId) || this.relays.has(peerId)
  }

  /** Every remembered peer and every bootstrap address, at start. */
  dialKnown (): void {
    const { libp2p, book, via } = this.init
    for (const p of book.list()) {
      if (!via.has(p.peerId)) via.set(p.peerId, 'remembered')
      this.redial(p.peerId, 'remembered')
    }
    for (const a of this.init.bootstrap) {
      const ma = multiaddr(a)
      const id = peerOf(a)
      if (id !== undefined) {
        if (!via.has(id)) via.set(id, 'bootstrap')
        void libp2p.peerStore.merge(peerIdFromString(id), { multiaddrs: [ma] }).then(() => { this.redial(id, 'bootstrap') })
      }
    }
  }

  /**
   * A peer refused at membership: it cools down, and loses its keep-alive tags. A remembered or
   * bootstrap peer is redialed once cooled down: a refusal may be transient (a handshake past its
   * deadline on a loaded machine, a link lost mid-handshake), and nothing else would dial it again
   * in this run (it was never proven, so its disconnect redials nothing).
   */
  refused (peerId: string): void {
    void this.dropKeepAlive(peerId)
    if (!this.dials(peerId)) return
    const now = Date.now()
    // A cool-down over for 2 min is forgotten: that peer's next refusal starts again at 1 s.
    for (const [id, r] of this.refusedAt) if (now > r.until + COOL.maxMs) this.refusedAt.delete(id)
    const last = this.refusedAt.get(peerId)
    const delay = last === undefined ? COOL.firstMs : Math.min(last.delay * 2, COOL.maxMs)
    this.refusedAt.delete(peerId)
    this.refusedAt.set(peerId, { until: now + delay, delay })
    for (const id of this.refusedAt.keys()) {
      if (this.refusedAt.size <= COOL.kept) break
      this.refusedAt.delete(id)
    }
    if (this.init.stopped() || !this.init.mayRedial(peerId)) return
    if (this.init.book.get(peerId) !== undefined) this.redial(peerId, 'remembered')
    else if (this.bootstrap.has(peerId)) this.redial(peerId, 'bootstrap')
  }

  /** A peer proven: its refusals are forgotten. */
  proven (peerId: string): void {
    this.refusedAt.delete(peerId)
    this.failed.delete(peerId)
  }

  /** The peer's last failed dial since it was last proven (`mesh peers`), if any. */
  lastFailure (peerId: string): { at: number, error: string } | undefined {
    const f = this.failed.get(peerId)
    return f === undefined ? undefined : { at: f.at, error: f.error }
  }

  coolingDown (peerId: string): boolean {
    const r = this.refusedAt.get(peerId)
    return r !== undefined && Date.now() < r.until
  }

  /**
   * A refused peer loses its keep-alive tags. kad-dht tags the closest peers of its table
   * keep-alive (and refreshes the tags only every 10 min, dht.ts); libp2p redials a keep-alive
   * peer at once whenever it disconnects, and a dial that the membership gate then refuses counts
   * as a success, so a revoked sibling was redialed in a loop (dozens of times a second).
   */
  private async dropKeepAlive (peerId: string): Promise<void> {
    try {
      const id = peerIdFromString(peerId)
      const peer = await this.init.libp2p.peerStore.get(id)
      const tags: Record<string, undefined> = {}
      for (const k of peer.tags.keys()) if (k.startsWith(KEEP_ALIVE)) tags[k] = undefined
      if (Object.keys(tags).length > 0) await this.init.libp2p.peerStore.merge(id, { tags })
    } catch (err) {
      if ((err as { name?: string }).name !== 'NotFoundError') log('cannot drop the keep-alive tags of %s: %e', peerId, err)
    }
  }

  /**
   * Dials a peer with back-off (1 s doubling to 60 s) until it is proven, or the node stopped. A
   * dial counts once the peer is proven on it, not once it connects: a peer refused at membership
   * is dialed again after its cool-down, for as long as it may be.
   */
  redial (peerId: string, via: Via): void {
    const { libp2p, book, timers } = this.init
    if (this.redialing.has(peerId) || peerId === libp2p.peerId.toString() || this.init.revoked()) return
    this.redialing.add(peerId)
    const id = peerIdFromString(peerId)
    const attempt = (delay: number): void => {
      if (this.init.stopped() || this.init.revoked() || !this.init.mayRedial(peerId)) { this.redialing.delete(peerId); return }
      // Cooled down first: a connection just refused may still be closing.
      const cooling = this.refusedAt.get(peerId)
      if (cooling !== undefined && Date.now() < cooling.until) {
        timers.after(cooling.until - Date.now(), () => { attempt(delay) })
        return
      }
      if (libp2p.getConnections(id).length > 0 && libp2p.services.membership.isProven(peerId)) { this.redialing.delete(peerId); return }
      const remembered = book.get(peerId)
      const addrs = (remembered?.addrs ?? []).map(a => multiaddr(a))
      const go = async (): Promise<void> => {
        if (addrs.length > 0) await libp2p.peerStore.merge(id, { multiaddrs: addrs })
        if (!this.init.via.has(peerId)) this.init.via.set(peerId, via)
        // A connection already open (the peer dialed us) is waited on like one this dial opens.
        await libp2p.dial(id, { signal: AbortSignal.timeout(10_000) })
        if (!(await libp2p.services.membership.whenProven(peerId))) throw new Error('not proven a member on the connection')
      }
      void go().then(() => { this.redialing.delete(peerId) }, (err: unknown) => {
        if (this.init.stopped()) { this.redialing.delete(peerId); return }
        log('redial %s failed, next in %d ms: %e', peerId, delay, err)
        const reason = dialFailure(err)
        // Told at its second failure in a row: a sibling that moved is often found on its new
        // address (mDNS, the DHT) within the first second.
        const told = this.failed.get(peerId)?.told === true
        const tell = delay > FIRST_RETRY_MS && !told
        this.failed.set(peerId, { at: Date.now(), error: reason, told: told || tell })
        if (tell) this.init.unreachable?.(peerId, via, reason, delay)
        timers.after(delay, () => { attempt(Math.min(delay * 2, 60_000)) })
      })
    }
    attempt(FIRST_RETRY_MS)
  }
}
