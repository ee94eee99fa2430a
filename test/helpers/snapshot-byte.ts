/**
 * In-process hooks on a snapshot transfer between real nodes: a watch that fires as the receiver
 * takes a given byte of it, and a session big enough to travel as one snapshot.
 */
import type { TestNode } from './nodes.js'

/**
 * Calls `then` (synchronously) as B's vault takes the snapshot byte that crosses `bytes` of the
 * transfer (counting what a resume already held): a cut there lands mid-transfer, however fast
 * the transfer runs. One call per transfer: the rest of a transfer that fired goes unwatched,
 * so the next watch fires in the next transfer. The vault's own receiveSnapshot does the work.
 */
export function onSnapshotByte (b: TestNode): (bytes: number, then: (taken: number) => void) => void {
  const v = b.vault.vault
  const receive = v.receiveSnapshot.bind(v)
  let watch: { bytes: number, then: (taken: number) => void } | undefined
  v.receiveSnapshot = (header, offset = 0) => {
    const sink = receive(header, offset)
    let at = offset
    let fired = false
    return {
      ...sink,
      write: (piece) => {
        at += piece.byteLength
        if (!fired && watch !== undefined && at >= watch.bytes) { fired = true; const w = watch; watch = undefined; w.then(at) }
        return sink.write(piece)
      }
    }
  }
  return (bytes, then) => { watch = { bytes, then } }
}

/** `n` messages of ~1 KB in session `key` of A, closed: sealed as one snapshot, the entries it covers compacted away. */
export async function bigSession (a: TestNode, key: string, n: number): Promise<void> {
  const s = await a.vault.sessions.create(key)
  for (let i = 0; i < n; i += 50) await s.append(Array.from({ length: Math.min(50, n - i) }, (_, j) => ({ role: 'user' as const, content: `big ${i + j} ${'z'.repeat(900)}` })))
  await s.close()
}

/** Whether node `n` holds session `key` with `count` messages (the whole of what was sent). */
export async function holdsMessages (n: TestNode, key: string, count: number): Promise<boolean> {
  if (!(await n.vault.sessions.exists(key))) return false
  const s = await n.vault.sessions.open(key)
  try { return s.messageCount() === count } finally { await s.close() }
}
