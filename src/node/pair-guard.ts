/**
 * Who a device waiting to be paired still listens to (protocols/pair/SPEC.md, Probing). Anyone
 * who reaches the pairing node may send a Hello, and each bad one costs the device something: a
 * wrong nameplate counts toward the code's replacement, a wrong guess or a run left before keys
 * confirm burns the code. Without a bound per sender, one stranger replaced the code every 156 ms
 * (a security review: 2,023 Hellos in 20 s over one connection), so the owner could never type a
 * live one. So each bad Hello and each burned run is a strike against the peer that sent it and
 * against its network (an IPv4 address, an IPv6 /56: a new PeerId costs nothing, a new address
 * does); at MAX_STRIKES within STRIKE_WINDOW_MS, that peer or network is refused for REFUSE_MS
 * (its connections closed, new ones denied), and every strike after that refuses it again.
 *
 * Nothing here touches the code: what the code allows (one run, 16 wrong nameplates) is
 * PairingCode's, and holds whoever sends the Hellos.
 *
 * @example
 * const guard = new PairGuard({ onRefuse: (r) => say(`refusing ${r.source}`) })
 * if (guard.refuses(keysOf(conn))) conn.abort(...)
 * guard.strike(keysOf(conn), 'nameplate')
 */

/** Bad Hellos and burned runs a peer or network may cause within STRIKE_WINDOW_MS before it is refused. */
export const MAX_STRIKES = 4
/** A code's lifetime: strikes older than this are forgotten. */
export const STRIKE_WINDOW_MS = 10 * 60_000
/** How long a peer or network is refused once it reached MAX_STRIKES. */
export const REFUSE_MS = 60_000
/** Peers and networks remembered at most; past this the least recently struck are forgotten first. */
export const MAX_SOURCES = 4096

/** What a strike is for: a Hello refused for its nameplate or version, a first message that is no Hello, a second Hello on one connection, a burned run. */
export type StrikeReason = 'nameplate' | 'version' | 'invalid' | 'second-hello' | 'wrong-code' | 'abandoned'

/** The sender of a Hello: its PeerId, and its network unless it came through a relay (whose address it is not); either alone before Noise or in a check. */
export interface SourceKeys { peer?: string, network?: string }

export interface Refusal {
  /** The network (as the address it is keyed by) when that is what is refused, else the PeerId. */
  source: string
  kind: 'network' | 'peer'
  strikes: number
  reason: StrikeReason
  until: number
}

export interface PairGuardOptions {
  /** @default Date.now */
  clock?: () => number
  /** Told each time a peer or network becomes refused. */
  onRefuse?: (r: Refusal) => void
}

interface Source { strikes: number[], until: number }

export class PairGuard {
  private readonly clock: () => number
  private readonly sources = new Map<string, Source>()

  constructor (private readonly opts: PairGuardOptions = {}) {
    this.clock = opts.clock ?? Date.now
  }

  /** True while the peer or its network is refused. */
  refuses (keys: SourceKeys): boolean {
    const now = this.clock()
    return this.keysOf(keys).some(k => (this.sources.get(k.key)?.until ?? 0) > now)
  }

  /** Until when the peer or its network is refused (the later of the two); 0 when neither is. */
  refusedUntil (keys: SourceKeys): number {
    const now = this.clock()
    return Math.max(0, ...this.keysOf(keys).map(k => this.sources.get(k.key)?.until ?? 0).filter(u => u > now))
  }

  /**
   * One bad Hello or burned run from this sender. Returns what it made refused (the network
   * first), each also told to `onRefuse`.
   */
  strike (keys: SourceKeys, reason: StrikeReason): Refusal[] {
    const now = this.clock()
    const out: Refusal[] = []
    for (const { key, kind, source } of this.keysOf(keys)) {
      const r = this.sources.get(key) ?? { strikes: [], until: 0 }
      // Most recently struck last: the order in which they are forgotten.
      this.sources.delete(key)
      this.sources.set(key, r)
      r.strikes = r.strikes.filter(t => now - t < STRIKE_WINDOW_MS)
      r.strikes.push(now)
      if (r.strikes.length >= MAX_STRIKES) {
        const was = r.until > now
        r.until = now + REFUSE_MS
        // Keep only what counts: the latest MAX_STRIKES.
        r.strikes = r.strikes.slice(-MAX_STRIKES)
        if (!was) {
          const refusal: Refusal = { source, kind, strikes: r.strikes.length, reason, until: r.until }
          out.push(refusal)
          this.opts.onRefuse?.(refusal)
        }
      }
    }
    this.forget(now)
    return out
  }

  private keysOf (keys: SourceKeys): Array<{ key: string, kind: Refusal['kind'], source: string }> {
    return [
      ...(keys.network !== undefined ? [{ key: `net:${keys.network}`, kind: 'network' as const, source: keys.network }] : []),
      ...(keys.peer !== undefined ? [{ key: `peer:${keys.peer}`, kind: 'peer' as const, source: keys.peer }] : [])
    ]
  }

  private forget (now: number): void {
    if (this.sources.size <= MAX_SOURCES) return
    for (const [k, r] of this.sources) {
      if (r.until <= now && r.strikes.every(t => now - t >= STRIKE_WINDOW_MS)) this.sources.delete(k)
    }
    // Still too many: the least recently struck go first.
    for (const k of this.sources.keys()) {
      if (this.sources.size <= MAX_SOURCES) break
      this.sources.delete(k)
    }
  }
}
