/**
 * Live entries' checks wait for their author's run (src/node/live-runs.ts): one check covers the
 * entries of a lane that came within LIVE_RUN_MS of the run's first, back to back in sequence; a
 * gap, another lane, LIVE_RUN_MAX entries, the time running out or the vault closing ends a run.
 * The check is the real one (checkRunSignatures) on real signed entries; a counter around it says
 * how many runs it was given.
 */
import { describe, expect, it } from 'vitest'
import { sealUpdatesUnsigned } from '../../crdt/index.js'
import { checkRunSignatures, deriveVaultKeys, docIdFor, generateDeviceKey, generateWallet, parseTrustedEntry, prevOf, signPrepared, vaultSeedSignature, withSignature, type Entry } from '../../src/identity/index.js'
import { LIVE_RUN_MAX, LiveRuns } from '../../src/node/live-runs.js'

describe('live runs', async () => {
  const keys = deriveVaultKeys(vaultSeedSignature(generateWallet()))
  const alice = await generateDeviceKey()
  const doc = docIdFor(keys, 'doc')
  /** Entries seq `from`..`from + n - 1` of `lane`, each naming the one before it (as received: fresh objects). */
  function run (n: number, from = 1, lane = 0): Entry[] {
    const out: Entry[] = []
    for (let i = 0; i < n; i++) {
      const before = out.at(-1)
      out.push(signPrepared(alice.signer, sealUpdatesUnsigned({ keys, author: alice.publicKey }, doc, BigInt(from + i), [new Uint8Array([i, 1])], { lane, prev: before === undefined ? undefined : prevOf(before) })))
    }
    return out.map(e => parseTrustedEntry(e.bytes))
  }
  const counting = (): { runs: number[], check: (es: readonly Entry[]) => Array<Error | undefined> } => {
    const runs: number[] = []
    return { runs, check: (es) => { runs.push(es.length); return checkRunSignatures(es) } }
  }

  it('entries back to back are checked as one run, after the run\'s time', async () => {
    const c = counting()
    const live = new LiveRuns(c.check, 30)
    const es = run(10)
    await Promise.all(es.map(async e => { await live.checked(e) }))
    expect(c.runs).toEqual([10])
  })

  it('a gap in the sequence, another lane, or LIVE_RUN_MAX entries starts a new run', async () => {
    const c = counting()
    const live = new LiveRuns(c.check, 30)
    const gap = [...run(3), ...run(2, 5)]
    const lanes = [...run(2, 1, 1), ...run(2, 1, 2)]
    const long = run(LIVE_RUN_MAX + 1, 1, 3)
    await Promise.all([...gap, ...lanes, ...long].map(async e => { await live.checked(e) }))
    expect(c.runs.sort((a, b) => a - b)).toEqual([1, 2, 2, 2, 3, LIVE_RUN_MAX].sort((a, b) => a - b))
  })

  it('a bad signature rejects that entry\'s wait with its error, and only its own', async () => {
    const live = new LiveRuns(undefined, 30)
    const es = run(4)
    const bad = es.map((e, i) => i === 3 ? withSignature(e, new Uint8Array(64).fill(7)) : e)
    const outcomes = await Promise.allSettled(bad.map(async e => { await live.checked(e) }))
    expect(outcomes.map(o => o.status === 'rejected' ? (o.reason as { code?: string }).code : 'ok')).toEqual(['ok', 'ok', 'ok', 'INVALID_SIGNATURE'])
  })

  it('closeAll checks every run now: nothing waits for its time', async () => {
    const c = counting()
    const live = new LiveRuns(c.check, 60_000)
    const waits = run(3).map(async e => { await live.checked(e) })
    live.closeAll()
    await Promise.all(waits)
    expect(c.runs).toEqual([3])
  })
})
