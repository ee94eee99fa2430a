/**
 * Peers proven once, remembered with their addresses in the home (peers.json, written whole),
 * so two machines that met on a LAN find each other again later without discovery.
 *
 * The addresses kept are ones the peer can be dialed at: those it listens on, as it reported them
 * through identify, and the address we dialed it at. Never the remote address of a connection
 * it opened to us: that carries the ephemeral source port of its socket, useless once closed.
 */
import { logger } from '@libp2p/logger'
import type { Connection, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { rename } from 'node:fs/promises'
import { homePath, readHomeText, writeHomeFile } from '../store/index.js'

const log = logger('mesh:node:peers')

export interface RememberedPeer { peerId: string, label: string, capabilities: string[], addrs: string[], lastSeen: number }

/**
 * A remembered peer's capabilities as shown. The approver a paired device is told of is
 * remembered before it is ever proven, with none (`mesh peers` showed it as `[]`): its
 * certificate, which the grant brought, says them.
 */
export function capabilitiesOf (p: RememberedPeer, certs: { all: () => ReadonlyArray<{ deviceId: string, capabilities: readonly string[] }> }): string[] {
  if (p.capabilities.length > 0) return p.capabilities
  return [...(certs.all().find(c => c.deviceId === p.peerId)?.capabilities ?? [])]
}

const LOOPBACK = /^\/ip(4\/127\.|6\/::1\/)/
const UNSPECIFIED = /^\/ip(4\/0\.0\.0\.0|6\/::)\//

/**
 * The addresses worth redialing, from those a peer reported or we dialed: relayed ones last, no
 * unspecified ones, and no loopback address unless the peer is on this host (elsewhere 127.0.0.1
 * is some other machine: ourselves).
 */
export function dialable (addrs: readonly Multiaddr[], remote: Multiaddr): string[] {
  const local = LOOPBACK.test(remote.toString())
  const out = new Set<string>()
  const relayed = new Set<string>()
  for (const a of addrs) {
    const s = a.toString()
    if (UNSPECIFIED.test(s) || (!local && LOOPBACK.test(s))) continue
    // A relayed address (through a member's relay) is kept, after the direct ones: for a peer
    // behind a NAT it is the only way back.
    ;(s.includes('/p2p-circuit') ? relayed : out).add(s.replace(/\/p2p\/[^/]+$/, ''))
  }
  return [...out, ...relayed]
}

const parses = (f: () => unknown): boolean => { try { f(); return true } catch { return false } }

export class PeerBook {
  private peers = new Map<string, RememberedPeer>()
  private saving: Promise<void> = Promise.resolve()
  private closed = false

  constructor (private readonly home: string) {}

  /**
   * Reads peers.json. What cannot be used is said in the returned notes, never thrown: a file that
   * is no list is moved aside (peers.json.unreadable, its bytes kept) and the node starts with no
   * remembered peers; an entry whose PeerId, or an address that, does not parse is left out (the
   * next save writes the file without it).
   */
  async load (): Promise<Array<{ path: string, reason: string, keptAt?: string }>> {
    const text = await readHomeText(this.home, 'peers')
    if (text === undefined) return []
    const path = homePath(this.home, 'peers')
    let list: unknown
    try { list = JSON.parse(text) } catch (err) { list = err }
    if (!Array.isArray(list)) {
      const keptAt = `${path}.unreadable`
      const what = list instanceof Error ? 'is not JSON' : 'is not a list of peers'
      try {
        await rename(path, keptAt)
      } catch (err) {
        log.error('could not move %s aside: %e', path, err)
        return [{ path, reason: `${what}: no sibling is remembered, and it will be replaced once one is proven` }]
      }
      return [{ path, reason: `${what}: moved to ${keptAt}, and no sibling is remembered until one is proven again`, keptAt }]
    }
    const notes: Array<{ path: string, reason: string }> = []
    for (const [i, p] of list.entries()) {
      if (typeof p?.peerId !== 'string' || !Array.isArray(p.addrs) || !parses(() => peerIdFromString(p.peerId))) {
        notes.push({ path, reason: `entry ${i + 1} names no PeerId mesh can read (${JSON.stringify(p?.peerId ?? null)}): left out` })
        continue
      }
      const addrs: string[] = []
      const bad: unknown[] = []
      for (const a of p.addrs as unknown[]) (typeof a === 'string' && parses(() => multiaddr(a)) ? addrs : bad).push(a)
      if (bad.length > 0) notes.push({ path, reason: `${p.peerId}: ${bad.length} of its addresses ${bad.map(a => JSON.stringify(a)).join(', ')} ${bad.length === 1 ? 'is no multiaddr' : 'are no multiaddrs'}: left out` })
      this.peers.set(p.peerId, { ...p, addrs })
    }
    for (const n of notes) log.error('%s: %s', n.path, n.reason)
    return notes
  }

  list (): RememberedPeer[] { return [...this.peers.values()] }
  get (peerId: string): RememberedPeer | undefined { return this.peers.get(peerId) }

  async remember (p: RememberedPeer): Promise<void> {
    // Nothing dialable known yet (identify still running): keep what was remembered before.
    const before = this.peers.get(p.peerId)
    this.peers.set(p.peerId, p.addrs.length === 0 && before !== undefined ? { ...p, addrs: before.addrs } : p)
    await this.save()
  }

  /**
   * A remembered peer was seen until `at` (its connection closed, or it showed itself alive):
   * `last seen` is then, not when it was proven. `coarseMs`: nothing is written while what is
   * remembered is less than that older (a connected peer, noted now and then for a crash of this node).
   */
  async seen (peerId: string, at: number, coarseMs = 0): Promise<void> {
    const p = this.peers.get(peerId)
    if (p === undefined || p.lastSeen >= at - coarseMs) return
    this.peers.set(peerId, { ...p, lastSeen: at })
    await this.save()
  }

  /** Forgets a peer (a revoked device): never redialed, not listed. */
  async forget (peerId: string): Promise<void> {
    if (!this.peers.delete(peerId)) return
    await this.save()
  }

  private async save (): Promise<void> {
    // After close the home may be another process's (the lock is released) or gone: a peer
    // proven while the node stopped is not remembered, as it would not be had it come later.
    if (this.closed) { log('peers.json not saved: the node stopped'); return }
    const text = JSON.stringify(this.list(), null, 2)
    this.saving = this.saving.then(async () => { await writeHomeFile(this.home, 'peers', text) }).catch((err: unknown) => { log.error('cannot save peers.json: %e', err) })
    await this.saving
  }

  /** Stops writing peers.json, once the writes under way are on disk (the node's stop awaits it). */
  async close (): Promise<void> {
    this.closed = true
    await this.saving
  }

  /** Waits for every save issued so far (a node stopping leaves no write behind in its home). */
  async flush (): Promise<void> { await this.saving }

  /** Where a proven peer can be dialed, from what the node knows now (see `dialable`). */
  async addrsOf (node: Pick<Libp2p, 'peerStore'>, peer: PeerId, connection: Pick<Connection, 'direction' | 'remoteAddr'>): Promise<string[]> {
    const known = await node.peerStore.get(peer).then(p => p.addresses.map(a => a.multiaddr), (err: any) => {
      if (err?.name !== 'NotFoundError') log('peer store lookup of %p failed: %e', peer, err)
      return []
    })
    const addrs = connection.direction === 'outbound' ? [connection.remoteAddr, ...known] : known.filter(a => !a.equals(connection.remoteAddr))
    return dialable(addrs, connection.remoteAddr)
  }

  /** Keeps a remembered peer's addresses current with what it reports through identify. */
  follow (node: Pick<Libp2p, 'addEventListener'>): void {
    node.addEventListener('peer:identify', (e: CustomEvent<IdentifyResult>) => {
      const id = e.detail.peerId.toString()
      const p = this.peers.get(id)
      if (p === undefined) return // not proven yet: its addresses are taken when it is
      const addrs = dialable(e.detail.listenAddrs, e.detail.connection.remoteAddr)
      if (addrs.length === 0 || addrs.join() === p.addrs.join()) return
      this.peers.set(id, { ...p, addrs })
      void this.save()
    })
  }
}
