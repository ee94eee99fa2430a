/**
 * The daemon's V8 heap, tuned for a process that idles all day and must answer promptly while it
 * opens big documents. V8 grows the young generation (two semi-spaces) from 1 MB up to 16 MB
 * each while allocation is brisk, as it is while a node starts or loads a session, and shrinks it
 * only at a later collection that sees allocation slow: an idle node runs almost none, so those
 * pages stay resident (about 20 MB of a `mesh join` that idles at 120 MB). And a scavenge copies
 * what survives in the young generation: while a session loads every Yjs struct survives, so a
 * scavenge of 16 MB semi-spaces held the event loop for 30–100 ms, one of 1 MB for 1–3 ms.
 *
 * The growth factor is read at each growth, so it can be set once the process runs, where a
 * command line flag could not be (the daemon is started as `mesh join`, not `node --flag`; and
 * V8 raises a growth factor under 2 given on the command line to 2). It must be set before the
 * young generation first grows: loading the CLI's modules alone grows it to 4 MB, so bin/mesh.js
 * sets it before it imports them (`daemonHeapFor`), and a process that applies it later keeps
 * whatever size it reached.
 */
import { setFlagsFromString } from 'node:v8'

export function daemonHeap (): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}

/** Whether a mesh command line runs the daemon (the command is the first argument not a flag, as main() reads it). */
export function runsDaemon (argv: readonly string[]): boolean {
  return argv.find(a => !a.startsWith('-')) === 'join'
}

/** The daemon's heap, set for `mesh join` before anything else is loaded (see above). */
export function daemonHeapFor (argv: readonly string[]): void {
  if (runsDaemon(argv)) daemonHeap()
}
