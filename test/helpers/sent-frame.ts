/**
 * What a test stream's send() was handed, as the sync message it frames: a varint length, then
 * that many bytes; a large frame comes as its prefix and body side by side
 * (protocols/sync/frames.ts framePieces).
 */
import type { Uint8ArrayList } from 'uint8arraylist'
import { SyncMessage } from '../../protocols/sync/pb/sync.js'

export function sentFrame (data: Uint8Array | Uint8ArrayList): SyncMessage {
  const bytes = data instanceof Uint8Array ? data : data.subarray()
  let len = 0; let shift = 0; let i = 0
  for (;;) { const b = bytes[i++] as number; len += (b & 0x7f) * 2 ** shift; shift += 7; if ((b & 0x80) === 0) break }
  return SyncMessage.decode(bytes.subarray(i, i + len))
}
