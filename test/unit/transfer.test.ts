/**
 * A sync session's transfer meter on a clock the test moves: totals come from what the sender
 * announced, progress from what arrived; a transfer is reported at most once a second once it
 * lasted a second, and once more when it ends; a resumed snapshot counts what was held as done
 * but not in the rate. A transfer that stopped moving for ARRIVAL_STALLED_MS is no longer waited for.
 */
import { describe, expect, it } from 'vitest'
import { Transfers, type Transfer } from '../../protocols/sync/transfer.js'
import { ARRIVAL_STALLED_MS, stillArriving } from '../../src/node/progress.js'

function meter (): { t: Transfers, reports: Transfer[], advance: (ms: number) => void } {
  let now = 1_000_000
  const reports: Transfer[] = []
  const t = new Transfers('peer', r => reports.push(r), () => now)
  return { t, reports, advance: (ms) => { now += ms } }
}

describe('transfer progress', () => {
  it('reports at most once a second after the first second, with rate and time left, then a final report', () => {
    const { t, reports, advance } = meter()
    t.plan('in', 'd1', 10_000_000, 100, 100_000)
    t.snapshotBegins('in', 'd1', 10_000_000, 0)
    for (let i = 0; i < 40; i++) { advance(100); t.snapshotBytes('in', 'd1', 200_000) } // 2 MB/s for 4 s
    expect(reports.length).toBeGreaterThanOrEqual(3)
    expect(reports.length).toBeLessThanOrEqual(4)
    for (let i = 1; i < reports.length; i++) expect((reports[i] as Transfer).updatedAt - (reports[i - 1] as Transfer).updatedAt).toBeGreaterThanOrEqual(1000)
    const last = reports.at(-1) as Transfer
    expect(last).toMatchObject({ peer: 'peer', doc: 'd1', direction: 'in', bytesTotal: 10_100_000, entriesTotal: 100, entriesDone: 0, done: false })
    expect(last.rateBps).toBe(2_000_000)
    expect(last.etaMs).toBe(Math.round((10_100_000 - last.bytesDone) * 1000 / 2_000_000))
    expect(t.list()).toHaveLength(1)
    for (let i = 0; i < 10; i++) { advance(100); t.snapshotBytes('in', 'd1', 200_000) }
    t.entries('in', 'd1', 100, 100_000)
    const final = reports.at(-1) as Transfer
    expect(final).toMatchObject({ done: true, ended: false, bytesDone: 10_100_000, entriesDone: 100, etaMs: 0 })
    expect(t.list()).toEqual([])
  })

  it('says nothing a person is shown of a transfer done within a second: its one report is quiet (for cut-off.ts)', () => {
    const { t, reports, advance } = meter()
    t.plan('out', 'd1', 0, 3, 3000)
    advance(300)
    t.entries('out', 'd1', 3, 3000)
    expect(reports).toEqual([expect.objectContaining({ doc: 'd1', done: true, ended: false, quiet: true })])
    expect(t.list()).toEqual([])
  })

  it('counts a resumed snapshot\'s held bytes as done, not in its rate', () => {
    const { t, reports, advance } = meter()
    t.plan('in', 'd1', 1_000_000, 0, 0)
    t.snapshotBegins('in', 'd1', 1_000_000, 900_000)
    advance(1000)
    t.snapshotBytes('in', 'd1', 10_000)
    advance(1000)
    t.snapshotBytes('in', 'd1', 10_000)
    const r = reports.at(-1) as Transfer
    expect(r).toMatchObject({ resumedFrom: 900_000, bytesDone: 920_000, bytesTotal: 1_000_000 })
    expect(r.rateBps).toBe(10_000)
  })

  it('counts a snapshot\'s last piece, told once it is stored, in that snapshot only', () => {
    const { t } = meter()
    t.plan('in', 'd1', 1000, 0, 0)
    t.snapshotBegins('in', 'd1', 1000, 0)
    t.snapshotBytes('in', 'd1', 900)
    const last = t.snapshotBytesLater('in', 'd1')
    expect(t.list()[0]).toMatchObject({ bytesDone: 900, done: false })
    last(100)
    expect(t.list()).toEqual([]) // done
    // Another catch-up of the document planned while the first snapshot was still being checked:
    // the first one's last piece does not count in the new one.
    t.plan('in', 'd2', 1000, 0, 0)
    t.snapshotBegins('in', 'd2', 1000, 0)
    t.snapshotBytes('in', 'd2', 900)
    const late = t.snapshotBytesLater('in', 'd2')
    t.plan('in', 'd2', 500, 0, 0)
    late(100)
    expect(t.list()[0]).toMatchObject({ doc: 'd2', bytesDone: 0, bytesTotal: 500, done: false })
  })

  it('reports what was in flight as ended when the session ends, and forgets it', () => {
    const { t, reports, advance } = meter()
    t.plan('in', 'd1', 0, 10, 10_000)
    advance(1500)
    t.entries('in', 'd1', 4, 4000)
    t.end()
    expect(reports.at(-1)).toMatchObject({ done: true, ended: true, entriesDone: 4, entriesTotal: 10 })
    expect(t.list()).toEqual([])
  })

  it('a transfer still arrives while it moves, and not once it stood still for ARRIVAL_STALLED_MS', () => {
    const { t, advance } = meter()
    t.plan('in', 'doc', 0, 10, 10_000)
    t.entries('in', 'doc', 2, 2000)
    const [moving] = t.list()
    const at = (moving as Transfer).updatedAt
    expect(stillArriving(moving as Transfer, at)).toBe(true)
    expect(stillArriving(moving as Transfer, at + ARRIVAL_STALLED_MS - 1)).toBe(true)
    expect(stillArriving(moving as Transfer, at + ARRIVAL_STALLED_MS)).toBe(false)
    // More of it came: it moves again from then.
    advance(ARRIVAL_STALLED_MS + 5000)
    t.entries('in', 'doc', 1, 1000)
    const [again] = t.list()
    expect((again as Transfer).updatedAt).toBe(at + ARRIVAL_STALLED_MS + 5000)
    expect(stillArriving(again as Transfer, at + ARRIVAL_STALLED_MS + 5000)).toBe(true)
  })
})
