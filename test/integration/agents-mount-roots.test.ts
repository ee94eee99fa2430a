/**
 * The `roots` of agent-mounts.json, where a resume looks for the project's clone when its
 * recorded directory is gone, as a user writes them by hand: `"roots": ["~/code"]` was searched
 * as a folder literally named `~`, so the clone in ~/code/app was never found; and the refusal
 * that followed did not say where it had looked. A leading `~/` is now the home directory, and the
 * refusal names the roots it searched. A --cwd that is a symbolic link (~/applink to ~/real/app)
 * wrote the transcript under the link's project folder, where Claude Code (run in the resolved
 * path, as `cd ~/applink` leaves it) never looks, and remembered the link: it is now resolved for
 * the folder, the paths, the command and the map, and said. Real files in a temp HOME, real `mesh` processes.
 */
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'

const SID = 'd4d4d4d4-0000-4000-8000-000000000004'
const REMOTE = 'git@github.com:alice/app.git'
const h = cliHome()

let user: string
let mounts: string

/** A folder git knows as a clone of REMOTE (what mesh reads of it: .git/config). */
async function clone (dir: string): Promise<void> {
  await mkdir(join(dir, '.git'), { recursive: true })
  await writeFile(join(dir, '.git', 'config'), `[core]\n\tbare = false\n[remote "origin"]\n\turl = ${REMOTE}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`)
}

beforeAll(async () => {
  user = h.env.HOME as string
  mounts = join(user, '.config', 'mesh', 'agent-mounts.json')
  const was = join(h.dir, 'desk', 'app')
  await clone(was)
  const project = join(user, '.claude', 'projects', sanitizePath(was))
  await mkdir(project, { recursive: true })
  await writeFile(join(project, `${SID}.jsonl`), JSON.stringify({ parentUuid: null, isSidechain: false, type: 'user', message: { role: 'user', content: 'hi' }, uuid: 'c0000000-0000-4000-8000-000000000001', timestamp: '2026-12-01T10:00:00.000Z', cwd: was, sessionId: SID }) + '\n')
  const imp = await h.mesh('agent', 'import', 'claude', '--session', SID, '--json')
  expect(imp.code, imp.stderr).toBe(0)
  expect(JSON.parse(imp.stdout)).toMatchObject({ cwd: was, gitRemote: REMOTE })
  // The project's folder is gone from here; its clone is under ~/code.
  await rename(join(h.dir, 'desk'), join(h.dir, 'desk-gone'))
  await clone(join(user, 'code', 'app'))
  await mkdir(join(user, '.config', 'mesh'), { recursive: true })
}, 60_000)

describe('agent-mounts.json roots', () => {
  it('a root written ~/code is searched under the home directory', async () => {
    await writeFile(mounts, JSON.stringify({ roots: ['~/code'] }) + '\n')
    const r = await h.mesh('agent', 'resume', `agent:claude:${SID}`, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ cwd: join(user, 'code', 'app') })
  }, 60_000)

  it('a resume that finds no clone says which roots it searched', async () => {
    await writeFile(mounts, JSON.stringify({ roots: ['~/nowhere', '/srv/none'] }) + '\n')
    const r = await h.mesh('agent', 'resume', `agent:claude:${SID}`, '--json')
    expect(r.code).toBe(2)
    const error = JSON.parse(r.stderr).error
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.message).toContain(`No clone of github.com/alice/app under ${join(user, 'nowhere')}, /srv/none (the roots of ${mounts}, two folders deep)`)
    expect(error.details).toMatchObject({ roots: [join(user, 'nowhere'), '/srv/none'], mounts })

    await writeFile(mounts, '{}\n')
    const none = await h.mesh('agent', 'resume', `agent:claude:${SID}`)
    expect(none.code).toBe(2)
    expect(none.stderr).toContain(`No clone of github.com/alice/app was looked for: ${mounts} lists no roots`)
  }, 60_000)

  it('a --cwd that is a symbolic link is resolved: Claude Code runs there in the real path and looks in its project folder', async () => {
    const real = join(user, 'real', 'app')
    const link = join(user, 'applink')
    await mkdir(real, { recursive: true })
    await symlink(real, link)
    const r = await h.mesh('agent', 'resume', `agent:claude:${SID}`, '--cwd', link)
    expect(r.code, r.stderr).toBe(0)
    const file = join(user, '.claude', 'projects', sanitizePath(real), `${SID}.jsonl`)
    expect(r.stdout).toContain(`wrote ${file} (1 path rewritten from `)
    expect(r.stdout).toContain(`(${link} is ${real}: Claude Code looks there, so the session is written for it)`)
    expect(r.stdout).toContain(`cd ${real} && claude --resume ${SID}`)
    expect(JSON.parse(await readFile(file, 'utf8')).cwd).toBe(real)
    const j = await h.mesh('agent', 'resume', `agent:claude:${SID}`, '--cwd', link, '--json')
    expect(j.code, j.stderr).toBe(0)
    expect(JSON.parse(j.stdout)).toMatchObject({ cwd: real, cwdAsNamed: link, path: file, unchanged: true })
    // The resolved path is what is remembered for the project.
    expect(JSON.parse(await readFile(mounts, 'utf8')).projects).toEqual({ 'github.com/alice/app': real })
  }, 60_000)
})
