/**
 * The vault's membership: certificates and registry operations learned or made here (issue 14),
 * what follows from one (epoch keys unwrapped and saved, a revoked device's rights taken and the
 * documents that applied its entries reloaded, a wrap a reader lacks granted, an owed rotation
 * discharged), and the rights rule for what may be handed to a peer. Owns the recovery key (kept
 * in memory only) and the two timers of the grant and the discharge, which stop() clears.
 */
import type { EventEmitter } from 'node:events'
import { logger } from '@libp2p/logger'
import { InvalidRegistryOpError, MissingCapabilityError } from '../errors.js'
import { addCollidedKey, equals, parseTrustedEntry, toHex, type ChainCertificate, type Entry, type KemKeyPair, type RegistryOp, type Wallet } from '../identity/index.js'
import { writeHomeFile, type EntryStore } from '../store/index.js'
import type { Added, CertRegistry } from './certs.js'
import type { HomeIdentity } from './enrol.js'
import { encodeKeyFile } from './keyfile.js'
import { enrolDevice, grants, revokeDevices, rotation, settleEpochKeys, unwrapMine, type EnrolRequest, type PeerVectors } from './registry-ops.js'
import type { OpenReplicas } from './vault-replicas.js'
import { servable, servesSnapshot } from './serving.js'
import { DISCHARGE_DELAY_MS, type VaultEvents } from './vault-types.js'

const log = logger('mesh:node:vault')

export interface MembershipInit {
  home: string
  identity: HomeIdentity
  certs: CertRegistry
  store: EntryStore
  replicas: OpenReplicas
  /** The vault itself, whose `certificate`, `rights`, `revoked` and `registry` events this emits. */
  events: EventEmitter<VaultEvents>
  /** Throws CLOSED once the vault is closing. */
  check: () => void
  closed: () => boolean
  writable: () => boolean
  /** The home cannot be written (opened only to read): epoch keys unwrapped are kept in memory only. */
  readOnlyHome: boolean
  /** Background work the vault's close waits for; a failure is logged. */
  track: (p: Promise<unknown>) => void
}

export class Membership {
  /** The wallet's recovery key, when the vault was opened with the wallet: every rotation's recovery wrap opens with it. */
  recovery: KemKeyPair | undefined
  private healTimer: NodeJS.Timeout | undefined
  private dischargeTimer: NodeJS.Timeout | undefined
  /** Operations added in this turn, not yet reported: their epoch keys are taken before they are (onRegistry). */
  private unreported: RegistryOp[] = []
  /** Whether that is to happen before the next judgement or the turn's end. */
  private dueSoon = false

  constructor (private readonly init: MembershipInit) {}

  /**
   * Adds a certificate, cutoff or registry operation (of this wallet) learned from a peer,
   * persisting it. A superseded certificate is refused (SUPERSEDED_CERTIFICATE) and not stored.
   */
  async addCertificate (bytes: Uint8Array): Promise<void> {
    this.init.check()
    const { certs, store, events } = this.init
    const added = certs.add(bytes)
    if (added.registry === true) {
      this.onRegistry([added], false)
      if (await store.putCertificate(bytes)) events.emit('certificate', bytes)
      return
    }
    const { device, changed } = added
    const reloaded = changed ? this.rejudge(device) : []
    if (await store.putCertificate(bytes)) events.emit('certificate', bytes)
    const cert = certs.get(device)
    if (changed && cert !== undefined) events.emit('rights', { deviceId: cert.deviceId, label: cert.label, capabilities: cert.capabilities, reloaded })
  }

  /**
   * Publishes a registry operation this node made: judged and sent to every peer in this tick
   * (before any entry sealed after it, so an epoch is known before entries under it arrive), then
   * stored.
   */
  async publish (op: RegistryOp & { cutoffParts?: readonly Uint8Array[] }): Promise<void> {
    this.init.check()
    const { certs, store, events } = this.init
    this.onRegistry([{ ...certs.add(op.bytes), op }], true)
    events.emit('certificate', op.bytes)
    // A revoke's cutoff parts (crdt/SPEC.md §Cutoff parts) right after it: a peer refuses a part before its head.
    for (const p of op.cutoffParts ?? []) { certs.add(p); events.emit('certificate', p) }
    await store.putCertificate(op.bytes)
    for (const p of op.cutoffParts ?? []) await store.putCertificate(p)
  }

  /**
   * Revokes devices (by their keys): the revoke is signed by this admin device, or by the wallet
   * when given (any member may publish it), published at once, and the rotation it owes is made
   * here in the same call when this device can write (otherwise the next device that can does).
   */
  async revoke (devices: readonly Uint8Array[], opts: { reason?: string, wallet?: Wallet, heldElsewhere?: readonly PeerVectors[] } = {}): Promise<{ op: RegistryOp & { cutoffParts: readonly Uint8Array[] }, epoch?: number }> {
    this.init.check()
    const op = revokeDevices(this.init.identity, this.init.certs, this.init.store, devices, opts)
    const stored = this.publish(op)
    const epoch = this.beforeWrite()
    await stored
    return { op, epoch }
  }

  /** Enrols a device from this admin device (pairing, a mirror): its certificate (with the chain) and the enrolment published. */
  async enrolDevice (req: EnrolRequest): Promise<{ certificate: ChainCertificate, op: RegistryOp }> {
    this.init.check()
    const r = enrolDevice(this.init.identity, this.init.certs, req)
    await this.publish(r.op)
    return r
  }

  /**
   * Registry operations added (in their order): the epoch keys they wrap to this device taken (and
   * the rotation and grants they owe scheduled), each reported ('registry'), and the devices each
   * newly revoked cut off and reported at once. For operations from a peer the first two are done
   * once for all those added in a turn (a sync frame's), before anything is judged again or the
   * turn ends: they read the registry, which a frame's operations are admitted without evaluating
   * (CertRegistry.admitOp), and so does a listener of 'registry'. `now`: at once (this node's own
   * operation, which it may seal under next).
   */
  private onRegistry (added: readonly Added[], now: boolean): void {
    const { certs, events } = this.init
    for (const a of added) {
      const revoked = a.revoked ?? []
      // What came before it is reported before it.
      if (revoked.length > 0) this.registryChanged()
      for (const device of revoked) {
        const cert = certs.get(device)
        const reloaded = this.rejudge(device)
        const e = { deviceKey: device, deviceId: cert?.deviceId ?? toHex(device), label: cert?.label ?? toHex(device).slice(0, 8) }
        log('device %s (%s) revoked by the registry', e.label, e.deviceId)
        events.emit('revoked', e)
        if (cert !== undefined) events.emit('rights', { deviceId: cert.deviceId, label: cert.label, capabilities: [], reloaded })
      }
      if (a.op !== undefined) this.unreported.push(a.op)
    }
    if (now) { this.registryChanged(); return }
    if (this.unreported.length === 0 || this.dueSoon) return
    this.dueSoon = true
    const run = (): void => {
      if (!this.dueSoon) return
      // Never thrown: nothing above a microtask or a judgement would catch it for this.
      try { this.registryChanged() } catch (err) { log.error('could not take the epoch keys of the registry\'s operations: %e', err) }
    }
    certs.beforeJudging(run)
    queueMicrotask(run)
  }

  /** The registry changed: the epoch keys taken, what it owes scheduled, and the operations not yet reported, reported. */
  private registryChanged (): void {
    this.dueSoon = false
    const ops = this.unreported
    this.unreported = []
    if (this.init.closed()) return
    this.takeEpochKeys()
    this.scheduleDischarge()
    this.scheduleHeal()
    for (const op of ops) this.init.events.emit('registry', op)
  }

  /** Unwraps the epoch keys wrapped to this device that it lacks, and keeps them in vault.keys. */
  takeEpochKeys (): void {
    const added = unwrapMine(this.init.identity, this.init.certs, this.recovery)
    if (added.length > 0) log('epoch keys %o unwrapped', added)
    // The current epoch is the registry's choice, settled on every change of it and at open (a
    // vault.keys saved before this rule may name a number no valid rotation announces).
    if (settleEpochKeys(this.init.identity, this.init.certs) || added.length > 0) this.saveKeys()
  }

  private saveKeys (): void {
    if (this.init.readOnlyHome) return
    const { identity } = this.init
    this.init.track(writeHomeFile(this.init.home, 'vaultKeys', encodeKeyFile(identity.wallet, identity.keys)))
  }

  /** A reader without the wrap of an epoch this device holds: granted after a short random delay (one device usually does it). */
  scheduleHeal (): void {
    if (this.init.closed() || this.healTimer !== undefined || this.init.certs.state.epochs.size === 0) return
    this.healTimer = setTimeout(() => {
      this.healTimer = undefined
      if (this.init.closed()) return
      // A timer's failure is logged, never thrown: nothing above it would catch it.
      try {
        for (const op of grants(this.init.identity, this.init.certs)) this.init.track(this.publish(op))
      } catch (err) { log.error('could not hand epoch keys to readers without them: %e', err) }
    }, 200 + Math.random() * 1300)
    this.healTimer.unref()
  }

  /** An open debt: a device that can write discharges it after a random delay, unless another did first. */
  scheduleDischarge (): void {
    if (this.init.closed() || this.dischargeTimer !== undefined || this.init.certs.state.owed.length === 0 || !this.init.writable()) return
    const ms = DISCHARGE_DELAY_MS.min + Math.random() * (DISCHARGE_DELAY_MS.max - DISCHARGE_DELAY_MS.min)
    this.dischargeTimer = setTimeout(() => {
      this.dischargeTimer = undefined
      if (this.init.closed()) return
      try { this.beforeWrite() } catch (err) { log.error('could not rotate the vault key after a revocation: %e', err) }
    }, ms)
    this.dischargeTimer.unref()
  }

  /** At the vault's close, before anything else: the discharge's timer, then the grant's. */
  stop (): void {
    if (this.dischargeTimer !== undefined) clearTimeout(this.dischargeTimer)
    if (this.healTimer !== undefined) clearTimeout(this.healTimer)
  }

  /**
   * Discharges an owed rotation before this device seals anything: a new epoch key, wrapped to
   * every remaining reader and the recovery key, published, and used from this entry on. No
   * honest device that knows of a revocation writes under a key the revoked device holds.
   * Returns the new epoch, if it rotated.
   */
  beforeWrite (): number | undefined {
    const { identity, certs } = this.init
    if (certs.state.owed.length === 0 || !this.init.writable()) return undefined
    const r = rotation(identity, certs)
    if (r === undefined) return undefined
    // In place of any key held for this number without a valid rotation (one saved before the
    // registry's generation rule); publishing judges the rotation (synchronously, before its first
    // await) and settles the current epoch on it.
    addCollidedKey(identity.keys, r.epoch, r.key, true)
    this.init.track(this.publish(r.op))
    if (identity.keys.currentEpoch !== r.epoch) {
      // Nothing may be sealed until the debt is paid: under the epoch still current, the revoked device may read it.
      throw new InvalidRegistryOpError(`the rotation to epoch ${r.epoch} did not take effect (${certs.state.refused.get(r.op.id) ?? `epoch ${identity.keys.currentEpoch} is still current`}): nothing is written under a key a revoked device holds`, { epoch: r.epoch })
    }
    log('rotated to epoch %d, discharging %d revocation(s)', r.epoch, r.op.epoch?.discharges.length)
    return r.epoch
  }

  // --- Rights that changed (issue 12 §1; issue 14's revocation takes the same path) ---

  /**
   * A device's rights changed (a newer certificate, a new cutoff): an open document that applied
   * entries of it the change now refuses (above its cutoff, without `write`) is reloaded from the
   * store, whose load refuses them. They stay on disk but are never loaded or served (servable).
   * This device's own entries are judged as its load judges them (kept in its own view).
   */
  private rejudge (device: Uint8Array): string[] {
    const { identity, certs } = this.init
    const reloaded: string[] = []
    for (const r of this.init.replicas.all()) {
      if (!r.loaded || !r.readable) continue
      for (const c of r.coverVector()) {
        if (!equals(c.author, device)) continue
        try {
          certs.judgeUpdate({ author: device, doc: r.id, lane: c.lane ?? 0, seq: c.seq, epoch: identity.keys.currentEpoch }, { at: 'load', own: identity.device.publicKey })
        } catch (err: any) {
          log.error('%s holds entries of a device whose rights changed: reloaded without them (%s)', r.name, err?.message)
          r.discard(new MissingCapabilityError(`document ${r.name} was reloaded: ${err?.message}`, {}, { cause: err }))
          reloaded.push(r.name)
          break
        }
      }
    }
    return reloaded
  }

  /** Whether a stored snapshot may be offered to a peer: the rule of servable(), for snapshots. */
  servableSnapshot (header: Entry): boolean {
    return servesSnapshot(this.init.certs, header)
  }

  /**
   * Stored entries as they may be handed to a peer: one that a changed certificate refuses (the
   * load rule) is held back, so nothing accepted before the change is forwarded after it.
   */
  servable (entries: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    return servable(this.init.certs, entries)
  }

}
