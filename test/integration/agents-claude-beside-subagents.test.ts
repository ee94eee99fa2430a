/**
 * Claude Code's older layout (2.0.24 – 2.1.1) keeps a sub-agent's transcript beside the session's
 * own file, `projects/<slug>/agent-<id>.jsonl`, its parent named only by the `sessionId` of its
 * lines. Such files were neither imported nor followed with their session, so a resume on
 * another machine lacked them. Now they travel with the session they name and are written back
 * beside its transcript (paths rewritten as the transcript's are), a sub-agent of another session
 * stays out, and none is listed as a session of its own. Real files under two CLAUDE_CONFIG_DIRs
 * (the desk's and the laptop's), real `mesh` processes, a real follower.
 */
import { appendFile, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { runCli, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/claude/', import.meta.url))
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const OTHER = '0c1d2e3f-4a5b-4c6d-8e7f-901234567890'
const KEY = `agent:claude:${SID}`
const OLD_CWD = '/home/alice/src/app'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'desk') }))
const run = async (config: string, ...args: string[]): Promise<RunResult> => await runCli([...args, '--home', h.home], { env: { ...h.env, CLAUDE_CONFIG_DIR: config }, timeoutMs: 120_000 })

const sideLine = (sid: string, uuid: string, parent: string | null, text: string): string =>
  JSON.stringify({ parentUuid: parent, isSidechain: true, userType: 'external', cwd: OLD_CWD, sessionId: sid, version: '2.0.30', gitBranch: 'main', agentId: 'old1', type: 'user', message: { role: 'user', content: text }, uuid, timestamp: '2026-11-20T09:00:06.000Z' })

describe('a sub-agent transcript of the older layout (agent-<id>.jsonl beside the session)', () => {
  it('is captured with its session, resumed beside it, and not listed as a session', async () => {
    const desk = join(h.dir, 'desk')
    const project = join(desk, 'projects', sanitizePath(OLD_CWD))
    await mkdir(project, { recursive: true })
    await writeFile(join(project, `${SID}.jsonl`), await readFile(join(FIX, `${SID}.jsonl`)))
    const mine = join(project, 'agent-old1.jsonl')
    await writeFile(mine, sideLine(SID, 'so-0001', null, 'look for tests') + '\n')
    // Another session's sub-agent in the same folder: not this session's.
    await writeFile(join(project, 'agent-other.jsonl'), sideLine(OTHER, 'sx-0001', null, 'not mine') + '\n')
    const ago = new Date(Date.now() - 60_000)
    for (const f of await readdir(project)) await utimes(join(project, f), ago, ago)

    const list = await run(desk, 'agent', 'list', 'claude', '--json')
    expect(list.code, list.stderr).toBe(0)
    expect((JSON.parse(list.stdout).local as Array<{ key: string }>).map(s => s.key)).toEqual([KEY])

    const imp = await run(desk, 'agent', 'import', 'claude', '--session', SID)
    expect(imp.code, imp.stderr).toBe(0)

    // Followed too: a line the sub-agent adds is captured.
    const live = h.join('--follow', 'claude')
    await live.waitFor(/^running \(pid/, 30_000)
    await appendFile(mine, sideLine(SID, 'so-0002', 'so-0001', 'found them') + '\n')
    const size = (await stat(mine)).size
    await poll('the sub-agent\'s new line captured', async () => {
      const r = await run(desk, 'agent', 'list', 'claude', '--json')
      if (r.code !== 0) return false
      const row = (JSON.parse(r.stdout).local as Array<{ key: string, files?: Array<{ path: string, offset?: number }> }>).find(s => s.key === KEY)
      return row?.files?.some(f => f.path === mine && f.offset === size) === true
    })
    await live.stop('SIGINT')

    const laptop = join(h.dir, 'laptop')
    const cwd = join(h.dir, 'src', 'app')
    await mkdir(cwd, { recursive: true })
    const res = await run(laptop, 'agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(res.code, res.stderr).toBe(0)
    const there = join(laptop, 'projects', sanitizePath(cwd))
    expect((await readdir(there)).sort()).toEqual([`${SID}.jsonl`, 'agent-old1.jsonl'])
    const back = (await readFile(join(there, 'agent-old1.jsonl'), 'utf8')).split('\n').filter(l => l !== '').map(l => JSON.parse(l))
    expect(back.map(o => o.uuid)).toEqual(['so-0001', 'so-0002'])
    // Its paths rewritten to the laptop's cwd, as the transcript's are.
    expect(back.map(o => o.cwd)).toEqual([cwd, cwd])
    expect(JSON.parse(res.stdout).files).toContain(join(there, 'agent-old1.jsonl'))
  }, 180_000)
})

