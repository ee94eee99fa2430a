/**
 * `mesh skills add FOLDER` sends the folder's other files with its SKILL.md (scripts/, references/:
 * before, the SKILL.md alone went, naming scripts no other machine got), but not hidden ones
 * (.env, .git) nor node_modules: a SKILL.md at a repository's root must not send the repository.
 * It says which files went; over the size a skill may have, it names the largest. Real `mesh`.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('mesh skills add FOLDER', () => {
  it('sends its scripts, leaves hidden files and node_modules, says what went; over the size, names the largest', async () => {
    const f = join(h.dir, 'proj')
    for (const d of ['scripts', '.git/objects', 'node_modules/x']) await mkdir(join(f, d), { recursive: true })
    await writeFile(join(f, 'SKILL.md'), '---\nname: proj\ndescription: Build it\n---\n\nRun scripts/build.sh.\n')
    await writeFile(join(f, 'scripts', 'build.sh'), 'make\n', { mode: 0o755 })
    await writeFile(join(f, '.env'), 'secret=1\n')
    await writeFile(join(f, '.git', 'objects', 'pack1'), 'git\n')
    await writeFile(join(f, 'node_modules', 'x', 'index.js'), 'module.exports = 1\n')
    const r = await h.mesh('skills', 'add', f)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('added skill proj 0.0.0 with 1 more file: scripts/build.sh\n')
    const shown = JSON.parse((await h.mesh('skills', 'show', 'proj', '--json')).stdout)
    expect((shown.files as Array<{ path: string, exec?: boolean }>).map(x => [x.path, x.exec])).toEqual([['scripts/build.sh', true]])
    // Listed by `skills show` too, not only in its --json.
    expect((await h.mesh('skills', 'show', 'proj')).stdout).toContain('\nfiles:       scripts/build.sh (executable)\n')

    await writeFile(join(f, 'scripts', 'big.bin'), Buffer.alloc(700_000, 7))
    const big = await h.mesh('skills', 'add', f)
    expect(big.code).toBe(2)
    expect(big.stderr).toMatch(/^mesh: .*at most \d+ bytes.*: its folder adds 2 files \(scripts\/big\.bin \d+ bytes, scripts\/build\.sh 5 bytes\)\. Put the SKILL\.md and only the files it needs in a folder of their own, and add that\n$/)
  }, 60_000)

  it('the same skill added again is said unchanged and writes nothing; changed, it is said updated', async () => {
    const f = join(h.dir, 'again')
    await mkdir(join(f, 'scripts'), { recursive: true })
    await writeFile(join(f, 'SKILL.md'), '---\nname: again\nversion: 1.0.0\n---\n\nDo it.\n')
    await writeFile(join(f, 'scripts', 'go.sh'), 'go\n')
    expect((await h.mesh('skills', 'add', f)).stdout).toBe('added skill again 1.0.0 with 1 more file: scripts/go.sh\n')
    const first = JSON.parse((await h.mesh('skills', 'show', 'again', '--json')).stdout).updatedAt as number
    const same = await h.mesh('skills', 'add', f)
    expect(same.code, same.stderr).toBe(0)
    expect(same.stdout).toBe('unchanged: skill again 1.0.0 is held already as this file has it (nothing sent)\n')
    expect(JSON.parse((await h.mesh('skills', 'show', 'again', '--json')).stdout).updatedAt).toBe(first)
    // A file of its folder changed is a change of the skill.
    await writeFile(join(f, 'scripts', 'go.sh'), 'go now\n')
    expect((await h.mesh('skills', 'add', f)).stdout).toBe('updated skill again 1.0.0 with 1 more file: scripts/go.sh\n')
    // A file not called SKILL.md with no name in its front matter is named by the file.
    await writeFile(join(h.dir, 'plain.md'), 'Just text.\n')
    expect((await h.mesh('skills', 'add', join(h.dir, 'plain.md'))).stdout).toBe('added skill plain 0.0.0\n')
  }, 60_000)
})
