/**
 * The daemon's V8 heap, tuned for a process that idles all day. V8 grows the young generation
 * (two semi-spaces) from 1 MB up to 16 MB each while allocation is brisk, as it is while a node
 * starts, and shrinks it only at a later collection that sees allocation slow: an idle node runs
 * almost none, so those pages stay resident (about 20 MB of a `mesh join` that idles at 120 MB).
 * The growth factor is read at each growth, so it can be set once the process runs, where a
 * command line flag could not be (the daemon is started as `mesh join`, not `node --flag`; and V8
 * raises a growth factor under 2 given on the command line to 2).
 *
 * It is set once the CLI's modules are loaded, and their loading has grown the semi-spaces to
 * 4 MB: that is the size `mesh join` keeps. Set before anything loads (1 MB semi-spaces) it was
 * much slower where it matters: a scavenge every 1 MB allocated, each 2-5 ms with a 400 MB heap,
 * and opening a 100,000-message session from its entries took 15 s against 4.5 s under V8's
 * default heap (plain Yjs applying the same updates 12-24 s against 2 s) on this 2-core machine
 * at load 9-10, with no shorter blocks of the event loop (`npm run bench -- --only=loop`, which
 * runs its steps under this heap; MESH_LOOP_HEAP there to compare).
 */
import { setFlagsFromString } from 'node:v8'

export function daemonHeap (): void {
  setFlagsFromString('--semi-space-growth-factor=1')
}
