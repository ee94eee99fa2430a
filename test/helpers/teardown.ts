/** After each test: the nodes it started stopped, then what it left removed. */
import { afterEach } from 'vitest'
import type { TestNode } from './nodes.js'

/**
 * Registers an afterEach that stops every node pushed to `nodes`, in order, then awaits every function
 * pushed to `cleanups`, in order, emptying both; an error fails the hook there, as a loop in the test would.
 */
export function stopAfterEach<N extends { stop: () => void | Promise<void> } = TestNode> (): { nodes: N[], cleanups: Array<() => Promise<void>> } {
  const nodes: N[] = []
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop()
    for (const c of cleanups.splice(0)) await c()
  })
  return { nodes, cleanups }
}
