/**
 * Claude Code transcripts that are symbolic links, as a person leaves them in projects/: a link
 * to a transcript kept in another folder of projects/ was absent from `mesh agent list` (with
 * nothing said), refused by `mesh agent import claude --session`, and passed by by the follower.
 * Now such a link is listed, imported and followed as the file it points to (read there, never
 * through the link; once, however many names it has), and a link out of projects/, to a folder,
 * to nothing or looping is named and passed by without stopping the rest. Real files under a
 * CLAUDE_CONFIG_DIR, real `mesh` processes, a real follower.
 */
import { appendFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'
import { poll } from '../helpers/wait.js'

const SID = '7e1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e11'
const OTHER = '7e1d2e4f-5a6b-4c7d-8e9f-0a1b2c3d4e22'
const KEY = `agent:claude:${SID}`
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))
const line = (sid: string, i: number, text: string): string =>
  JSON.stringify({ parentUuid: i === 0 ? null : `c0000000-0000-4000-8000-00000000000${i - 1}`, isSidechain: false, type: 'user', message: { role: 'user', content: text }, uuid: `c0000000-0000-4000-8000-00000000000${i}`, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/new', sessionId: sid })

describe('a transcript that is a symbolic link', () => {
  it('to a file inside projects/ is listed, imported and followed as that file; any other is named and passed by', async () => {
    const projects = join(h.dir, 'claude', 'projects')
    const keep = join(projects, 'archive', 'kept')
    const project = join(projects, sanitizePath('/home/alice/src/new'))
    await mkdir(keep, { recursive: true })
    await mkdir(project, { recursive: true })
    const real = join(keep, `${SID}.jsonl`)
    await writeFile(real, line(SID, 0, 'hello') + '\n')
    await symlink(real, join(project, `${SID}.jsonl`))
    // Passed by, each said, none stopping the scan: out of projects/, a folder, a loop, nothing.
    const outside = join(h.dir, 'outside.jsonl')
    await writeFile(outside, line(OTHER, 0, 'secret') + '\n')
    await symlink(outside, join(project, `${OTHER}.jsonl`))
    await symlink(keep, join(project, 'folder.jsonl'))
    await symlink('loop.jsonl', join(project, 'loop.jsonl'))
    await symlink(join(h.dir, 'gone.jsonl'), join(project, 'gone.jsonl'))

    const list = await h.mesh('agent', 'list', 'claude', '--json')
    expect(list.code, list.stderr).toBe(0)
    const j = JSON.parse(list.stdout)
    expect((j.local as Array<{ key: string, path: string }>).map(s => [s.key, s.path])).toEqual([[KEY, real]])
    const skipped = (j.skipped as string[]).join('\n')
    expect(skipped).toContain(`${join(project, `${OTHER}.jsonl`)} is a symbolic link to ${outside}, outside`)
    expect(skipped).toContain(`${join(project, 'folder.jsonl')} is a symbolic link to ${keep}, a folder`)
    expect(skipped).toContain(`${join(project, 'loop.jsonl')} is a symbolic link that loops back on itself`)
    expect(skipped).toContain(`${join(project, 'gone.jsonl')} is a symbolic link to nothing`)

    const imp = await h.mesh('agent', 'import', 'claude', '--session', SID, '--json')
    expect(imp.code, imp.stderr).toBe(0)
    expect(JSON.parse(imp.stdout)).toMatchObject({ key: KEY, path: real, added: 1 })
    const all = await h.mesh('agent', 'import', 'claude', '--all', '--json')
    expect(all.code, all.stderr).toBe(0)
    expect((JSON.parse(all.stdout) as Array<{ key: string }>).map(r => r.key)).toEqual([KEY])
    expect((await h.mesh('agent', 'list', 'claude', '--json')).stdout).toContain('"sync": "stored"')

    const follow = h.join('--follow', 'claude')
    await follow.waitFor(/^running \(pid/, 30_000)
    await appendFile(real, line(SID, 1, 'more') + '\n')
    await poll('the new line captured', async () => JSON.parse((await h.mesh('session', 'show', KEY, '--json', '--tail', '0')).stdout).messageCount === 2)
    expect(follow.lines.join('\n')).toContain('outside')
    expect(follow.lines.join('\n')).not.toContain(`${join(project, `${SID}.jsonl`)} is a symbolic link`)
    await follow.stop('SIGINT')
    expect(await readFile(outside, 'utf8')).toContain('secret')
  }, 120_000)
})
