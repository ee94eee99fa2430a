/**
 * Counts told at most once a window per key: the first at once, what comes within the window
 * added up and told when it ends (and the window opened again), nothing when nothing came.
 * `mesh join` tells entries synced this way: a catch-up of forty entries of one document is a
 * line or two, not forty.
 *
 * @example
 * const c = new Coalesce<string>(1000, (key, n) => { print(`${key}: +${n}`) })
 * c.add('doc-a', 1)   // told now
 * c.add('doc-a', 1)   // told with the others at the window's end
 * c.stop()            // tells what is pending; no timer is left
 */
export class Coalesce<K> {
  private readonly open = new Map<K, { pending: number, timer: ReturnType<typeof setTimeout> }>()

  constructor (private readonly windowMs: number, private readonly tell: (key: K, n: number) => void) {}

  add (key: K, n: number): void {
    const w = this.open.get(key)
    if (w !== undefined) { w.pending += n; return }
    this.tell(key, n)
    this.arm(key)
  }

  private arm (key: K): void {
    const timer = setTimeout(() => {
      const w = this.open.get(key)
      this.open.delete(key)
      if (w === undefined || w.pending === 0) return
      this.tell(key, w.pending)
      this.arm(key)
    }, this.windowMs)
    timer.unref?.()
    this.open.set(key, { pending: 0, timer })
  }

  /** Tells what is pending and clears every timer. */
  stop (): void {
    for (const [key, w] of this.open) {
      clearTimeout(w.timer)
      if (w.pending > 0) this.tell(key, w.pending)
    }
    this.open.clear()
  }
}
