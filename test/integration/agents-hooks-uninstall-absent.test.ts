/**
 * `mesh agent hooks install claude` then `uninstall` on a machine where Claude Code has not run:
 * the install makes its folder and settings; the uninstall removes what the install made (the
 * settings file, mesh's copy of it, the folder), so skills and memory sync still say Claude Code
 * is not installed here. It left `{}` and a backup behind, and from then on they counted Claude
 * Code as installed. A folder that holds anything else (a setting of the user's) keeps it all.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))
const folder = (): string => join(h.dir, 'claude')
const notInstalled = async (): Promise<string> => {
  const r = await h.mesh('agent', 'skills', 'sync', 'claude')
  expect(r.code).toBe(2)
  return r.stderr
}

describe('hooks install then uninstall where Claude Code never ran', () => {
  it('removes the settings, the backup and the folder the install made', async () => {
    expect(await notInstalled()).toContain('Claude Code is not installed here')
    const inst = await h.mesh('agent', 'hooks', 'install', 'claude')
    expect(inst.code, inst.stderr).toBe(0)
    expect(await readdir(folder())).toEqual(['settings.json'])

    const un = await h.mesh('agent', 'hooks', 'uninstall', 'claude')
    expect(un.code, un.stderr).toBe(0)
    expect(un.stdout).toBe(`removed mesh's SessionStart, Stop, SessionEnd hooks; Claude Code has not run on this machine (nothing of its own in ${folder()}), so what mesh made there is removed: ${join(folder(), 'settings.json')}, ${folder()}\n`)
    await expect(readdir(folder())).rejects.toMatchObject({ code: 'ENOENT' })
    expect(await notInstalled()).toContain(`there is no ${folder()}`)
  }, 60_000)

  it('clears {} and mesh\'s backup left by an earlier uninstall; a resume\'s projects/ stays', async () => {
    await mkdir(join(folder(), 'projects', '-home-alice-app'), { recursive: true })
    await writeFile(join(folder(), 'projects', '-home-alice-app', 'a.jsonl'), '{}\n')
    await writeFile(join(folder(), 'settings.json'), '{}\n')
    await writeFile(join(folder(), 'settings.json.mesh-backup-2026-12-01T10-00-00-000Z'), JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'node mesh.js agent hook claude --home x', timeout: 30 }] }] } }))
    const un = await h.mesh('agent', 'hooks', 'uninstall', 'claude', '--json')
    expect(un.code, un.stderr).toBe(0)
    expect(JSON.parse(un.stdout)).toMatchObject({ changed: false, removed: [join(folder(), 'settings.json'), join(folder(), 'settings.json.mesh-backup-2026-12-01T10-00-00-000Z')] })
    expect(await readdir(folder())).toEqual(['projects'])
    expect(await notInstalled()).toContain('holds only projects/')
  }, 60_000)

  it('keeps the settings and the backups when the user has a setting of their own', async () => {
    await writeFile(join(folder(), 'settings.json'), JSON.stringify({ model: 'opus' }))
    expect((await h.mesh('agent', 'hooks', 'install', 'claude')).code).toBe(0)
    const un = await h.mesh('agent', 'hooks', 'uninstall', 'claude')
    expect(un.code, un.stderr).toBe(0)
    expect(un.stdout).toMatch(/^removed mesh's SessionStart, Stop, SessionEnd hooks from /)
    expect(JSON.parse(await readFile(join(folder(), 'settings.json'), 'utf8'))).toEqual({ model: 'opus' })
    expect((await readdir(folder())).filter(n => n.startsWith('settings.json.mesh-backup-'))).toHaveLength(2)
  }, 60_000)
})
