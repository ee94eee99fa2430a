/** A binary min-heap by `before`: the registry evaluation's frontier (registry.ts; a linear scan was quadratic in the operations). */
export class Heap<T> {
  private readonly items: T[] = []
  constructor (private readonly before: (a: T, b: T) => boolean) {}

  push (x: T): void {
    const a = this.items
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const up = (i - 1) >> 1
      if (!this.before(a[i] as T, a[up] as T)) break
      ;[a[i], a[up]] = [a[up] as T, a[i] as T]
      i = up
    }
  }

  pop (): T | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length === 0 || last === undefined) return top
    a[0] = last
    for (let i = 0; ;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < a.length && this.before(a[l] as T, a[m] as T)) m = l
      if (r < a.length && this.before(a[r] as T, a[m] as T)) m = r
      if (m === i) break
      ;[a[i], a[m]] = [a[m] as T, a[i] as T]
      i = m
    }
    return top
  }
}
