/**
 * A record log cut shorter on the disk between two runs (a restore of an older copy of the file
 * alone, a tool, `: > data/log`): what it held past its new end was lost without a word, and
 * `mesh doctor` said everything was fine. The last close's held.sum records the log's length, and
 * an open that finds the log shorter (nothing of mesh ran on it since: the sum is removed as the
 * store opens, so a crash after a compaction leaves none) says so in `mesh doctor` and `mesh status`,
 * and this device's lane ends (its next entries do not reuse the numbers of those lost).
 */
import { stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('a record log cut shorter between two runs', () => {
  it('is said by mesh doctor and mesh status, and can be dropped once read', async () => {
    expect((await h.mesh('session', 'new', 'cut', '--title', 'kept')).code).toBe(0)
    for (let i = 0; i < 5; i++) expect((await h.mesh('session', 'append', 'cut', '--role', 'user', '--text', `message ${i}`)).code).toBe(0)
    // Opened and closed again with nothing cut: nothing said (the sum the close wrote matches).
    expect(JSON.parse((await h.mesh('doctor', '--json')).stdout).damaged).toEqual([])
    const log = join(h.home, 'data', 'log')
    const { size } = await stat(log)
    await truncate(log, 0)
    const report = JSON.parse((await h.mesh('doctor', '--json')).stdout)
    expect(report.damaged).toHaveLength(1)
    expect(report.damaged[0]).toMatchObject({ kind: 'log', bytes: size, reason: expect.stringContaining(`its last ${size} bytes were cut on this disk`) })
    expect((await h.mesh('status')).stdout).toMatch(/set aside: +1 damaged part of this disk.s store moved aside/)
    // Said once: the next open finds the log as the last close left it.
    expect(JSON.parse((await h.mesh('doctor', '--json')).stdout).damaged).toHaveLength(1)
    const dropped = await h.mesh('doctor', '--drop', report.damaged[0].id, '--yes', '--json')
    expect(dropped.code, dropped.stderr).toBe(0)
    expect(JSON.parse((await h.mesh('doctor', '--json')).stdout).damaged).toEqual([])
  }, 60_000)
})
