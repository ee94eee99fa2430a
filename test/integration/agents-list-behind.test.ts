/**
 * `mesh agent list` for a session in mesh that no follower reads, as a user meets it: real files
 * under a CLAUDE_CONFIG_DIR, real `mesh` processes. "stored" only when every whole line of the
 * file is in mesh: a file that grew since the import is `behind` (and the next import adds what
 * it says), a last line not whole is said held back, as the follower's states say them.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'
import type { RunResult } from '../helpers/cli.js'

const SID = '0c0c0c0c-0000-4000-8000-0000000be41d'
const KEY = `agent:claude:${SID}`
const CWD = '/home/alice/src/behind'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))
const json = (r: RunResult): any => { expect(r.code, r.stderr).toBe(0); return JSON.parse(r.stdout) }
const line = (i: number): string => JSON.stringify({ type: 'user', uuid: `u${i}`, parentUuid: i === 0 ? null : `u${i - 1}`, sessionId: SID, cwd: CWD, timestamp: '2026-12-01T10:00:00.000Z', message: { role: 'user', content: `message ${i} ${'x'.repeat(600)}` } })

async function row (): Promise<any> {
  return (json(await h.mesh('agent', 'list', 'claude', '--json')).local as any[]).find(r => r.key === KEY)
}

describe('mesh agent list: a session not followed', () => {
  it('says behind when the file has whole lines mesh does not hold, held back for a last line not whole, stored once the import took them', async () => {
    const dir = join(h.dir, 'claude', 'projects', '-home-alice-src-behind')
    await mkdir(dir, { recursive: true })
    const f = join(dir, `${SID}.jsonl`)
    const torn = line(2)
    await writeFile(f, line(0) + '\n' + line(1) + '\n' + torn.slice(0, 50))
    expect(json(await h.mesh('agent', 'import', 'claude', '--file', f, '--json'))).toMatchObject({ records: 2 })

    const held = await row()
    expect(held).toMatchObject({ sync: 'stored', heldBack: [{ path: f, bytes: 50 }] })
    expect((await h.mesh('agent', 'list', 'claude')).stdout).toMatch(/stored, last line of .* not whole since .*\(50 bytes, held back\), no lease/)

    // The agent goes on: the torn line finished, and about 10 KB of whole lines after it.
    await appendFile(f, torn.slice(50) + '\n' + Array.from({ length: 15 }, (_, i) => line(i + 3)).join('\n') + '\n')
    const behind = await row()
    expect(behind.sync).toBe('behind')
    expect(behind.behind).toBeGreaterThan(10_000)
    const text = (await h.mesh('agent', 'list', 'claude')).stdout
    expect(text).toContain(`behind (${(behind.behind / 1000).toFixed(1)} KB of the file not in mesh: mesh agent import adds them), no lease`)
    expect(text).not.toMatch(/\tstored/)

    expect(json(await h.mesh('agent', 'import', 'claude', '--file', f, '--json'))).toMatchObject({ added: 16 })
    const now = await row()
    expect(now.sync).toBe('stored')
    expect(now.heldBack).toBeUndefined()
  }, 120_000)
})
