/**
 * What of a store may be handed to a peer now: the registry's load rule (crdt/SPEC.md, Admission;
 * certs.ts) applied to what is served. An entry or snapshot the registry now refuses (its author
 * revoked beyond its cutoff, made read-only, its certificate no longer governing) is held back and
 * logged, so nothing accepted before a change of membership is forwarded after it. A member's vault
 * and a blind mirror serve by this one rule.
 */
import { logger } from '@libp2p/logger'
import { parseStreamKey, parseTrustedEntry } from '../identity/index.js'
import type { CertRegistry } from './certs.js'

const log = logger('mesh:node:serving')

type Judge = Pick<CertRegistry, 'restricting' | 'judgeUpdate' | 'judgeSnapshot' | 'judgeSlot'>

/** Stored entries as they may be handed to a peer: one the load rule now refuses is held back. */
export async function * servable (certs: Judge, entries: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const bytes of entries) {
    if (certs.restricting) {
      try {
        certs.judgeUpdate(parseTrustedEntry(bytes), { at: 'load' })
      } catch (err) {
        log('stored entry held back from a peer: %e', err)
        continue
      }
    }
    yield bytes
  }
}

/** Whether a stored snapshot may be offered to a peer: the rule of servable(), for snapshots. */
export function servesSnapshot (certs: Judge, h: { author: Uint8Array, doc: Uint8Array, seq: bigint, epoch: number }): boolean {
  if (!certs.restricting) return true
  try {
    certs.judgeSnapshot(h, { at: 'load' })
    return true
  } catch (err) {
    log('stored snapshot held back from a peer: %e', err)
    return false
  }
}

/**
 * Which stored entries of a document may be handed to a peer, by their slots alone (lane key as
 * `streamKey` gives it, seq): the rule of servable() without reading an entry. Undefined while no
 * certificate restricts anything, so a catch-up's totals count exactly what servable() will yield.
 */
export function servesSlots (certs: Judge, doc: Uint8Array): ((key: string, seq: number) => boolean) | undefined {
  if (!certs.restricting) return undefined
  // Every author is judged, as servable() judges every entry (an author whose certificate no
  // longer governs is refused too, not only one revoked or cut off).
  const slots = new Map<string, { author: Uint8Array, lane: number }>()
  return (key, seq) => {
    let slot = slots.get(key)
    if (slot === undefined) { slot = parseStreamKey(key); slots.set(key, slot) }
    try {
      certs.judgeSlot(slot.author, doc, slot.lane, BigInt(seq))
      return true
    } catch {
      return false // refused by the load rule: not served (servable() logs it when the entry is read)
    }
  }
}
