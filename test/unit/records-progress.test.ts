/**
 * What `mesh agent resume` and `export` say while a long session's records come: the pages'
 * counts from a real local API (fetchAgentRecords), and the line they make (recordsProgress):
 * quiet for a session that comes within a second, then an "opening" line, then how far.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createLocalApi } from '../../src/api/index.js'
import { fetchAgentRecords } from '../../src/agents/index.js'
import { recordsProgress } from '../../src/cli/records-progress.js'
import { newVault } from '../helpers/vault.js'

afterEach(() => { vi.useRealTimers() })

describe('fetchAgentRecords', () => {
  it('tells after each page how many records have come of the total, ending at the total', async () => {
    const v = await newVault()
    const api = await createLocalApi({ vault: v.vault })
    try {
      const sid = '11111111-2222-4333-8444-555555555555'
      // 24 records of 300 KB: several pages of about 2 MiB.
      for (let b = 0; b < 12; b++) {
        const records = [0, 1].map(i => ({ id: `r${b * 2 + i}`, file: '', kind: 'line', text: `${b * 2 + i}`.padEnd(200_000, 'x') }))
        await api.call('agents.import', { agent: 'claude', sessionId: sid, cwd: '/w', records })
      }
      const seen: Array<[number, number]> = []
      const { records } = await fetchAgentRecords(api, `agent:claude:${sid}`, (fetched, total) => { seen.push([fetched, total]) })
      expect(records).toHaveLength(24)
      expect(seen.length).toBeGreaterThan(1)
      expect(seen.every(([, total]) => total === 24)).toBe(true)
      expect(seen.map(([n]) => n)).toEqual([...seen.map(([n]) => n)].sort((a, b) => a - b))
      expect(seen.at(-1)).toEqual([24, 24])
    } finally {
      await api.close()
      await v.cleanup()
    }
  })
})

describe('recordsProgress', () => {
  const KEY = 'agent:claude:s'

  it('says nothing for a session whose records all come within the quiet time', () => {
    const out: string[] = []
    const p = recordsProgress(KEY, { tty: false, write: s => { out.push(s) }, quietMs: 60_000 })
    p.onPage(50, 100)
    p.onPage(100, 100)
    p.stop()
    expect(out).toEqual([])
  })

  it('off a terminal: "opening" once the quiet time passes, then a line per tenth and the last', () => {
    vi.useFakeTimers()
    const out: string[] = []
    const p = recordsProgress(KEY, { tty: false, write: s => { out.push(s) }, quietMs: 1000 })
    vi.advanceTimersByTime(1500)
    for (let n = 5; n <= 100; n += 5) p.onPage(n, 100)
    p.stop()
    expect(out[0]).toBe(`reading ${KEY}: opening the session…\n`)
    expect(out.slice(1)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90].map((pct, i) => `reading ${KEY}: ${i === 0 ? 5 : pct}% (${i === 0 ? 5 : pct} of 100 records)\n`).concat(`reading ${KEY}: 100% (100 of 100 records)\n`))
  })

  it('on a terminal: one line rewritten in place, ended when all came; cleared if stopped halfway', () => {
    vi.useFakeTimers()
    const out: string[] = []
    const p = recordsProgress(KEY, { tty: true, write: s => { out.push(s) }, quietMs: 1000 })
    vi.advanceTimersByTime(1000)
    p.onPage(1, 3)
    p.onPage(3, 3)
    p.stop()
    expect(out).toEqual([`\r\x1b[2Kreading ${KEY}: opening the session…`, `\r\x1b[2Kreading ${KEY}: 33% (1 of 3 records)`, `\r\x1b[2Kreading ${KEY}: 100% (3 of 3 records)\n`])
    const cut: string[] = []
    const q = recordsProgress(KEY, { tty: true, write: s => { cut.push(s) }, quietMs: 0 })
    vi.advanceTimersByTime(1)
    q.onPage(1, 3)
    q.stop() // an error came: the half line goes before it is printed
    expect(cut.at(-1)).toBe('\r\x1b[2K')
  })
})
