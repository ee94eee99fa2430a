/**
 * A symlink that loops in an agent's folder, as a review met it: one `loop -> loop` in Claude
 * Code's projects/ (or in Codex's sessions/ tree) made `mesh agent list` and `mesh agent import`
 * fail with ELOOP, and `mesh join --follow` capture nothing at all. The entry is now named and
 * passed by, and every other session is listed, imported and followed. Real files under a
 * CLAUDE_CONFIG_DIR and a CODEX_HOME, real `mesh` processes and a real daemon.
 */
import { appendFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const SID = '7e1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e77'
const CODEX_ID = '0193a7c2-5e4f-7a10-8b2c-00000001007a'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude'), CODEX_HOME: join(d, 'codex') }))

const claudeLine = (uuid: string, parent: string | null, text: string): string =>
  JSON.stringify({ parentUuid: parent, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/loop', sessionId: SID })
const codexLine = (text: string): string => JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } })

let transcript: string
let rollout: string

beforeAll(async () => {
  const projects = join(h.dir, 'claude', 'projects')
  const project = join(projects, sanitizePath('/home/alice/src/loop'))
  await mkdir(project, { recursive: true })
  transcript = join(project, `${SID}.jsonl`)
  await writeFile(transcript, claudeLine('c0000000-0000-4000-8000-000000000001', null, 'hello') + '\n')
  await symlink('loop', join(projects, 'loop'))
  const day = join(h.dir, 'codex', 'sessions', '2026', '12', '01')
  await mkdir(day, { recursive: true })
  rollout = join(day, `rollout-2026-12-01T10-00-00-${CODEX_ID}.jsonl`)
  const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id: CODEX_ID, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/loop', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
  await writeFile(rollout, [meta, codexLine('hi')].join('\n') + '\n')
  await symlink('loop2', join(h.dir, 'codex', 'sessions', '2026', '12', 'loop2'))
})

describe('a symlink loop in an agent\'s folder', () => {
  it('is named and passed by: the other sessions are listed, imported and followed', async () => {
    const list = await h.mesh('agent', 'list', '--json')
    expect(list.code, list.stderr).toBe(0)
    expect((JSON.parse(list.stdout).local as Array<{ key: string }>).map(s => s.key).sort()).toEqual([`agent:claude:${SID}`, `agent:codex:${CODEX_ID}`])
    // With --json, what was passed by is in the JSON (skipped); without, said on stderr.
    const skipped = (JSON.parse(list.stdout).skipped as string[]).join('\n')
    expect(skipped).toMatch(/projects\/loop is a symbolic link that loops back on itself: its sessions were left out/)
    expect(skipped).toMatch(/sessions\/2026\/12\/loop2 is a symbolic link that loops back on itself: its sessions were left out/)
    const text = await h.mesh('agent', 'list')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stderr).toContain('loops back on itself')
    expect(text.stderr).not.toMatch(/ELOOP|\(node:\d+\)/)

    for (const agent of ['claude', 'codex']) {
      const imp = await h.mesh('agent', 'import', agent, '--all')
      expect(imp.code, imp.stderr).toBe(0)
      expect(imp.stderr).toContain('is a symbolic link that loops back on itself')
    }
    const one = await h.mesh('agent', 'import', 'codex', '--session', CODEX_ID)
    expect(one.code, one.stderr).toBe(0)

    // Followed all the same: a new line of each is captured.
    const follow = h.join('--follow', 'claude,codex')
    await follow.waitFor(/loops back on itself/, 30_000)
    await appendFile(transcript, claudeLine('c0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000001', 'more') + '\n')
    await appendFile(rollout, codexLine('more') + '\n')
    const count = async (key: string): Promise<number> => JSON.parse((await h.mesh('session', 'show', key, '--json', '--tail', '0')).stdout).messageCount as number
    await poll('both new lines captured', async () => await count(`agent:claude:${SID}`) === 2 && await count(`agent:codex:${CODEX_ID}`) >= 2)
    await follow.stop('SIGINT')
  }, 120_000)
})
