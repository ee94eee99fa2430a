/**
 * A Claude Code line nested thousands deep (a tool's output of nested arrays, which JSON.parse
 * takes): `mesh agent resume --cwd` rewrites its cwd and `mesh agent export --redact` redacts it,
 * as any other line. The walk over its strings recursed and overflowed the stack: resume said
 * "1 path rewritten" and left the deep line naming the old directory, and export --redact failed
 * with "Maximum call stack size exceeded", writing nothing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { soloHome } from '../helpers/solo-home.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { cleanups } = stopAfterEach()

const SID = '5c1d2c3b-4a59-4f68-9a7b-8c9d0e1f2a3b'
const DEPTH = 20_000

it('rewrites and redacts a line nested 20000 deep', async () => {
  const { env, mesh } = await soloHome(cleanups)
  const cwd = '/home/alice/src/app'
  const first = JSON.stringify({ parentUuid: null, cwd, sessionId: SID, type: 'user', message: { role: 'user', content: 'list it' }, uuid: 'a1', timestamp: '2026-11-20T09:00:00.000Z' })
  const deep = JSON.stringify({ parentUuid: 'a1', cwd, sessionId: SID, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz012345' }] }, uuid: 'a2', timestamp: '2026-11-20T09:00:01.000Z' }).slice(0, -1) +
    `,"toolUseResult":${'['.repeat(DEPTH)}{"password":"hunter2","path":"${cwd}/x"}${']'.repeat(DEPTH)}}`
  const file = join(String(env.HOME), `${SID}.jsonl`)
  await writeFile(file, `${first}\n${deep}\n`)
  await mesh('agent', 'import', 'claude', '--file', file)

  const to = join(String(env.HOME), 'work', 'app')
  await mkdir(to, { recursive: true })
  expect(await mesh('agent', 'resume', `agent:claude:${SID}`, '--cwd', to)).toContain('2 paths rewritten')
  const resumed = (await readFile(join(String(env.HOME), '.claude', 'projects', to.replace(/[^A-Za-z0-9]/g, '-'), `${SID}.jsonl`), 'utf8')).trim().split('\n')
  expect(resumed.map(l => (JSON.parse(l) as { cwd: string }).cwd)).toEqual([to, to])
  // Only the fields claude reads a path from: the deep value's path is the tool's, kept.
  expect(resumed[1]).toContain(`"path":"${cwd}/x"`)

  const out = join(String(env.HOME), 'out.jsonl')
  const r = JSON.parse(await mesh('agent', 'export', `agent:claude:${SID}`, '--redact', '--out', out, '--json')) as { redacted: number }
  expect(r.redacted).toBe(2)
  const text = await readFile(out, 'utf8')
  expect(text).not.toContain('hunter2')
  expect(text).not.toContain('sk-proj-')
  expect(text).toContain(`${'['.repeat(DEPTH)}{"password":"[REDACTED]","path":"${cwd}/x"}${']'.repeat(DEPTH)}`)
}, 60_000)
