/**
 * The approver's side of pairing as two API calls, so that a person can review between them:
 * `devices.approve` finds the device and runs the PAKE, then holds the run (for at most the time
 * the new device waits) until `devices.decide` grants or refuses it. Nothing is issued before.
 */
import { randomBytes } from 'node:crypto'
import type { AbortOptions, PeerId } from '@libp2p/interface'
import { AbortedError, NotAdminError, NotFoundError, PairingFailedError } from '../errors.js'
import { bitsToCaps, deviceIdFromKey } from '../identity/index.js'
import { shortFingerprint } from '../identity/pair-code.js'
import type { Found } from '../node/pair-find.js'
import { approveRequest, capabilitiesFor, KEY_REVOKED_REASON, roleAsked, type Role } from '../node/pair-grant.js'
import { adminCertificate } from '../node/registry-ops.js'
import { refuseNothingToLookWith, type LookingWith } from '../node/pair-look.js'
import type { MeshNode } from '../node/mesh.js'
import type { Vault } from '../node/vault.js'
import type { Input, Output } from './schema.js'

/** Under the new device's 5 minutes: a run not decided by then is dropped here first. */
const HOLD_MS = 4 * 60_000

/**
 * A device that may not approve, told where to instead. The CLI's words follow the refusal's own
 * CLI hint (how to make this device an admin), which an agent has no use for.
 */
function elsewhere (err: NotAdminError): NotAdminError {
  const own = err.message.slice(err.fact.length)
  return new NotAdminError(err.fact, err.details, {
    cause: err,
    hint: {
      sep: '',
      cli: `${own}: approve the code on an admin device (\`mesh devices\` marks them [admin]); the new machine's code is still good`,
      mcp: ': a person approves the code on an admin device (the devices tool lists the admin capability of each); the new machine\'s code is still good'
    }
  })
}

interface Held { found: Found, role: Role, timer: ReturnType<typeof setTimeout>, off: () => void }

/** Runs whose device went away before the decision, remembered for the decision that follows. */
const MAX_ENDED = 16

export class Approvals {
  private readonly held = new Map<string, Held>()
  private readonly ended = new Map<string, string>()

  constructor (private readonly vault: Vault, private readonly node?: MeshNode) {}

  /**
   * `client`: aborts when the caller is gone (a Ctrl-C at the question). The run is then ended at
   * once, so the new device burns its code and shows a fresh one instead of waiting minutes.
   */
  async approve (input: Input<'devices.approve'>, signal?: AbortSignal, client?: AbortSignal): Promise<Output<'devices.approve'>> {
    // A device that cannot enrol says so before the new device's code is used (and burnt), and
    // where to approve instead.
    try {
      adminCertificate(this.vault.identity, this.vault.certs)
    } catch (err) {
      if (err instanceof NotAdminError) throw elsewhere(err)
      throw err
    }
    // A search that could find nothing (no mDNS, nothing to dial or listen on, and no relay it may
    // ask) is refused before libp2p is loaded: at once, as the refusal above. Asked again by the
    // search, once whether a relay is known is (which only the loaded node can tell).
    const node = this.node
    const relayable = node !== undefined && input.relays !== false
    const { mdns, mdnsOff } = await this.mdnsFor(input.mdns)
    refuseNothingToLookWith(input.code, { mdns, mdnsOff, listen: input.listen, dial: input.dial, relays: relayable })
    // Loaded when a search starts: libp2p's modules cost every other command of the CLI ~0.3 s to load.
    const { findCandidate, knowsRelay } = await import('../node/pair-find.js')
    // Across networks: the relays this node is connected to know the devices registered there.
    // Asked only when one is known (`--relay-via`, or a member met that serves the rendezvous):
    // "no relay" then is not "none registered yet", and a search with nothing else to look with
    // (no mDNS, nothing to dial or listen on) is refused at once instead of waiting out its minute.
    const relays = relayable && await knowsRelay(node.libp2p, node.config.relayVia)
      ? async (nameplate: string, dialer: PeerId, options: AbortOptions) => await node.pairingCandidates(nameplate, dialer, options)
      : undefined
    const found = await findCandidate({ code: input.code, mdns, mdnsOff, listen: input.listen, dial: input.dial, timeoutMs: input.timeoutMs, signal, ...(relays !== undefined ? { relays } : {}) }).catch((err: unknown) => {
      // Ended by the caller's signal: said as a call through the daemon says it (the caller's
      // timeout as one, `details.reason` 'timeout'), not as a pairing that failed.
      throw signal?.aborted === true ? AbortedError.bySignal('devices.approve', signal) : err
    })
    // Unless the approver names a role, the device gets what it asked for (a `mesh pair
    // --read-only` is not granted write by a plain approve).
    const role: Role = input.role ?? roleAsked(found.run.request.capabilities)
    const id = randomBytes(8).toString('hex')
    const timer = setTimeout(() => { void this.drop(id, 'not decided in time') }, HOLD_MS)
    const gone = (): void => { void this.drop(id, 'the approver went away before deciding') }
    // The new device stopped, timed out or lost its connection during the review: the run is
    // dropped at once, and a decision after it says so (nothing is enrolled).
    const left = (): void => { this.remember(id, 'the new device went away during the review'); void this.drop(id, 'the new device went away') }
    client?.addEventListener('abort', gone, { once: true })
    found.run.gone.addEventListener('abort', left, { once: true })
    this.held.set(id, { found, role, timer, off: () => { client?.removeEventListener('abort', gone); found.run.gone.removeEventListener('abort', left) } })
    if (client?.aborted === true) gone()
    else if (found.run.gone.aborted) left()
    const r = found.run.request
    const deviceId = deviceIdFromKey(r.device)
    return {
      pairing: id,
      label: r.label,
      claims: { hostname: r.hostname, os: r.os, arch: r.arch, meshVersion: r.meshVersion },
      deviceId,
      fingerprint: shortFingerprint(deviceId),
      address: found.address.replace(/\/p2p\/[^/]+$/, ''),
      via: found.via,
      ...(found.seen !== undefined ? { seenFrom: found.seen.replace(/\/p2p\/[^/]+$/, '') } : {}),
      requested: bitsToCaps(r.capabilities),
      granting: capabilitiesFor(role),
      clockSkewMs: Number(r.clock) - Date.now()
    }
  }

  /**
   * Whether the search may multicast: never when the caller says no (`--no-mdns`), nor when this
   * device's setting says no: the running node's (`mesh join --no-mdns`, or its config.json), or,
   * with no daemon, the home's config.json `mdns` (default on). A person who turned mDNS off for
   * this device is not searched for on the LAN by an approve that left the flag out.
   */
  private async mdnsFor (asked: boolean | undefined): Promise<{ mdns: boolean, mdnsOff?: LookingWith['mdnsOff'] }> {
    if (asked === false) return { mdns: false, mdnsOff: { by: 'caller' } }
    if (this.node !== undefined) return this.node.config.mdns ? { mdns: true } : { mdns: false, mdnsOff: { by: 'daemon' } }
    const { readConfig } = await import('../node/config.js')
    if ((await readConfig(this.vault.home)).mdns !== false) return { mdns: true }
    const { homePath } = await import('../store/index.js')
    return { mdns: false, mdnsOff: { by: 'config', file: homePath(this.vault.home, 'config') } }
  }

  async decide (input: Input<'devices.decide'>, signal?: AbortSignal): Promise<Output<'devices.decide'>> {
    const h = this.held.get(input.pairing)
    const ended = this.ended.get(input.pairing)
    if (h === undefined && ended !== undefined) {
      this.ended.delete(input.pairing)
      throw new PairingFailedError(`pairing ${input.pairing} ended before the decision: ${ended}; nothing was granted`, { reason: 'gone', pairing: input.pairing }, {
        hint: { sep: ' ', cli: '(start `mesh pair` on it again and approve its new code)', mcp: '(have the new machine start pairing again, and approve its new code)' }
      })
    }
    if (h === undefined) throw new NotFoundError(`no pairing ${input.pairing} waits for a decision`, { pairing: input.pairing }, {
      hint: { sep: ' ', cli: '(it may have timed out: run `mesh devices approve` again)', mcp: '(it may have timed out: a person approves the code the new machine shows again, on an admin device)' }
    })
    this.held.delete(input.pairing)
    clearTimeout(h.timer)
    h.off()
    const r = h.found.run.request
    const deviceId = deviceIdFromKey(r.device)
    try {
      if (!input.approve) {
        await h.found.run.decide({ approved: false, reason: 'the owner refused' }, { signal })
        return { approved: false, deviceId, label: r.label, capabilities: [] }
      }
      // Enrolled only while the device can still receive its grant: a device that went away
      // would be listed in the vault without ever holding its keys.
      if (h.found.run.gone.aborted) throw new PairingFailedError('the new device went away during the review; nothing was granted', { reason: 'gone' })
      // A key this mesh revoked never comes back (a machine paired again after a pairing that
      // stopped part-way asks with the key it was granted then): refused, and it asks again with
      // a new key, which its next code carries.
      if (this.vault.certs.isRevokedDevice(deviceId)) {
        await h.found.run.decide({ approved: false, reason: KEY_REVOKED_REASON }, { signal })
        throw new PairingFailedError(`'${r.label}' asked with a device key this mesh revoked (${deviceId}): refused, nothing granted. It shows a new code for a new key: approve that one`, { reason: 'revoked', deviceId })
      }
      const bootstrap = (this.node?.addresses() ?? []).filter(a => a.includes('/p2p/'))
      const { grant, certificate } = await approveRequest(this.vault, r, { role: h.role, transcript: h.found.run.transcript, bootstrap })
      try {
        await h.found.run.decide({ approved: true, grant }, { signal })
      } catch (err) {
        // It went in the instant between: enrolled, never keyed. Said so, with what to do.
        throw new PairingFailedError(`'${certificate.label}' was enrolled, but its grant could not be sent (${(err as Error)?.message ?? String(err)}): it holds no keys; revoke it and pair again`, { reason: 'gone', deviceId }, {
          cause: err,
          hint: { sep: ' ', cli: `(\`mesh devices revoke ${deviceId}\`)`, mcp: '(revoke that device, then have the new machine pair again)' }
        })
      }
      return { approved: true, deviceId, label: certificate.label, capabilities: [...certificate.capabilities] }
    } catch (err) {
      h.found.run.abort(err as Error)
      throw err
    } finally {
      await h.found.close()
    }
  }

  private remember (id: string, why: string): void {
    if (this.ended.size >= MAX_ENDED) this.ended.delete(this.ended.keys().next().value as string)
    this.ended.set(id, why)
  }

  private async drop (id: string, why: string): Promise<void> {
    const h = this.held.get(id)
    if (h === undefined) return
    this.held.delete(id)
    clearTimeout(h.timer)
    h.off()
    h.found.run.abort(new PairingFailedError(why, { reason: 'timeout' }))
    await h.found.close()
  }

  async close (): Promise<void> {
    for (const id of [...this.held.keys()]) await this.drop(id, 'the approver stopped')
  }
}
