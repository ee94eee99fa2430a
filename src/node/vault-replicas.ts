/**
 * The vault's open replicas: at most one per document, shared by everyone who acquires it and
 * closed on the last release (after a snapshot, vault-snapshots.ts), or evicted so the next open
 * reloads from disk. Owns the cache and its reference counts, so that a release and an acquire
 * of the same document cannot interleave: the current instance is set synchronously.
 */
import { logger } from '@libp2p/logger'
import { toHex, type DocId } from '../identity/index.js'
import { loadDocument, type LoadHost } from './load.js'
import { Replica } from './replica.js'
import type { Vault } from './vault.js'

const log = logger('mesh:node:vault')

export interface OpenReplicasInit {
  /** The vault each replica belongs to (a replica writes through its store, lane and rights). */
  vault: Vault
  docId: (name: string) => DocId
  /** The vault's names by hex id: an acquired document is named there. */
  names: Map<string, string>
  /** Throws CLOSED once the vault is closing. */
  check: () => void
  /** What loading a document needs of the vault (see load.ts). */
  loader: LoadHost
  /** A snapshot of a replica that is being closed, when enough is uncovered (vault-snapshots.ts). */
  snapshotOnClose: (r: Replica) => Promise<void>
}

export class OpenReplicas {
  private readonly replicas = new Map<string, Promise<Replica>>()
  /** The current instance per document, set synchronously, so release and acquire cannot interleave. */
  private readonly instances = new Map<string, Replica>()

  constructor (private readonly init: OpenReplicasInit) {}

  /** The document's replica when it is open or opening. */
  opening (doc: Uint8Array): Promise<Replica> | undefined { return this.replicas.get(toHex(doc)) }

  /** The document's current instance (it may still be loading). */
  instance (doc: Uint8Array): Replica | undefined { return this.instances.get(toHex(doc)) }

  /** Every current instance, loaded or not. */
  all (): Replica[] { return [...this.instances.values()] }

  /** Opens (or shares) the replica of a named document. Pair with `release()`. */
  async acquire (name: string): Promise<Replica> {
    this.init.check()
    const id = this.init.docId(name)
    const key = toHex(id)
    this.init.names.set(key, name)
    let p = this.replicas.get(key)
    let inst = this.instances.get(key)
    if (p === undefined || inst === undefined) {
      const r = new Replica(this.init.vault, id, name)
      inst = r
      p = r.load().then(() => r)
      this.replicas.set(key, p)
      this.instances.set(key, r)
      p.catch(() => { if (this.instances.get(key) === r) { this.replicas.delete(key); this.instances.delete(key) } })
    }
    // Counted before the first await, so a concurrent release sees this user.
    inst.refs++
    try {
      return await p
    } catch (err) {
      inst.refs--
      throw err
    }
  }

  async release (r: Replica): Promise<void> {
    r.refs--
    if (r.refs > 0) return
    await r.settle()
    await this.init.snapshotOnClose(r)
    if (r.refs > 0) return // acquired again meanwhile
    this.evict(r)
    await r.close()
  }

  /** Takes a replica out of the cache (synchronously) so the next open reloads from disk. */
  evict (r: Replica): void {
    const key = toHex(r.id)
    if (this.instances.get(key) === r) {
      this.instances.delete(key)
      this.replicas.delete(key)
    }
  }

  /** Called by a replica at load (see load.ts). */
  async loadInto (r: Replica): Promise<void> {
    await loadDocument(this.init.loader, r)
  }

  /** At the vault's close: every replica open or opening is settled, snapshotted if due, and closed, one by one. */
  async closeAll (): Promise<void> {
    for (const p of [...this.replicas.values()]) {
      try {
        const r = await p
        await r.settle()
        await this.init.snapshotOnClose(r)
        await r.close()
      } catch (err) {
        log.error('closing a replica failed: %e', err)
      }
    }
    this.replicas.clear()
  }
}
