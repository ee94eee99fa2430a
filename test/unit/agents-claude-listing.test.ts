/**
 * Claude Code's listing (mesh agent list claude, import --session and --all) on a projects
 * folder with stray entries in it: a dangling symlink named as a transcript, a symlink to a real
 * transcript, a folder named as one. Each is passed by and the real sessions are listed, where
 * one such entry used to end the listing with a raw ENOENT from stat.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { findClaudeSession, listClaudeSessions, listOpenclawSessions } from '../../src/agents/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

it('a dangling symlink, a symlink to a transcript outside projects/ and a folder named *.jsonl are passed by (the links said)', async () => {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const cc = join(t.dir, 'cc')
  const proj = join(cc, 'projects', '-proj')
  await mkdir(proj, { recursive: true })
  await writeFile(join(proj, 'sid-1.jsonl'), '{}\n')
  await writeFile(join(t.dir, 'elsewhere.jsonl'), '{}\n')
  await symlink(join(t.dir, 'nonexistent', 'x'), join(proj, 'dangling.jsonl'))
  await symlink(join(t.dir, 'elsewhere.jsonl'), join(proj, 'linked.jsonl'))
  await mkdir(join(proj, 'folder.jsonl'))
  await mkdir(join(cc, 'projects', '-other'))
  await writeFile(join(cc, 'projects', '-other', 'sid-2.jsonl'), '{}\n')
  const env = { HOME: join(t.dir, 'nohome'), CLAUDE_CONFIG_DIR: cc }
  const warned: string[] = []
  expect((await listClaudeSessions(env, m => warned.push(m))).map(s => s.sessionId).sort()).toEqual(['sid-1', 'sid-2'])
  // Each link is said (a link to a transcript inside projects/ is listed as it: agents-claude-linked).
  expect(warned.sort()).toEqual([
    `${join(proj, 'dangling.jsonl')} is a symbolic link to nothing (its target is gone): passed by`,
    expect.stringMatching(new RegExp(`^${join(proj, 'linked.jsonl')} is a symbolic link to .*elsewhere\\.jsonl, outside `))
  ])
  expect(await findClaudeSession('sid-2', env)).toBe(join(cc, 'projects', '-other', 'sid-2.jsonl'))
  // Asked for by its id, a link is said to be one (as --file says it), not "no session".
  await expect(findClaudeSession('dangling', env)).rejects.toThrow(/dangling\.jsonl is a symbolic link: mesh does not read or write through links/)
  await expect(findClaudeSession('linked', env)).rejects.toMatchObject({ code: 'INVALID_INPUT' })
  await expect(findClaudeSession('nope', env)).rejects.toThrow(/no Claude Code session nope/)
})

it('OpenClaw\'s listing passes them by too', async () => {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const sessions = join(t.dir, 'oc', 'agents', 'main', 'sessions')
  await mkdir(sessions, { recursive: true })
  await writeFile(join(sessions, 's1.jsonl'), '{}\n')
  await writeFile(join(t.dir, 'elsewhere.jsonl'), '{}\n')
  await symlink(join(t.dir, 'nonexistent', 'x'), join(sessions, 'dangling.jsonl'))
  await symlink(join(t.dir, 'elsewhere.jsonl'), join(sessions, 'linked.jsonl'))
  const warned: string[] = []
  expect((await listOpenclawSessions({ HOME: join(t.dir, 'nohome'), OPENCLAW_STATE_DIR: join(t.dir, 'oc') }, m => warned.push(m))).map(s => s.sessionId)).toEqual(['s1'])
  expect(warned).toEqual([])
})
