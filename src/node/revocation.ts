/**
 * Revocations as the node meets them: a peer the registry revokes is cut off and forgotten;
 * revocation records a peer sends at the gate are checked and stored like any registry operation;
 * once this device is itself revoked, it says so once and stops looking for anyone. Owns whether
 * this device is revoked, and who told it.
 */
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { MeshLibp2p, NodeEvent, NodeVault } from './mesh-types.js'
import type { PeerBook } from './peer-book.js'

const log = logger('mesh:node')

export interface RevocationInit {
  vault: NodeVault
  libp2p: MeshLibp2p
  book: PeerBook
  stopped: () => boolean
  emit: (e: NodeEvent) => void
  /** Cuts a device off now and refuses it at membership from then on (MeshNode.exclude). */
  exclude: (deviceId: string, reason: string) => void
  /** Stops looking for peers (discovery.ts) and reserving at relays (--relay-via), once this device is revoked. */
  quiet: () => void
}

export class Revocation {
  /** How this device was revoked, once known (it dials no one from then on). */
  revoked: { by: string[], at: number, reason: string } | undefined
  /** The peer whose revocation records are being added (named in the 'revoked' event). */
  private teller: string | undefined

  constructor (private readonly init: RevocationInit) {}

  /**
   * A device the registry revoked is cut off at once: its connections are closed (membership,
   * asked again, refuses it: REVOKED_AUTHOR), it is forgotten from the peer book and never redialed.
   */
  readonly onRevoked = (e: { deviceId: string, label: string }): void => {
    if (this.init.stopped()) return
    if (e.deviceId === this.init.libp2p.peerId.toString()) { this.revokedSelf(); return }
    this.init.emit({ type: 'refused', peerId: e.deviceId, label: e.label, reason: 'revoked' })
    void this.init.book.forget(e.deviceId)
    // The gate refuses it from now on before either side shows a certificate, and expels it now.
    this.init.exclude(e.deviceId, `revoked: ${e.label}`)
    void this.init.libp2p.hangUp(peerIdFromString(e.deviceId)).catch((err: unknown) => { log('closing the revoked %s failed: %e', e.deviceId, err) })
  }

  /**
   * A peer sent this device's revocation instead of its certificate: each record is verified and
   * stored like any registry operation (the signatures and the authority of their authors; nothing
   * is taken on the peer's word), all added in one turn as a sync frame's are. If they do revoke
   * this device, the vault says so ('revoked').
   */
  async told (records: Uint8Array[], from: string): Promise<void> {
    if (this.init.stopped()) return
    this.teller = from
    try {
      // Every record is added in this turn, then their writes awaited together, as a sync frame's
      // are (protocols/sync/session.ts): the registry admits a turn's operations against its last
      // evaluation, so up to 1,024 records cost a few evaluations, not one each.
      const added = await Promise.allSettled(records.map(async r => { await this.init.vault.addCertificate(r) }))
      for (const r of added) if (r.status === 'rejected') log('a revocation record from %s not accepted: %e', from, r.reason)
    } finally {
      this.teller = undefined
    }
    if (this.revoked === undefined) log.error('%s refused this device as revoked, but what it sent does not revoke it', from)
  }

  /** This device is revoked: said once, discovery and redials stop; peers still reaching it are served. */
  revokedSelf (from?: string): void {
    if (this.revoked !== undefined) return
    const vault = this.init.vault
    const r = vault.certs.revocationOf(vault.identity.device.publicKey)
    if (r === undefined) return
    this.revoked = r
    this.init.quiet()
    const teller = from ?? this.teller
    const said = { type: 'revoked' as const, ...r, ...(teller !== undefined ? { from: teller } : {}) }
    // What it wrote that no other device takes is said with it (a count and the documents, named
    // once the sessions index is read); with nothing such, said at once.
    const own = 'ownBeyondCutoff' in vault ? vault.ownBeyondCutoff() : undefined
    if (own === undefined || own.entries === 0 || !('notTaken' in vault)) { this.init.emit(said); return }
    void vault.notTaken().then(
      (w) => { this.init.emit(w !== undefined && w.entries > 0 ? { ...said, notTaken: w } : said) },
      (err: unknown) => { log('counting what this device wrote after its revocation failed: %e', err); this.init.emit(said) }
    )
  }
}
