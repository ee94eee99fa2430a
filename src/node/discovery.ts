/**
 * How the node looks for its siblings once started: owns the mDNS and DHT paces (pace.ts), what
 * wakes them (a network interface appearing, our addresses changing, a sibling lost, the first
 * member proven in this run) and the DHT rendezvous lookup. Started by MeshNode after libp2p;
 * stopped by MeshNode.stop(), and when this device learns it was revoked. Also which addresses an
 * mDNS answer may give (lanOnly).
 */
import { BlockList } from 'node:net'
import type { PeerInfo } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { rendezvousFor, utcDay } from '../identity/index.js'
import type { NodeConfig } from './config.js'
import { MDNS_SERVICE_TAG, type MdnsHandle, type MeshLibp2p, type NodeEvent, type NodeVault, type Via } from './mesh-types.js'
import { interfaces, Pace, type PaceMode } from './pace.js'
import type { PeerBook } from './peer-book.js'

const log = logger('mesh:node')
/** The DHT rendezvous: every 15 s while looking, every 10 min once every known sibling is connected. */
const RENDEZVOUS = { fastMs: 15_000, slowMs: 600_000 } as const
/**
 * How often this node's addresses are looked at, as multicast-dns looks at them for its groups.
 * Its own signal (`networkInterface`) comes only for an interface it had not joined the group on:
 * an address that changes on an interface already joined (another DHCP lease on the same Wi-Fi
 * card) fails its join (EADDRINUSE) and says nothing, nor does an address that goes.
 */
const NETWORK_LOOK_MS = 5000

/** The networks an mDNS answer may name: private (RFC 1918, 4193), link-local and loopback. */
const LAN = new BlockList()
for (const [net, prefix] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['127.0.0.0', 8]] as const) LAN.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [['fc00::', 7], ['fe80::', 10], ['::1', 128]] as const) LAN.addSubnet(net, prefix, 'ipv6')

/**
 * An address on the LAN: it starts with an IP address, and every IP address in it (a relay's too)
 * is private, link-local or loopback; no DNS name anywhere.
 */
export function onLan (addr: Multiaddr): boolean {
  const parts = addr.getComponents()
  if (!['ip4', 'ip6', 'ip6zone'].includes(parts[0]?.name ?? '')) return false
  for (const c of parts) {
    if (c.name.startsWith('dns')) return false
    if (c.name !== 'ip4' && c.name !== 'ip6') continue
    try {
      if (c.value === undefined || !LAN.check(c.value, c.name === 'ip4' ? 'ipv4' : 'ipv6')) return false
    } catch {
      return false
    }
  }
  return true
}

/**
 * The mDNS service with only LAN addresses in what it announces (`peer` events, which libp2p
 * merges into its peer store as they come and MeshNode then dials): anyone on the LAN may answer
 * our query, and with a public address or a DNS name and a fresh PeerId it had this node look a
 * name up and dial out wherever it said, as often as it liked. A peer with no LAN address is not
 * announced. `found` is told of each peer announced, before libp2p.
 */
export function lanOnly<T extends EventTarget> (service: T, found: (peerId: string) => void): T {
  const dispatch = service.dispatchEvent.bind(service)
  service.dispatchEvent = (e: Event): boolean => {
    if (e.type !== 'peer') return dispatch(e)
    const { id, multiaddrs } = (e as CustomEvent<PeerInfo>).detail
    const lan = multiaddrs.filter(onLan)
    if (lan.length < multiaddrs.length) log('mDNS answer for %p: not on the LAN, ignored: %s', id, multiaddrs.filter(a => !lan.includes(a)).map(a => a.toString()).join(' '))
    if (lan.length === 0) return false
    found(id.toString())
    return dispatch(new CustomEvent<PeerInfo>('peer', { detail: { id, multiaddrs: lan } }))
  }
  return service
}

export interface DiscoveryInit {
  libp2p: MeshLibp2p
  vault: NodeVault
  book: PeerBook
  config: NodeConfig
  /** Undefined with mDNS off. */
  mdns: MdnsHandle | undefined
  /** How each peer was found (the node's map: a peer first found by the rendezvous is marked so). */
  via: Map<string, Via>
  emit: (e: NodeEvent) => void
  addresses: () => string[]
  /** This node's network changed (an address came or went): its open connections may be dead. */
  networkChanged?: () => void
}

export class Discovery {
  private readonly paces: { mdns?: Pace, dht?: Pace } = {}
  /** Whether the DHT pace was woken for the first member proven in this run (firstProven). */
  private dhtWoken = false
  private addrs = ''
  /** This machine's addresses as last looked at (pace.ts interfaces()), and the timer that looks. */
  private nets = ''
  private netLook: ReturnType<typeof setInterval> | undefined
  /** Why mDNS queries are not going out (the last send's error code), while they are not. */
  private mdnsFailing: string | undefined
  private stopped = false

  constructor (private readonly init: DiscoveryInit) {}

  start (): void {
    const { config, libp2p } = this.init
    const mdnsHandle = this.init.mdns
    const settled = (): boolean => this.allSiblingsConnected()
    if (mdnsHandle !== undefined) {
      this.paces.mdns = new Pace('mdns', () => { mdnsHandle.mdns?.query({ questions: [{ name: MDNS_SERVICE_TAG, type: 'PTR' }] }, (err) => { this.mdnsSent(err) }) }, settled, { fastMs: config.mdnsInterval, slowMs: config.mdnsSlowInterval, burstMs: config.discoveryBurst })
      this.paces.mdns.start()
      // multicast-dns looks at the interfaces every 5 s (@libp2p/mdns passes no option to stop it)
      // and joins the group on each new one: that look is the network-change signal, seen within
      // 5 s, where a settled pace would see it at its next query, up to a minute later.
      mdnsHandle.mdns?.on('networkInterface', () => { this.wake('a network interface appeared') })
    }
    if (config.dht !== 'off') {
      let looking = false
      this.paces.dht = new Pace('dht', () => {
        if (looking) return // the last lookup is still under way
        looking = true
        void this.rendezvous().catch((err: unknown) => { log('rendezvous failed: %e', err) }).finally(() => { looking = false })
      }, settled, { ...RENDEZVOUS, burstMs: Math.max(config.discoveryBurst, 2 * RENDEZVOUS.fastMs) })
      this.paces.dht.start(1000)
    }
    // An address of this machine came or went: its connections may be bound to one it no longer has.
    this.nets = interfaces()
    this.netLook = setInterval(() => {
      const nets = interfaces()
      if (nets === this.nets) return
      this.nets = nets
      this.wake('the network changed')
      this.init.networkChanged?.()
    }, NETWORK_LOOK_MS)
    this.netLook.unref()
    // Our addresses changed (an interface came or went): a sibling may be reachable anew.
    this.addrs = this.init.addresses().join(',')
    libp2p.addEventListener('self:peer:update', () => {
      const now = this.init.addresses().join(',')
      if (now === this.addrs) return
      this.addrs = now
      this.wake('our addresses changed')
      this.init.networkChanged?.()
    })
  }

  /**
   * Whether a query went out: a network with no multicast route or interface (a container, a
   * VPN-only host) fails every send, and `discovery: mdns on` alone would let a person wait for
   * siblings that can never find this device. Said once when sends start failing (or fail
   * otherwise) and once when one goes out again.
   */
  private mdnsSent (err: Error | null | undefined): void {
    if (this.stopped) return
    if (err == null) {
      if (this.mdnsFailing === undefined) return
      this.mdnsFailing = undefined
      this.init.emit({ type: 'mdns', sending: true })
      return
    }
    const reason = (err as NodeJS.ErrnoException).code ?? err.message
    if (this.mdnsFailing === reason) return
    this.mdnsFailing = reason
    log('mDNS query not sent: %e', err)
    this.init.emit({ type: 'mdns', sending: false, reason })
  }

  /** Something changed that may have left a sibling unconnected: every pace looks fast again. */
  wake (why: string): void {
    for (const p of Object.values(this.paces)) p.wake(why)
  }

  /**
   * The first member proven in this run is the first the DHT can route through (its table takes
   * peers from identify): look for the rendezvous now, and fast for a while. Without this, a node
   * whose only known peer is its relay settles at once, its first look having found no
   * connection, and a member that missed a rotation looked again only 10 min later.
   */
  firstProven (): void {
    if (!this.dhtWoken) { this.dhtWoken = true; this.paces.dht?.wake('a first member is proven') }
  }

  /** How often each discovery mechanism is looking now (node/pace.ts). */
  mode (): { mdns?: PaceMode, dht?: PaceMode } {
    return { mdns: this.paces.mdns?.mode, dht: this.paces.dht?.mode }
  }

  stop (): void {
    this.stopped = true
    for (const p of Object.values(this.paces)) p.stop()
    if (this.netLook !== undefined) clearInterval(this.netLook)
    this.netLook = undefined
  }

  /** Every sibling this home has met is connected and proven (none known: not settled). */
  private allSiblingsConnected (): boolean {
    const known = this.init.book.list()
    const m = this.init.libp2p.services.membership
    return known.length > 0 && known.every(p => m.isProven(p.peerId))
  }

  /** Provides and looks up today's rendezvous key; every provider found is dialed. */
  private async rendezvous (): Promise<void> {
    const { libp2p, config, via } = this.init
    const dht = libp2p.services.dht
    // A mirror holds no rendezvous key: it serves the DHT members provide into, and looks up nothing.
    const keys = this.init.vault.identity.keys
    if (dht === undefined || keys === undefined || libp2p.getConnections().length === 0) return
    const key = rendezvousFor(keys, utcDay())
    const cid = CID.createV1(raw.code, await sha256.digest(key))
    const signal = AbortSignal.timeout(10_000)
    if (config.dht === 'server') await libp2p.contentRouting.provide(cid, { signal }).catch((err: unknown) => { log('provide failed: %e', err) })
    for await (const p of libp2p.contentRouting.findProviders(cid, { signal: AbortSignal.timeout(10_000) })) {
      const id = p.id.toString()
      if (id === libp2p.peerId.toString() || libp2p.getConnections(p.id).length > 0) continue
      if (!via.has(id)) via.set(id, 'dht')
      this.init.emit({ type: 'found', peerId: id, via: 'dht' })
      if (p.multiaddrs.length > 0) await libp2p.peerStore.merge(p.id, { multiaddrs: p.multiaddrs })
      await libp2p.dial(p.id, { signal: AbortSignal.timeout(10_000) }).catch((err: unknown) => { log('dial %s found by DHT failed: %e', id, err) })
    }
  }
}
