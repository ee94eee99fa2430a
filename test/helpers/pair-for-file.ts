/**
 * Two daemons of one wallet for a test file (daemons.ts startPair): started before its tests,
 * stopped by their pids and their folder removed after them. Read its fields inside the tests
 * (they exist once the file's set-up ran). Apart from daemons.ts, which the benchmark also runs
 * outside vitest.
 */
import { afterAll, beforeAll } from 'vitest'
import { startPair, type Pair } from './daemons.js'
import { tempDir } from './tmp.js'

export function pairForFile (): Pair & { dir: string } {
  let pair: Pair | undefined
  let t: { dir: string, cleanup: () => Promise<void> } | undefined
  const got = (): Pair => { if (pair === undefined) throw new Error('the pair is started in beforeAll: read it inside a test'); return pair }
  beforeAll(async () => {
    t = await tempDir()
    pair = await startPair(t.dir)
  }, 120_000)
  afterAll(async () => {
    await pair?.stop()
    await t?.cleanup()
  })
  return {
    get a () { return got().a },
    get b () { return got().b },
    get wallet () { return got().wallet },
    get env () { return got().env },
    get dir () { return (t as { dir: string }).dir },
    stop: async () => { await got().stop() }
  }
}
