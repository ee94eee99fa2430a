/** The node area of the in-process API: this device's status, stopping the daemon, and the peers. */
import { equals, isExpired } from '../identity/index.js'
import { diskReport } from '../node/disk-report.js'
import { capabilitiesOf, PeerBook } from '../node/peer-book.js'
import type { Handlers, LocalContext } from './local-context.js'
import { transferView } from './local-events.js'

export function nodeHandlers (ctx: LocalContext): Handlers<'node.status' | 'node.stop' | 'peers.list'> {
  return {
    'node.status': async () => {
      const s = await ctx.vault.status()
      const node = ctx.node
      const v = ctx.vault.vault
      const mine = v.identity.certificate
      const newest = v.certs.get(v.identity.device.publicKey)
      const revoked = v.certs.revocationOf(v.identity.device.publicKey)
      const owed = v.certs.state.owed
      // Asked of the disk itself, not only of the writes: without a daemon nothing was written yet.
      const { full, ...disk } = await diskReport(v.store, await v.snapshotsWaiting())
      const ro = v.readOnlyHome
      return {
        ...s,
        ...(ro !== undefined ? { readOnlyHome: { errno: String(ro.details.errno) } } : {}),
        setAside: await v.setAsideCounts(),
        diskFull: full,
        disk,
        ...(revoked !== undefined ? { revoked } : {}),
        ...(await notTaken(v)),
        // A revoked device is sent the registry only up to its revocation, so the rotation that
        // followed looks owed to it: it is none of its business, and it could not make it anyway.
        ...(owed.length > 0 && revoked === undefined ? { rotationOwed: { since: Math.min(...owed.map(o => o.at)), revokes: owed.length, here: v.writable } } : {}),
        certificate: {
          version: mine.version,
          writable: v.writable,
          expiresAt: mine.expiresAt,
          expired: isExpired(mine, Date.now(), 0),
          superseded: newest !== undefined && !equals(newest.bytes, mine.bytes)
        },
        daemon: {
          running: ctx.options.daemon !== undefined,
          pid: ctx.options.daemon?.pid,
          listen: node?.addresses() ?? [],
          peers: node?.provenCount() ?? 0,
          http: ctx.options.daemon?.http?.(),
          relay: node?.status().relay,
          relayVia: node?.status().relayVia
        }
      }
    },
    'node.stop': async () => {
      if (ctx.options.onStop === undefined) return { stopping: false }
      setImmediate(() => ctx.options.onStop?.())
      return { stopping: true }
    },
    'peers.list': async (input) => {
      if (ctx.node !== undefined) {
        const peers = await ctx.node.peers({ rtt: input.rtt })
        return peers.map(p => ({ ...p, via: String(p.via), transfers: p.transfers.map(transferView) }))
      }
      const book = new PeerBook(ctx.vault.info().home)
      await book.load()
      return book.list().map(p => ({ peerId: p.peerId, label: p.label, capabilities: capabilitiesOf(p, ctx.vault.vault.certs), addrs: p.addrs, connections: [], via: 'remembered', state: 'offline' as const, behind: {}, inFlight: {}, lacking: {}, inSync: false, diskFull: false, transfers: [], lastSeen: p.lastSeen }))
    }
  }
}

/** A revoked device's own entries that no other device takes (node.status `notTaken`), when there are any. */
async function notTaken (v: LocalContext['vault']['vault']): Promise<{ notTaken?: { entries: number, documents: string[] } }> {
  const w = await v.notTaken()
  return w !== undefined && w.entries > 0 ? { notTaken: w } : {}
}
