/**
 * The client side of agent sessions on real files: finding the project on this machine by its
 * git remote under the mount map's roots (ssh and https spellings match) or as remembered; the
 * agents' homes from CLAUDE_CONFIG_DIR and CODEX_HOME; the busy check (a fresh mtime, or a
 * process holding the file open).
 */
import { mkdir, open, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  busy, expandRoot, findClaudeSession, findProject, listClaudeSessions, listCodexSessions, loadMounts, normalizeRemote, parseRemote, remember
} from '../../src/agents/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()
async function tmp (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return t.dir }

describe('finding the project on this machine', () => {
  it('by its git remote under a root, in either spelling; a remembered --cwd wins', async () => {
    const d = await tmp()
    const repo = join(d, 'src', 'work', 'app')
    await mkdir(join(repo, '.git'), { recursive: true })
    await writeFile(join(repo, '.git', 'config'), '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://github.com/other/app\n[remote "origin"]\n\turl = https://github.com/Alice/app.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n')
    await mkdir(join(d, 'src', 'work', 'other', '.git'), { recursive: true })
    await writeFile(join(d, 'src', 'work', 'other', '.git', 'config'), '[remote "origin"]\n\turl = git@github.com:alice/other.git\n')
    expect(normalizeRemote('git@github.com:alice/app.git')).toBe(normalizeRemote('https://github.com/Alice/app'))
    expect(parseRemote('[remote "origin"]\n url = x\n')).toBe('x')
    const meta = { gitRemote: 'git@github.com:alice/app.git', cwd: '/home/alice/src/app' }
    expect(await findProject({ roots: [join(d, 'src')], projects: {} }, meta)).toBe(repo)
    expect(await findProject({ roots: [join(d, 'nowhere')], projects: {} }, meta)).toBeUndefined()
    // A root written with ~/ is under the home directory given; one without is taken as written.
    expect(await findProject({ roots: ['~/src'], projects: {} }, meta, d)).toBe(repo)
    expect(expandRoot('~', d)).toBe(d)
    expect(expandRoot('~alice/src', d)).toBe('~alice/src')
    const mounts = join(d, 'mounts.json')
    await remember(mounts, 'github.com/alice/app', join(d, 'elsewhere'))
    expect(await findProject(await loadMounts(mounts), meta)).toBe(join(d, 'elsewhere'))
    // Without a remote, the original cwd names the project.
    await remember(mounts, '/srv/x', '/home/me/x')
    expect(await findProject(await loadMounts(mounts), { cwd: '/srv/x' })).toBe('/home/me/x')
  })
})

describe('the agents\' homes', () => {
  it('Claude Code under CLAUDE_CONFIG_DIR (sub-agent files are not sessions), Codex under CODEX_HOME', async () => {
    const d = await tmp()
    const cc = join(d, 'cc')
    await mkdir(join(cc, 'projects', '-a-b', 'sid-1', 'subagents'), { recursive: true })
    await writeFile(join(cc, 'projects', '-a-b', 'sid-1.jsonl'), '{}\n')
    await writeFile(join(cc, 'projects', '-a-b', 'agent-x.jsonl'), '{}\n')
    await writeFile(join(cc, 'projects', '-a-b', 'sid-1', 'subagents', 'agent-y.jsonl'), '{}\n')
    const env = { HOME: join(d, 'nohome'), CLAUDE_CONFIG_DIR: cc }
    expect((await listClaudeSessions(env)).map(s => s.sessionId)).toEqual(['sid-1'])
    expect(await findClaudeSession('sid-1', env)).toBe(join(cc, 'projects', '-a-b', 'sid-1.jsonl'))
    await expect(findClaudeSession('nope', env)).rejects.toThrow(/no Claude Code session nope/)
    const ch = join(d, 'codex')
    const id = '0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c'
    await mkdir(join(ch, 'sessions', '2026', '11', '21'), { recursive: true })
    await writeFile(join(ch, 'sessions', '2026', '11', '21', `rollout-2026-11-21T10-00-00-${id}.jsonl`), '{}\n')
    expect(await listCodexSessions({ CODEX_HOME: ch })).toMatchObject([{ sessionId: id, dir: 'sessions/2026/11/21' }])
  })
})

describe('the busy check before a resume overwrites a session file', () => {
  it('says busy for a fresh file and for one a process holds open, not for an old closed one', async () => {
    const d = await tmp()
    const f = join(d, 's.jsonl')
    await writeFile(f, '{}\n')
    expect((await busy(f))?.why).toMatch(/written \d+ ms ago/)
    const old = new Date(Date.now() - 60_000)
    await utimes(f, old, old)
    expect(await busy(f)).toBeUndefined()
    const fh = await open(f, 'a')
    try {
      expect((await busy(f))?.why).toBe(`process ${process.pid} holds it open`)
    } finally {
      await fh.close()
    }
    expect(await busy(join(d, 'missing.jsonl'))).toBeUndefined()
  })
})
