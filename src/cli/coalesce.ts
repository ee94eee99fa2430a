/**
 * Counts told at most once a window per key: the first at once, what comes within the window
 * added up and told when it ends (and the window opened again), nothing when nothing came. Each
 * count comes with what it is about (`V`); a sum is told with the latest.
 * `mesh join` tells entries synced this way: a catch-up of forty entries of one document is a
 * line or two, not forty.
 *
 * @example
 * const c = new Coalesce<string, Synced>(1000, (e, n) => { print(`${e.doc}: +${n}`) })
 * c.add('doc-a', 1, e1)   // told now
 * c.add('doc-a', 1, e2)   // told with the others at the window's end (with e2)
 * c.stop()                // tells what is pending; no timer is left
 */
export class Coalesce<K, V> {
  private readonly open = new Map<K, { pending: number, about: V, timer: ReturnType<typeof setTimeout> }>()

  constructor (private readonly windowMs: number, private readonly tell: (about: V, n: number) => void) {}

  add (key: K, n: number, about: V): void {
    const w = this.open.get(key)
    if (w !== undefined) { w.pending += n; w.about = about; return }
    this.tell(about, n)
    this.arm(key, about)
  }

  private arm (key: K, about: V): void {
    const timer = setTimeout(() => {
      const w = this.open.get(key)
      this.open.delete(key)
      if (w === undefined || w.pending === 0) return
      this.tell(w.about, w.pending)
      this.arm(key, w.about)
    }, this.windowMs)
    timer.unref?.()
    this.open.set(key, { pending: 0, about, timer })
  }

  /** Tells what is pending and clears every timer. */
  stop (): void {
    for (const w of this.open.values()) {
      clearTimeout(w.timer)
      if (w.pending > 0) this.tell(w.about, w.pending)
    }
    this.open.clear()
  }
}
