/**
 * How often a node looks for its siblings. Looking costs datagrams on the LAN and wake-ups of an
 * idle process, and is only needed while a sibling may be out there unconnected: fast (every
 * `fastMs`) for a burst after start, after a sibling is lost and after a network change; then
 * backing off by doubling to `slowMs`; and straight to `slowMs` once every known sibling is
 * connected. A sibling that appears later is still found at once: its own start is fast, and
 * every node answers queries whatever its pace.
 */
import { networkInterfaces } from 'node:os'
import { logger } from '@libp2p/logger'

const log = logger('mesh:node:pace')

export interface PaceInit {
  /** @default 1000 */
  fastMs?: number
  /** @default 60000 */
  slowMs?: number
  /** How long a burst of fast looks lasts. @default 30000 */
  burstMs?: number
}

export type PaceMode = 'fast' | 'backoff' | 'slow'

export class Pace {
  private readonly fastMs: number
  private readonly slowMs: number
  private readonly burstMs: number
  private timer: ReturnType<typeof setTimeout> | undefined
  private fastUntil = 0
  private backoff: number
  private running = false
  private nets = ''
  mode: PaceMode = 'fast'

  /**
   * @param look - one look (an mDNS query, a DHT lookup); errors are the caller's to log
   * @param settled - whether every known sibling is connected
   */
  constructor (private readonly name: string, private readonly look: () => void, private readonly settled: () => boolean, init: PaceInit = {}) {
    this.fastMs = init.fastMs ?? 1000
    this.slowMs = Math.max(this.fastMs, init.slowMs ?? 60_000)
    this.burstMs = init.burstMs ?? 30_000
    this.backoff = this.fastMs
  }

  /** Starts with a burst; the first look is `firstMs` away (the caller may have just looked). */
  start (firstMs = this.fastMs): void {
    if (this.running) return
    this.running = true
    this.nets = interfaces()
    this.fastUntil = Date.now() + this.burstMs
    this.schedule(firstMs)
  }

  /** Something changed that may have left a sibling unconnected: look fast again, now. */
  wake (why: string): void {
    if (!this.running) return
    log('%s: fast again (%s)', this.name, why)
    this.fastUntil = Date.now() + this.burstMs
    this.backoff = this.fastMs
    this.schedule(0)
  }

  stop (): void {
    this.running = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private schedule (ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.tick() }, ms)
  }

  private tick (): void {
    this.timer = undefined
    if (!this.running) return
    // A changed set of interfaces (a new network, a link back up) starts a burst.
    const nets = interfaces()
    if (nets !== this.nets) { this.nets = nets; this.fastUntil = Date.now() + this.burstMs; this.backoff = this.fastMs; log('%s: network changed', this.name) }
    const mode: PaceMode = this.settled() ? 'slow' : Date.now() < this.fastUntil ? 'fast' : 'backoff'
    if (mode !== this.mode) log('%s: %s', this.name, mode)
    this.mode = mode
    try { this.look() } finally {
      if (mode === 'fast') this.backoff = this.fastMs
      else if (mode === 'backoff') this.backoff = Math.min(this.slowMs, this.backoff * 2)
      this.schedule(mode === 'slow' ? this.slowMs : mode === 'fast' ? this.fastMs : this.backoff)
    }
  }
}

/** The node's IPv4/IPv6 addresses as one string: compared between looks to notice a network change. */
export function interfaces (): string {
  const out: string[] = []
  for (const [name, addrs] of Object.entries(networkInterfaces())) for (const a of addrs ?? []) if (!a.internal) out.push(`${name}/${a.address}`)
  return out.sort().join(',')
}
