/**
 * The approver's side of pairing by code (protocols/pair/SPEC.md): it runs a pairing node of its
 * own under a throw-away PeerId (a member's PeerId would tell a hostile "candidate" who is a
 * member), finds candidates by mDNS, by their inbound connection, by the addresses it is given to
 * dial or through members' relays, and runs the PAKE with each until one knows the code.
 * The new device's side is node/pair.ts.
 *
 * @example
 * const found = await findCandidate({ code: 'K7QM-2XDF' })   // on the trusted device
 * show(found.run.request, found.address); await found.run.decide({ approved: true, grant })
 */
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, Connection, Libp2p, PeerId, PeerInfo } from '@libp2p/interface'
import { beginPairing, PAIR_PROTOCOL, UNSAFE_TEXT, type PairingRun } from '../../protocols/pair/index.js'
import { PAIR_RENDEZVOUS_PROTOCOL } from '../../protocols/pair/rendezvous.js'
import { messageTime, PairingFailedError } from '../errors.js'
import { normalizeCode } from '../identity/pair-code.js'
import { pairNode, QUERY_MS, VIA_RETRY_MS } from './pair-node.js'
import { refuseNothingToLookWith, type LookingWith } from './pair-look.js'
import type { RelayedCandidate } from './pair-relay.js'

const log = logger('mesh:node:pair')

/** The approver gives up on a code after this many devices refused its nameplate or were busy. */
const MAX_CANDIDATES = 32
/**
 * PAKE runs one search may start with the code its owner typed (MEMBERSHIP-DESIGN §2.3: T tries
 * at most 3 candidates). Each run hands whoever answers one guess at that code, testable offline
 * against T's tag, so runs are counted apart from devices that refused the Hello (those saw only
 * the nameplate). A run that does not confirm ends the search, so more than one are started only
 * when several devices under the nameplate answer at once.
 */
export const MAX_PAKE_RUNS = 3
/**
 * The short search: a device pairing on the LAN answers mDNS within a few queries. After this long
 * with no device showing the code, the approver says so and why instead of waiting out the timeout,
 * when nothing else can come: only other codes answered (a mistyped code), or it looks by mDNS alone.
 */
export const SEARCH_MS = 10_000
/**
 * Pairing across networks, the end of a not-found's hint: the CLI's flags for a person at both
 * machines, or the same in words (the approval's `listen` and `dial`), for a front-end without them.
 */
const ACROSS_NETWORKS = {
  cli: 'run `mesh pair --via ADDR` there and approve with --listen ADDR, or approve with --dial and the address `mesh pair` prints',
  mcp: 'start its pairing through an address this device listens on, or have the approval dial the address the new machine prints'
} as const

/**
 * A dial the device took and then cut before the handshake ended: what a pairing device does to
 * an address it refuses for a while after wrong codes or probes from it (pair-guard.ts), which
 * otherwise reads as a network fault. Seen, as the race between the device's close and this
 * side's handshake goes, as the TCP connect itself reset (a port nothing listens on is refused,
 * ECONNREFUSED, not reset), or as the handshake failing on a reset, on an end of the stream, or
 * with no reason at all (libp2p's bare "Encryption failed").
 */
function cutBeforeAsked (err: unknown): boolean {
  const e = err as { name?: string, message?: string, code?: string, syscall?: string } | undefined
  if (e?.code === 'ECONNRESET' && e?.syscall === 'connect') return true
  return e?.name === 'EncryptionFailedError' && /ECONNRESET|EPIPE|Unexpected EOF|^Encryption failed$/.test(e.message ?? '')
}
/** Said with `refused`: the device will not take this address's approval before a while (pair-guard.ts). */
/**
 * Said when a device dialed answered and shows another code: the code is read again from its
 * screen (a wrong try burns a code and shows a new one; a code expires), and the address is the
 * one that run of `mesh pair` printed (each run listens anew).
 */
const DIALED_HINT = {
  sep: '. ',
  cli: 'Check the code against the device\'s screen: a wrong try or the code\'s expiry shows a new one there. Check the address is one that `mesh pair` printed in its run now (each run listens on new ports)',
  mcp: 'Check the code against the new machine\'s screen: a wrong try or the code\'s expiry shows a new one there; and that the address is one its pairing printed in the run now'
} as const

const REFUSED_HINT = {
  sep: '. ',
  cli: 'The device took the connection and closed it: a pairing device does so for a minute to an address that tried wrong codes (its `mesh pair` then says "refusing it until …"). Check the code on its screen and approve again once that time is past',
  mcp: 'The device took the connection and closed it: a pairing device does so for a minute to an address that tried wrong codes (the new machine says until when). Check the code on its screen and approve again once that time is past'
} as const

/**
 * Whether this member knows a relay a device being paired could have registered at: one it holds
 * a reservation on (`--relay-via`), or a member it met that serves the pairing rendezvous. Without
 * one, asking relays (FindOptions.relays) can find nothing, now or later in the search.
 */
export async function knowsRelay (node: Pick<Libp2p, 'peerStore'>, relayVia: readonly string[]): Promise<boolean> {
  if (relayVia.length > 0) return true
  const relays = await node.peerStore.all({ filters: [p => p.protocols.includes(PAIR_RENDEZVOUS_PROTOCOL)], limit: 1 }).catch(() => [])
  return relays.length > 0
}

export interface FindOptions extends AbortOptions {
  code: string
  /**
   * Asks members' relays for devices registered under the code's nameplate (MeshNode.pairingCandidates);
   * `dialer` is this search's throw-away PeerId, the only one the relay then lets reach them.
   * Given only when a relay is known (knowsRelay): with no way to look otherwise (no mDNS, nothing
   * to dial or listen on), the search is refused at once.
   */
  relays?: (nameplate: string, dialer: PeerId, options: AbortOptions) => Promise<RelayedCandidate[]>
  /** Find candidates by mDNS. @default true */
  mdns?: boolean
  /** Also listen here for candidates started with `--via` pointing at this address. */
  listen?: string[]
  /** Dial these candidate addresses (with /p2p/) as well. */
  dial?: string[]
  /** What turned mDNS off, for the refusal's words when nothing else is there to look with. */
  mdnsOff?: LookingWith['mdnsOff']
  /** Give up after this long. @default 60000 */
  timeoutMs?: number
  /** Called with the addresses the approver listens on, once it does. */
  onListening?: (addrs: string[]) => void
  /** The short search (SEARCH_MS) before saying no device shows the code. @default SEARCH_MS */
  searchMs?: number
  /** The clock the short search is measured by (tests inject one). @default Date.now */
  clock?: () => number
}

export interface Found {
  run: PairingRun
  /** The throw-away PeerId of the new device's pairing node. */
  peerId: string
  /** Where it was reached: the connection's remote address. */
  address: string
  via: 'mdns' | 'inbound' | 'dial' | 'relay'
  /** Through a relay: the address the relay saw the device register from (its network's public address). */
  seen?: string
  close: () => Promise<void>
}

/**
 * Finds the device showing `code` and runs the PAKE with it. Devices whose nameplate differs
 * (or busy, or paired already) are skipped at no cost to them; a device that knows another code
 * with the same nameplate burns it (a wrong guess), and this ends the search with `wrong-code`:
 * the owner reads the new code on the device. So does any run that does not confirm once this
 * side's share was sent, whatever the other end answers then, and at most MAX_PAKE_RUNS runs are
 * started: a hostile "device" gets one guess at the typed code, not one per connection. Throws
 * PairingFailedError `not-found` after the timeout; INVALID_INPUT at once when it has nothing to
 * look with (no mDNS, no address to dial or listen on, no relay).
 */
export async function findCandidate (o: FindOptions): Promise<Found> {
  const code = normalizeCode(o.code)
  const display = `${code.slice(0, 4)}-${code.slice(4)}`
  // Nothing could ever answer: said now, with what to pass, not after the whole timeout.
  refuseNothingToLookWith(code, { mdns: o.mdns, mdnsOff: o.mdnsOff, listen: o.listen, dial: o.dial, relays: o.relays !== undefined })
  const { node } = await pairNode({ listen: o.listen ?? [], mdns: o.mdns ?? true, relay: o.relays !== undefined })
  const tried = new Set<string>()
  // Relays dialed for a circuit enter the peer store, which announces them as discovered: never candidates.
  const relayPeers = new Set<string>()
  let settled = false
  let resolveFound!: (f: Found) => void
  let rejectFound!: (e: Error) => void
  const found = new Promise<Found>((resolve, reject) => { resolveFound = resolve; rejectFound = reject })
  const close = async (): Promise<void> => { await node.stop() }
  const seenAt = new Map<string, string>()
  let pakeRuns = 0
  const beforeGuess = (): void => {
    if (settled) throw new PairingFailedError('the search is over', { reason: 'limit' })
    if (pakeRuns >= MAX_PAKE_RUNS) throw new PairingFailedError(`${MAX_PAKE_RUNS} exchanges with this code are under way already`, { reason: 'limit' })
    pakeRuns++
  }
  const attempt = async (conn: Connection, via: Found['via']): Promise<void> => {
    const id = conn.remotePeer.toString()
    if (settled || tried.has(id) || relayPeers.has(id)) return
    tried.add(id)
    if (tried.size > MAX_CANDIDATES) { fail(new PairingFailedError(`no device showing ${display} among ${MAX_CANDIDATES} answering`, { reason: 'not-found' })); return }
    try {
      const stream = await conn.newStream(PAIR_PROTOCOL, { signal: o.signal, runOnLimitedConnection: true })
      const run = await beginPairing(stream, { local: node.peerId, remote: conn.remotePeer }, code, { signal: o.signal, beforeGuess })
      if (settled) { run.abort(new PairingFailedError('another device answered first', { reason: 'busy' })); return }
      settled = true
      const seen = seenAt.get(id)
      resolveFound({ run, peerId: id, address: conn.remoteAddr.toString(), via, ...(seen !== undefined && seen !== '' ? { seen } : {}), close })
    } catch (err: any) {
      const reason = err?.details?.reason
      // Refused at the Hello (no PAKE ran, nothing about the code left this device): not this
      // device (another nameplate), or it is busy with someone else: keep looking.
      if (reason === 'nameplate' || reason === 'done') { log('%p: %s', conn.remotePeer, reason); others++; return }
      if (reason === 'busy') {
        tried.delete(id); busy++
        const ms = err?.details?.retryMs
        if (typeof ms === 'number') busyUntil = Math.max(busyUntil ?? 0, Date.now() + ms)
        return
      }
      // Runs enough under way: one of them ends the search either way.
      if (reason === 'limit') { log('%p: not tried: %s', conn.remotePeer, err?.message); return }
      // Anything after this device's share went out (wrong-code included) ends the search: the
      // code typed was spent on a guess, and is never offered to this peer or another again.
      fail(err?.code === 'PAIRING_FAILED' || err?.code === 'INVALID_INPUT' ? err : new PairingFailedError(`the device at ${conn.remoteAddr.toString()} ended the run: ${err?.message ?? err}`, { reason: 'refused' }, { cause: err }))
    }
  }
  const fail = (err: Error): void => { if (settled) return; settled = true; rejectFound(err) }
  // Devices that answered but show another code (or are paired already): a mistyped code's sign.
  let others = 0
  // Answers of BUSY: a run under way there, or new runs paused after codes burned fast.
  let busy = 0
  // When the device that answered BUSY said it takes new runs again (its clock's wait, on ours).
  let busyUntil: number | undefined
  const clock = o.clock ?? Date.now
  const began = clock()
  const searchMs = o.searchMs ?? SEARCH_MS
  const mdnsOnly = (o.mdns ?? true) && (o.listen ?? []).length === 0 && (o.dial ?? []).length === 0
  const search = setInterval(() => {
    // A device that answered BUSY is there: its run or its pause ends, and it is asked again.
    if (settled || clock() - began < searchMs || busy > 0) return
    if (others > 0) {
      const check = `Check the code against the device's screen (its first two characters, ${display.slice(0, 2)}, pick the device)`
      // Looked for across networks already (an address to dial or listen on): the network is not it.
      const direct = (o.dial ?? []).length > 0 || (o.listen ?? []).length > 0
      fail(new PairingFailedError(`no device here shows ${display}: ${others} device${others === 1 ? '' : 's'} pairing here show${others === 1 ? 's' : ''} another code`, { reason: 'not-found', others }, {
        hint: direct ? { sep: '. ', cli: check, mcp: check } : { sep: '. ', cli: `${check}; if the device is on another network, ${ACROSS_NETWORKS.cli}`, mcp: `${check}; if the device is on another network, ${ACROSS_NETWORKS.mcp}` }
      }))
    } else if (mdnsOnly) {
      const lan = 'Is it on this network (not a guest Wi-Fi or VPN), with mDNS (UDP 5353) allowed? Across networks, '
      fail(new PairingFailedError(`no device on this network shows ${display} (looked for ${Math.round(searchMs / 1000)} s by mDNS)`, { reason: 'not-found', others }, {
        hint: { sep: '. ', cli: `Is \`mesh pair\` still running on it, with this code on its screen? ${lan}${ACROSS_NETWORKS.cli}`, mcp: `Is the new machine still pairing, with this code on its screen? ${lan}${ACROSS_NETWORKS.mcp}` }
      }))
    }
  }, QUERY_MS)
  node.addEventListener('peer:discovery', (evt: CustomEvent<PeerInfo>) => {
    const p = evt.detail
    if (o.mdns === false || settled || tried.has(p.id.toString()) || relayPeers.has(p.id.toString())) return
    node.dial(p.multiaddrs.length > 0 ? p.multiaddrs : p.id as PeerId, { signal: o.signal }).then(conn => attempt(conn, 'mdns'), (err: unknown) => { log('cannot dial %p: %e', p.id, err) })
  })
  node.addEventListener('connection:open', (evt: CustomEvent<Connection>) => {
    if (evt.detail.direction === 'inbound') void attempt(evt.detail, 'inbound')
  })
  await node.start()
  o.onListening?.(node.getMultiaddrs().map(a => a.toString()))
  // Through relays: asked again every few seconds (the device may register after the search began).
  const relayTimers = new Set<ReturnType<typeof setTimeout>>()
  const asking = new Set<string>()
  const askRelays = (): void => {
    if (settled || o.relays === undefined) return
    o.relays(code.slice(0, 2), node.peerId, { signal: o.signal }).then(found => {
      for (const c of found) {
        if (settled || tried.has(c.peer) || asking.has(c.peer)) continue
        asking.add(c.peer)
        // Shown to the owner in the review: a relay's text with control characters is not shown at all.
        if (!UNSAFE_TEXT.test(c.seen)) seenAt.set(c.peer, c.seen)
        for (const a of c.addrs) relayPeers.add(a.split('/p2p-circuit')[0]?.split('/p2p/')[1] ?? '')
        node.dial(c.addrs.map(a => multiaddr(a)), { signal: o.signal }).then(conn => attempt(conn, 'relay'), (err: unknown) => { log('cannot reach %s through its relay: %e', c.peer, err) }).finally(() => { asking.delete(c.peer) })
      }
    }, (err: unknown) => { log('asking relays failed: %e', err) }).finally(() => {
      if (settled) return
      const t = setTimeout(() => { relayTimers.delete(t); askRelays() }, VIA_RETRY_MS)
      relayTimers.add(t)
    })
  }
  askRelays()
  // With only addresses to dial, nothing else can come: once each was tried, the search is over.
  const only = (o.mdns === false) && (o.listen ?? []).length === 0 && o.relays === undefined
  const dials = (o.dial ?? []).map(async a => {
    try {
      await attempt(await node.dial(multiaddr(a), { signal: o.signal }), 'dial')
    } catch (err) {
      // Cut off by the device itself: a reason of its own (a script retries later, not elsewhere).
      fail(cutBeforeAsked(err)
        ? new PairingFailedError(`cannot reach ${a}: ${(err as Error)?.message}`, { reason: 'refused' }, { cause: err, hint: REFUSED_HINT })
        : new PairingFailedError(`cannot reach ${a}: ${(err as Error)?.message}`, { reason: 'not-found' }, { cause: err }))
    }
  })
  // Once each address given was tried: with nothing else to look with the search is over, and a
  // device dialed that said it is busy (paused after codes burned) is said at once either way,
  // rather than waiting out the timeout on mDNS for a device that answered already.
  if ((o.dial ?? []).length > 0) {
    void Promise.all(dials).then(() => {
      if (!only && busy === 0) return
      const at = (o.dial ?? []).join(', ')
      fail(busy === 0
        ? new PairingFailedError(`no device at ${at} shows ${display}`, { reason: 'not-found' }, { hint: DIALED_HINT })
        // The device said when it takes new runs again (after codes burned fast): that time.
        : busyUntil !== undefined
          ? new PairingFailedError(`the device at ${at} is busy: it takes no new approval until ${messageTime(busyUntil)} (in about ${Math.max(1, Math.ceil((busyUntil - Date.now()) / 1000))} s; it pauses after codes were burned, and says so on its screen); approve again then, with the code it shows`, { reason: 'busy', retryAt: busyUntil })
          : new PairingFailedError(`the device at ${at} is busy: another approval is under way there, or it pauses new ones for a while after codes were burned (its screen says until when); approve again once that is past`, { reason: 'busy' }))
    })
  }
  const timer = setTimeout(() => {
    fail(new PairingFailedError(`no device showing ${display} answered within ${Math.round((o.timeoutMs ?? 60_000) / 1000)} s`, { reason: 'not-found' }, {
      hint: {
        sep: ' ',
        cli: '(is `mesh pair` running on it, on this network or with --via this device? Where mDNS does not reach it, another subnet or a network without a multicast route, pass one of the addresses `mesh pair` printed with --dial ADDR)',
        mcp: '(is the new machine still pairing, on this network or through this device? Where mDNS does not reach it, another subnet or a network without a multicast route, the approval dials one of the addresses the new machine printed)'
      }
    }))
  }, o.timeoutMs ?? 60_000)
  const onAbort = (): void => { fail(new PairingFailedError('pairing cancelled', { reason: 'aborted' })) }
  // Aborted while the pairing node started: no 'abort' event comes any more.
  if (o.signal?.aborted === true) onAbort()
  else o.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await found
  } catch (err) {
    await close()
    throw err
  } finally {
    clearTimeout(timer)
    for (const t of relayTimers) clearTimeout(t)
    clearInterval(search)
    o.signal?.removeEventListener('abort', onAbort)
  }
}
