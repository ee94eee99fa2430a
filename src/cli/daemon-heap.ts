/**
 * The daemon's V8 heap, tuned for a process that idles all day. V8 grows the young generation
 * (two semi-spaces) from 1 MB up to 16 MB each while allocation is brisk, as it is while a node
 * starts, and shrinks it only at a later collection that sees allocation slow: an idle node runs
 * almost none, so those pages stay resident (about 20 MB of a `mesh join` that idles at 120 MB).
 * The growth factor is read at each growth, so it can be set once the process runs, where a
 * command line flag could not be (the daemon is started as `mesh join`, not `node --flag`).
 */
import { setFlagsFromString } from 'node:v8'

export function daemonHeap (): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}
