/**
 * Peers proven once, remembered with their addresses in the home (peers.json, written whole),
 * so two machines that met on a LAN find each other again later without discovery.
 */
import { logger } from '@libp2p/logger'
import { readHomeText, writeHomeFile } from '../store/index.js'

const log = logger('mesh:node:peers')

export interface RememberedPeer { peerId: string, label: string, capabilities: string[], addrs: string[], lastSeen: number }

export class PeerBook {
  private peers = new Map<string, RememberedPeer>()
  private saving: Promise<void> = Promise.resolve()

  constructor (private readonly home: string) {}

  async load (): Promise<void> {
    const text = await readHomeText(this.home, 'peers')
    if (text === undefined) return
    try {
      const list = JSON.parse(text) as RememberedPeer[]
      for (const p of list) if (typeof p?.peerId === 'string' && Array.isArray(p.addrs)) this.peers.set(p.peerId, p)
    } catch (err: any) {
      log.error('peers.json unreadable, starting with no remembered peers: %e', err)
    }
  }

  list (): RememberedPeer[] { return [...this.peers.values()] }
  get (peerId: string): RememberedPeer | undefined { return this.peers.get(peerId) }

  async remember (p: RememberedPeer): Promise<void> {
    this.peers.set(p.peerId, p)
    const text = JSON.stringify(this.list(), null, 2)
    this.saving = this.saving.then(async () => { await writeHomeFile(this.home, 'peers', text) }).catch((err: unknown) => { log.error('cannot save peers.json: %e', err) })
    await this.saving
  }
}
