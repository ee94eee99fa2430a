/**
 * A document's lanes in a cutoff record, as a list and as a run (crdt/SPEC.md §Cutoff, version 2):
 * shared by the signed cutoff (cutoff.ts) and its parts (cutoff-part.ts).
 */
import { InvalidCertificateError } from '../errors.js'
import type { DocCutoff as PbDocCutoff } from './pb/certificate.js'

/** Lanes of one document in a version 2 cutoff or a part, run and list each (the record's byte bound holds too). */
export const MAX_CUTOFF_LANES = 65536

export interface DocCutoff {
  readonly doc: Uint8Array
  readonly lanes: ReadonlyArray<{ lane: number, seq: bigint }>
}

/**
 * A document's lanes as version 2 writes them: a run from its lowest lane to its highest when
 * they are dense (lanes open one per crash, in order), at most twice as many slots as lanes;
 * otherwise the list (lanes picked at random above the highest, after a restore, are sparse).
 */
export function encodeRun (d: DocCutoff): PbDocCutoff {
  const doc = d.doc as Uint8Array<ArrayBuffer>
  const sorted = [...d.lanes].sort((x, y) => x.lane - y.lane)
  if (sorted.length === 0) return { doc, lanes: [], firstLane: 0, seqs: [] }
  const first = sorted[0]?.lane as number
  const span = (sorted[sorted.length - 1]?.lane as number) - first + 1
  if (span > 2 * sorted.length || span > MAX_CUTOFF_LANES) return { doc, lanes: sorted.map(l => ({ lane: l.lane, seq: l.seq })), firstLane: 0, seqs: [] }
  const seqs = new Array<bigint>(span).fill(0n)
  for (const l of sorted) if (seqs[l.lane - first] as bigint < l.seq) seqs[l.lane - first] = l.seq
  return { doc, lanes: [], firstLane: first, seqs }
}

/** Run and list of a version 2 document, as one list (a lane in both: the higher seq; 0: none); throws on a malformed one. */
export function decodeRun (d: PbDocCutoff): Array<{ lane: number, seq: bigint }> {
  if (d.doc.byteLength !== 32 || d.lanes.length > MAX_CUTOFF_LANES || d.seqs.length > MAX_CUTOFF_LANES || d.firstLane + d.seqs.length > 0xffffffff + 1) throw new InvalidCertificateError('cutoff names a malformed document')
  const by = new Map<number, bigint>()
  const note = (lane: number, seq: bigint): void => { if (seq > 0n && (by.get(lane) ?? 0n) < seq) by.set(lane, seq) }
  d.seqs.forEach((seq, i) => { note(d.firstLane + i, seq) })
  for (const l of d.lanes) note(l.lane, l.seq)
  return [...by].map(([lane, seq]) => ({ lane, seq }))
}
