/**
 * The device list and revocation, as the API serves them: every device the registry and the
 * certificates name, who enrolled it and when, whether it is online or revoked (when, by whom);
 * and `revoke` by label or id, or every device but this one.
 */
import { InvalidInputError, messageTime, NotFoundError, UsageError } from '../errors.js'
import { decodeCutoffPart, epochGeneration, equals, isChainCertificate, toHex, type Certificate } from '../identity/index.js'
import type { MeshNode } from '../node/mesh.js'
import { PeerBook } from '../node/peer-book.js'
import type { Vault } from '../node/vault.js'
import type { Output } from './schema.js'
import { resolveWallet } from './wallet.js'
import { labelList } from './words.js'

/** A peer book's lastSeen as shown: 0 is an entry never seen yet (the approver a paired device was told of). */
const seenAt = (t: number | undefined): number | undefined => t !== undefined && t > 0 ? t : undefined

/** A revocation as the device list shows it: when, by whom (labels), why. */
export interface RevokedView { at: number, by: readonly string[], reason: string }

/**
 * A revoke of a device that is revoked already (`name`, as it was asked for): nothing to do, said
 * with when and by whom. One wording for every front-end: devices.revoke (CLI, HTTP, SDK) and the
 * MCP tool, which finds it on the device list.
 */
export function alreadyRevoked (name: string, device: { deviceId: string, revoked: RevokedView }): InvalidInputError {
  const { at, by, reason } = device.revoked
  return new InvalidInputError(`${name} was already revoked at ${messageTime(at)}${by.length > 0 ? ` by ${labelList(by)}` : ''}${reason !== '' ? ` (${reason})` : ''}: nothing to do`, { deviceId: device.deviceId, reason: 'already-revoked', revoked: { at, by: [...by], reason } })
}

export async function listDevices (vault: Vault, node: MeshNode | undefined): Promise<Output<'devices.list'>> {
  const me = vault.identity.device.deviceId
  const book = new PeerBook(vault.home)
  await book.load()
  const st = vault.certs.state
  const labelOf = (key: Uint8Array): string => equals(key, vault.identity.walletKey) ? 'wallet' : (vault.certs.get(key)?.label ?? toHex(key).slice(0, 8))
  return vault.certs.all().map((c: Certificate) => {
    const rec = st.devices.get(toHex(c.deviceKey))
    const revoked = rec?.revoked
    const enrolledBy = rec !== undefined ? labelOf(rec.enrolledBy) : isChainCertificate(c) ? labelOf(c.issuerKey) : 'wallet'
    // This device is online in the mesh while its node runs (mesh join), not merely because it is asked.
    const online = revoked === undefined && (c.deviceId === me ? node !== undefined : (node?.isOnline(c.deviceId) ?? false))
    return {
      deviceId: c.deviceId,
      label: c.label,
      capabilities: [...c.capabilities],
      issuedAt: c.issuedAt,
      expiresAt: c.expiresAt,
      self: c.deviceId === me,
      online,
      // Seen now while online (the peer book's time is when it connected, or last went quiet).
      lastSeen: c.deviceId === me ? (node !== undefined ? Date.now() : undefined) : online ? Date.now() : seenAt(book.get(c.deviceId)?.lastSeen),
      enrolledBy,
      grantedAt: c.issuedAt,
      revoked: revoked !== undefined ? { at: revoked.at, by: revoked.by.map(labelOf), reason: revoked.reason } : undefined
    }
  }).sort((a, b) => Number(b.self) - Number(a.self) || a.label.localeCompare(b.label))
}

/** Finds the devices a revoke names: one by exact label or device id, or every active one but this device. */
export function targetsOf (vault: Vault, input: { device?: string, allButThis?: boolean }): Certificate[] {
  if ((input.device === undefined) === (input.allButThis !== true)) throw new UsageError('name one device (its label or id)', {}, { hint: { sep: ', ', cli: 'or pass --all-but-this' } })
  const me = vault.identity.device.publicKey
  const active = vault.certs.all().filter(c => !vault.certs.isRevoked(c.deviceKey))
  if (input.allButThis === true) return active.filter(c => !equals(c.deviceKey, me))
  const want = input.device as string
  if (want.trim() === '') throw new InvalidInputError('an empty name is not a device: name one device (its label or id)', {}, { hint: { cli: 'see `mesh devices`', mcp: 'the devices tool lists them' } })
  const byId = active.filter(c => c.deviceId === want)
  const found = byId.length > 0 ? byId : active.filter(c => c.label === want)
  if (found.length === 0) {
    // A revoked device's name (a revoke run twice): said so, not "no such device". The latest
    // revoked under a label, where several were (a machine paired again, and revoked again).
    const gone = vault.certs.all().flatMap(c => { const r = vault.certs.revocationOf(c.deviceKey); return r !== undefined ? [{ c, r }] : [] })
    const byIdGone = gone.filter(g => g.c.deviceId === want)
    const was = (byIdGone.length > 0 ? byIdGone : gone.filter(g => g.c.label === want)).sort((a, b) => b.r.at - a.r.at)[0]
    if (was !== undefined) throw alreadyRevoked(want, { deviceId: was.c.deviceId, revoked: was.r })
    throw new NotFoundError(`no device of this vault is called ${want}`, {}, { hint: { cli: 'see `mesh devices`', mcp: 'the devices tool lists them' } })
  }
  if (found.length > 1) throw new InvalidInputError(`${found.length} devices are called ${want}: name one by its id (${found.map(c => c.deviceId).join(', ')})`)
  if (equals((found[0] as Certificate).deviceKey, me)) throw new InvalidInputError('this is the device you are on: revoke it from another device')
  return found
}

export async function revokeDevices (vault: Vault, input: { device?: string, allButThis?: boolean, reason?: string, walletPath?: string }, node?: Pick<MeshNode, 'peerVectors'>): Promise<Output<'devices.revoke'>> {
  const targets = targetsOf(vault, input)
  if (targets.length === 0) return { revoked: [], owed: vault.certs.state.owed.length > 0 }
  const wallet = input.walletPath !== undefined ? await resolveWallet({ path: input.walletPath }) : undefined
  if (input.walletPath !== undefined && wallet === undefined) throw new NotFoundError(`no wallet at ${input.walletPath}`)
  // What connected peers hold of the revoked devices' entries counts too, never their own report.
  const heldElsewhere = node?.peerVectors(targets.map(c => c.deviceId))
  const { op, epoch } = await vault.revoke(targets.map(c => c.deviceKey), { reason: input.reason, wallet, ...(heldElsewhere !== undefined ? { heldElsewhere } : {}) })
  const kept = (key: Uint8Array): number => {
    const cut = op.revoke?.devices.find(d => equals(d.device, key))
    // A cutoff too large for the operation is in the parts it names (crdt/SPEC.md §Cutoff parts).
    const docs = [...(cut?.docs ?? []), ...op.cutoffParts.map(decodeCutoffPart).filter(p => equals(p.device, key)).flatMap(p => [...p.docs.values()])]
    return docs.reduce((n, d) => n + d.lanes.reduce((m, l) => m + Number(l.seq), 0), 0)
  }
  return {
    revoked: targets.map(c => ({ deviceId: c.deviceId, label: c.label, keptEntries: kept(c.deviceKey) })),
    epoch,
    ...(epoch !== undefined ? { rotation: epochGeneration(epoch) } : {}),
    owed: vault.certs.state.owed.length > 0,
    walletPath: wallet?.path
  }
}
