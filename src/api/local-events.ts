/**
 * The in-process API's events from the node and the vault: peers found, proven, lost; documents
 * synced and transfers' progress; rights, disk, quarantine, forks and the device list; and, for an
 * entry from a peer, which session or document changed (sessions new to the index announced once).
 */
import { logger } from '@libp2p/logger'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { equals, toHex, type RegistryOp } from '../identity/index.js'
import type { MeshNode, NodeEvent } from '../node/mesh.js'
import type { Fork, Quarantined } from '../node/vault.js'
import type { ProgressEvent, TransferStatus } from '../node/progress.js'
import type { ApiEvent, TransferSchema } from './schema.js'
import type { MeshVault } from './vault.js'

const log = logger('mesh:api')

/** Subscribes to the node's and the vault's events, each pushed as an API event; returns the unsubscribes. */
export function listen (vault: MeshVault, node: MeshNode | undefined, push: (e: ApiEvent) => void, onRemoteEntry: (hex: string) => void): Array<() => void> {
  const offs: Array<() => void> = []
  if (node !== undefined) {
    const onNode = (e: NodeEvent): void => { const a = fromNodeEvent(e); if (a !== undefined) push(a) }
    node.on('event', onNode)
    const onProgress = (t: ProgressEvent): void => { push({ ...transferView(t), type: 'transfer.progress' }) }
    node.on('progress', onProgress)
    offs.push(() => { node.off('event', onNode); node.off('progress', onProgress) })
  }
  const onRights = (e: { deviceId: string, label: string, capabilities: readonly string[], reloaded: readonly string[] }): void => {
    push({ type: 'device.rights', deviceId: e.deviceId, label: e.label, capabilities: [...e.capabilities], reloaded: [...e.reloaded] })
  }
  vault.vault.on('rights', onRights)
  offs.push(() => { vault.vault.off('rights', onRights) })
  const onDisk = (full: boolean): void => { push({ type: 'disk', full }) }
  vault.vault.on('disk', onDisk)
  offs.push(() => { vault.vault.off('disk', onDisk) })
  const onQuarantined = (q: Quarantined): void => { push({ type: 'quarantined', ...q }) }
  vault.vault.on('quarantined', onQuarantined)
  offs.push(() => { vault.vault.off('quarantined', onQuarantined) })
  const onFork = (f: Fork): void => { push({ type: 'fork', ...f }) }
  vault.vault.on('fork', onFork)
  offs.push(() => { vault.vault.off('fork', onFork) })
  // The device list changed: a registry operation (its kind), or a device's certificate learned
  // from a peer. A registry operation is also announced as a certificate just after: said once.
  let lastOp: Uint8Array | undefined
  const onRegistry = (op: RegistryOp): void => { lastOp = op.bytes; push({ type: 'devices.changed', op: op.kind }) }
  const onCertificate = (bytes: Uint8Array): void => { if (lastOp === undefined || !equals(lastOp, bytes)) push({ type: 'devices.changed', op: 'certificate' }) }
  vault.vault.on('registry', onRegistry)
  vault.vault.on('certificate', onCertificate)
  offs.push(() => { vault.vault.off('registry', onRegistry); vault.vault.off('certificate', onCertificate) })
  const onEntry = (e: { doc: Uint8Array, local: boolean }): void => { if (!e.local) onRemoteEntry(toHex(e.doc)) }
  vault.vault.on('entry', onEntry)
  offs.push(() => { vault.vault.off('entry', onEntry) })
  return offs
}

/** Which session or document an entry from a peer changed, by the vault's document names. */
export class RemoteEntries {
  private docNames = new Map<string, string>()
  /** The names being reread, for every entry that waits for one meanwhile. */
  private naming: Promise<Map<string, string>> | undefined
  /** Sessions told (or created here) since the start: not announced again when the index changes. */
  private readonly knownSessions = new Set<string>()
  /** The documents held at start (hex ids): a session whose document was here then is not new. */
  private heldAtStart = new Set<string>()

  /** `isOpen`: the session is held open here, and tells its own changes in full. */
  constructor (private readonly vault: MeshVault, private readonly push: (e: ApiEvent) => void, private readonly isOpen: (key: SessionKey) => boolean) {}

  /**
   * Notes the documents held at start, from the store's index (cheap): reading the sessions known
   * at start from the sessions index (a large document in a vault of 10,000 sessions) held
   * `mesh join` back from running. The documents' names (a keyed hash per session) are read when
   * a peer's entry first needs one.
   */
  start (): void { this.heldAtStart = new Set(this.vault.vault.store.docHexIds()) }

  /** A session created here: not announced again when the index changes. */
  known (key: string): void { this.knownSessions.add(key) }

  /** An entry from a peer: sessions not held open get a light event; the index may name new sessions. */
  onEntry (hex: string): void {
    const name = this.docNames.get(hex)
    if (name === undefined) {
      // Once for every entry that comes meanwhile: a fresh node receives thousands at once.
      this.naming ??= this.vault.vault.docNames().finally(() => { this.naming = undefined })
      this.naming.then(n => { this.docNames = n; if (n.has(hex)) this.onEntry(hex) }, (err: unknown) => { log('doc names: %e', err) })
      return
    }
    if (name === DOC_NAMES.memory) { this.push({ type: 'memory.changed', remote: true }); return }
    if (name === DOC_NAMES.skills) { this.push({ type: 'skills.changed', remote: true }); return }
    if (name === DOC_NAMES.sessionsIndex) { void this.refreshSessions(); return }
    if (!this.isOpen(name as SessionKey)) this.push({ type: 'session.changed', key: name, remote: true })
  }

  private async refreshSessions (): Promise<void> {
    try {
      const now = await this.vault.sessions.list()
      for (const s of now) {
        if (this.knownSessions.has(s.key)) continue
        this.knownSessions.add(s.key)
        // Its document was here at start: a session known then, not a new one.
        if (this.heldAtStart.has(toHex(this.vault.vault.docId(DOC_NAMES.session(s.key as SessionKey))))) continue
        this.push({ type: 'session.created', key: s.key, remote: true })
      }
      this.docNames = await this.vault.vault.docNames()
    } catch (err) {
      log('refreshing the sessions index failed: %e', err)
    }
  }
}

/** A transfer as the API shows it. */
export function transferView (t: Omit<TransferStatus, 'docId' | 'startedAt' | 'updatedAt'>): import('zod').output<typeof TransferSchema> {
  return { peerId: t.peerId, label: t.label, doc: t.doc, direction: t.direction, bytesDone: t.bytesDone, bytesTotal: t.bytesTotal, entriesDone: t.entriesDone, entriesTotal: t.entriesTotal, resumedFrom: t.resumedFrom, rateBps: t.rateBps, etaMs: t.etaMs, done: t.done }
}

function fromNodeEvent (e: NodeEvent): ApiEvent | undefined {
  switch (e.type) {
    case 'found': return { type: 'peer.found', peerId: e.peerId, via: e.via }
    case 'proven': return { type: 'peer.proven', peerId: e.peerId, label: e.label, capabilities: [...e.capabilities], via: e.via }
    case 'refused': return { type: 'peer.refused', peerId: e.peerId, ...(e.label !== undefined ? { label: e.label } : {}), reason: e.reason }
    case 'lost': return { type: 'peer.lost', peerId: e.peerId, label: e.label }
    case 'incompatible': return { type: 'peer.incompatible', peerId: e.peerId, label: e.label, reason: e.reason }
    case 'synced': return { type: 'doc.synced', peerId: e.peerId, label: e.label, doc: e.doc, entries: e.entries, snapshot: e.snapshot }
    case 'entry-refused': return { type: 'entry.refused', peerId: e.peerId, label: e.label, reason: e.reason }
    case 'revoked': return { type: 'device.revoked', by: e.by, at: e.at, reason: e.reason, ...(e.from !== undefined ? { from: e.from } : {}) }
    default: return undefined
  }
}
