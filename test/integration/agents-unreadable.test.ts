/**
 * What the agent commands cannot read, said in words through the CLI's own writers, the rest
 * listed: `mesh agent import claude --file` given a symlink (refused as bad input, exit 2, where
 * a raw ELOOP ended it with exit 1); an OpenClaw sessions.json that is a folder or a dangling
 * link (a warning, and the transcripts beside it listed, where the listing ended); a Claude
 * project folder the user may not read (a plain `warning:` line, or with --json an entry of
 * `skipped`, where Node printed a process warning with its --trace-warnings line).
 */
import { chmod, chown, mkdir, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { BIN, cliEnv, runProcess, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const SID = '3c5e7a9b-1d2f-4a6b-8c0d-2e4f6a8b0c1d'
const line = (o: unknown): string => JSON.stringify(o) + '\n'
const transcript = line({ type: 'user', uuid: 'u1', parentUuid: null, sessionId: SID, cwd: '/w', message: { role: 'user', content: 'hi' } })

const h = cliHome(dir => ({ CLAUDE_CONFIG_DIR: join(dir, 'cc'), OPENCLAW_STATE_DIR: join(dir, 'oc') }))
const { cleanups } = stopAfterEach()

it('import claude --file given a symlink is refused in words (exit 2), not with a raw ELOOP', async () => {
  const real = join(h.dir, `${SID}.jsonl`)
  await writeFile(real, transcript)
  const link = join(h.dir, 'link.jsonl')
  await symlink(real, link)
  const r = await h.mesh('agent', 'import', 'claude', '--file', link)
  expect(r.stderr).toContain(`${link} is a symbolic link: mesh does not read or write through links`)
  expect(r.stderr).not.toContain('ELOOP')
  expect(r.code).toBe(2)
})

it('an OpenClaw sessions.json that is a folder or a dangling link is said, and the transcripts beside it are listed', async () => {
  const main = join(h.dir, 'oc', 'agents', 'main', 'sessions')
  const other = join(h.dir, 'oc', 'agents', 'other', 'sessions')
  await mkdir(join(main, 'sessions.json'), { recursive: true })
  await mkdir(other, { recursive: true })
  await symlink(join(h.dir, 'nonexistent', 'sessions.json'), join(other, 'sessions.json'))
  await writeFile(join(main, 's1.jsonl'), line({ type: 'session', id: 's1' }))
  await writeFile(join(other, 's2.jsonl'), line({ type: 'session', id: 's2' }))
  const r = await h.mesh('agent', 'list', 'openclaw')
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain(join(main, 's1.jsonl'))
  expect(r.stdout).toContain(join(other, 's2.jsonl'))
  expect(r.stderr).toContain(`warning: ${join(main, 'sessions.json')} is not a regular file, so this index of OpenClaw's cannot be read`)
  expect(r.stderr).toContain(`warning: ${join(other, 'sessions.json')} is a symbolic link: mesh does not read or write through links, so this index`)
  expect(r.stderr).not.toContain('MESH_SKIPPED')
  const j = await h.mesh('agent', 'list', 'openclaw', '--json')
  expect(j.code, j.stderr).toBe(0)
  const out = JSON.parse(j.stdout)
  expect(out.local.map((s: any) => s.sessionId).sort()).toEqual(['s1', 's2'])
  expect(out.skipped).toHaveLength(2)
  expect(out.skipped[0]).toContain(`${join(main, 'sessions.json')} is not a regular file`)
  expect(j.stderr).not.toContain('warning:')
})

/** `mesh ARGS` as the user nobody (root reads every folder), HOME `home`, no mesh home set up. */
async function asNobody (args: string[], home: string): Promise<RunResult> {
  const env = cliEnv(home, { CLAUDE_CONFIG_DIR: join(home, 'cc') })
  return await runProcess('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, BIN, ...args], { env })
}

it.skipIf(process.getuid?.() !== 0)('a Claude project folder that may not be read is a plain warning line, or with --json an entry of skipped', async () => {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const projects = join(t.dir, 'cc', 'projects')
  const closed = join(projects, '-closed')
  await mkdir(closed, { recursive: true })
  await mkdir(join(projects, '-open'))
  await writeFile(join(projects, '-open', `${SID}.jsonl`), transcript)
  for (const p of [t.dir, join(t.dir, 'cc'), projects, join(projects, '-open'), join(projects, '-open', `${SID}.jsonl`)]) await chown(p, 65534, 65534)
  await chmod(t.dir, 0o755)
  await chmod(closed, 0o700) // root's: nobody may not read it
  const r = await asNobody(['agent', 'list', 'claude'], t.dir)
  expect(r.code, r.stderr).toBe(0)
  expect(r.stdout).toContain(SID)
  expect(r.stderr).toContain(`warning: ${closed} cannot be read (permission denied): its sessions were left out\n`)
  expect(r.stderr).not.toContain('MESH_SKIPPED')
  expect(r.stderr).not.toContain('--trace-warnings')
  const j = await asNobody(['agent', 'list', 'claude', '--json'], t.dir)
  expect(j.code, j.stderr).toBe(0)
  const out = JSON.parse(j.stdout)
  expect(out.local.map((s: any) => s.sessionId)).toEqual([SID])
  expect(out.skipped).toEqual([`${closed} cannot be read (permission denied): its sessions were left out`])
  expect(j.stderr).not.toContain('cannot be read')
  // Looking a session up by its id passes the folder by in the same words.
  expect((await asNobody(['init'], t.dir)).code).toBe(0)
  const imported = await asNobody(['agent', 'import', 'claude', '--session', SID], t.dir)
  expect(imported.code, imported.stderr).toBe(0)
  expect(imported.stderr).toContain(`warning: ${closed} cannot be read (permission denied): its sessions were left out\n`)
  expect(imported.stderr).not.toContain('MESH_SKIPPED')
})
