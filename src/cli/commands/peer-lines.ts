/**
 * How a peer and its transfers read on a terminal: one line per peer (state, how found, round
 * trip, how far each side is behind) and one per transfer in flight. `mesh peers`, `mesh status`
 * and `mesh join`'s progress lines share them.
 */
import type { z } from 'zod'
import type { PeerSchema } from '../../api/schema-node.js'
import { megabytes as mb, sizeWords, type ProgressEvent } from '../../node/progress.js'
import { localTime } from '../context.js'
import { plural } from '../wording.js'
import { oneLine } from '../printable.js'

type Peer = z.infer<typeof PeerSchema>

/** One transfer's progress as a line: bytes and entries done of total, rate and time left. */
export function formatProgress (p: Omit<ProgressEvent, 'etaMs' | 'type' | 'ended'> & { etaMs?: number, ended?: boolean }): string {
  const arrow = p.direction === 'in' ? `from ${oneLine(p.label)}` : `to ${oneLine(p.label)}`
  const pct = p.bytesTotal > 0 ? Math.floor(p.bytesDone * 100 / p.bytesTotal) : 100
  const entries = p.entriesTotal > 0 ? `, ${p.entriesDone} of ${plural(p.entriesTotal, 'entry', 'entries')}` : ''
  // Cut off before it was done (the connection or the node went): what arrived stays, the rest follows.
  if (p.done && p.ended === true) return `stopped       ${p.doc} ${arrow} at ${pct}% (${mb(p.bytesDone)} of ${mb(p.bytesTotal)}${entries}): it continues from there when the two sync again`
  // The whole size, small or big (a short document is not `0.0 MB`).
  if (p.done) return `${p.direction === 'in' ? 'received' : 'sent'}      ${p.doc} ${arrow}: ${sizeWords(p.bytesTotal)}${entries}${p.resumedFrom > 0 ? ` (resumed from ${sizeWords(p.resumedFrom)})` : ''}`
  const eta = p.etaMs !== undefined ? `, ${Math.ceil(p.etaMs / 1000)} s left` : ''
  return `${p.direction === 'in' ? 'receiving' : 'sending  '}     ${p.doc} ${arrow}: ${pct}% (${mb(p.bytesDone)} of ${mb(p.bytesTotal)}${entries}), ${mb(p.rateBps)}/s${eta}`
}

/** Entries per document, those with any: `agent:main:fix-login (6 entries), …`. */
const counted = (of: Record<string, number>): string => Object.entries(of).filter(([, n]) => n > 0).map(([d, n]) => `${d} (${plural(n, 'entry', 'entries')})`).join(', ')

/** Where the two sides stand: when an offline peer was last seen, in sync, or what each lacks and what is in flight. */
export function syncState (p: Peer): string {
  // Its state says offline already; when it was last here says more.
  if (p.state !== 'connected') {
    const seen = p.lastSeen !== undefined && p.lastSeen > 0 ? `last seen ${localTime(p.lastSeen)}` : 'never seen'
    return p.lastDialFailed !== undefined ? `${seen}; not reachable at ${localTime(p.lastDialFailed.at)}: ${p.lastDialFailed.error}` : seen
  }
  if (p.incompatible !== undefined) return `nothing syncs: ${p.incompatible}`
  if (p.inSync) return 'in sync'
  const behind = Object.entries(p.behind).filter(([, n]) => n > 0).map(([d, n]) => {
    const flying = Math.min(n, p.inFlight[d] ?? 0)
    return `${d} (${plural(n, 'entry', 'entries')}${flying > 0 ? `, ${flying === n ? (n === 1 ? 'it is' : 'all') : flying} in flight` : ''})`
  }).join(', ')
  const lacking = counted(p.lacking)
  return [
    p.diskFull ? 'its disk is full (it takes no writes)' : '',
    (p.diverged?.length ?? 0) > 0 ? `content differs: ${p.diverged?.join(', ') ?? ''} (see mesh doctor)` : '',
    behind !== '' ? `it lacks: ${behind}` : '',
    lacking !== '' ? `we lack: ${lacking}` : '',
    p.transfers.length > 0 ? 'transferring' : ''
  ].filter(x => x !== '').join('; ') || 'catching up'
}

/** The peer's line, then a line per transfer in flight (indented). */
export function peerLines (p: Peer): string[] {
  return [
    `${oneLine(p.label)}\t${p.peerId}\t[${p.capabilities.join(', ')}]\t${p.state}\tvia ${p.via}${p.rttMs !== undefined ? `\trtt ${p.rttMs} ms` : ''}\t${syncState(p)}`,
    ...p.transfers.map(t => `\t${formatProgress(t)}`)
  ]
}
