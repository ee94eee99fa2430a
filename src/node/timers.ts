/**
 * The node's one-shot timers, cleared together by MeshNode.stop(): every delayed step of the node
 * and of its collaborators (a yielded dial, a redial's back-off, a reopened sync, a report waiting
 * for a name) is scheduled here, so that nothing they scheduled runs after the node stopped.
 */
export class Timers {
  private readonly pending = new Set<ReturnType<typeof setTimeout>>()

  /** Runs `fn` once in `ms`, unless cancelled or cleared first. */
  after (ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(() => { this.pending.delete(t); fn() }, ms)
    this.pending.add(t)
    return t
  }

  cancel (t: ReturnType<typeof setTimeout>): void {
    clearTimeout(t)
    this.pending.delete(t)
  }

  clear (): void {
    for (const t of this.pending) clearTimeout(t)
    this.pending.clear()
  }
}
