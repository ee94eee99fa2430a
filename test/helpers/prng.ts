/** A small seeded PRNG (mulberry32) so randomized tests replay exactly from their seed. */
export function prng (seed: number): { next: () => number, int: (n: number) => number, pick: <T>(a: readonly T[]) => T } {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(next() * n)
  return { next, int, pick: (arr) => arr[int(arr.length)] as any }
}
