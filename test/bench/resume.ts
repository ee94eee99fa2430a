/** Waiting, as `mesh resume` does, until a node holds a whole session. */
import type { MeshNode, NodeEvent } from '../../src/node/mesh.js'
import type { MeshVault } from '../../src/sdk/index.js'

/**
 * Resolves once session `key` on this vault holds `n` messages, checked each time the node
 * reports it synced that session (a busy poll opening the session would share the event loop
 * with the transfer it waits on). A check that is under way when another report arrives runs
 * once more after it. While the node says the session is still arriving (a snapshot of it in
 * flight), the check waits for that to end instead of opening it: an entry of the session stored
 * before its snapshot is reported synced too, and opening the session then loaded what was
 * there (~0.1 s on the 2-core machine, beside the snapshot's own checks) to find it incomplete.
 */
export async function untilSessionHolds (vault: MeshVault, node: MeshNode, key: string, n: number, timeoutMs = 120_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  let onEvent: ((e: NodeEvent) => void) | undefined
  try {
    await new Promise<void>((resolve, reject) => {
      let checking = false
      let again = false
      const check = async (): Promise<void> => {
        if (checking) { again = true; return }
        checking = true
        try {
          do {
            again = false
            while (node.arriving(key) !== undefined) await new Promise(resolve => setTimeout(resolve, 5))
            if (!(await vault.sessions.exists(key))) continue
            const s = await vault.sessions.open(key)
            try { if (s.messages().length === n) { resolve(); return } } finally { await s.close() }
          } while (again)
        } catch (err) { reject(err) } finally { checking = false }
      }
      onEvent = e => { if (e.type === 'synced' && e.doc === key) void check() }
      node.on('event', onEvent)
      timer = setTimeout(() => { reject(new Error(`session ${key} did not reach ${n} messages within ${timeoutMs} ms`)) }, timeoutMs)
    })
  } finally {
    clearTimeout(timer)
    if (onEvent !== undefined) node.off('event', onEvent)
  }
}
