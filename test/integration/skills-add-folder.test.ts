/**
 * `mesh skills add FOLDER` sends the folder's other files with its SKILL.md (scripts/, references/:
 * before, the SKILL.md alone went, naming scripts no other machine got), but not hidden ones
 * (.env, .git) nor node_modules: a SKILL.md at a repository's root must not send the repository.
 * It says which files went, and which it left out and why (a symlink, hidden: they were dropped
 * without a word, though skills travel "byte for byte"), `leftOut` in --json; over the size a skill may have, it names the largest. Its front matter
 * is read as YAML (a `description: |` was stored as "|", `version: 1.0` and quoted text mangled),
 * else line by line (an unquoted colon in a description); a SKILL.md that is not UTF-8 (it was
 * stored with U+FFFD in place of its bytes, so no agent got the file back) is refused naming the
 * file, nothing stored. A SKILL.md beginning with a byte order mark (as editors on Windows write
 * it) has its front matter read (it was not: the skill went by its folder's name, no description),
 * by `mesh skills add` and `mesh agent skills sync` alike, the file kept byte for byte. Real `mesh`.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('mesh skills add FOLDER', () => {
  it('sends its scripts, leaves hidden files, node_modules and symlinks, says what went and what not; over the size, names the largest', async () => {
    const f = join(h.dir, 'proj')
    for (const d of ['scripts', '.git/objects', 'node_modules/x']) await mkdir(join(f, d), { recursive: true })
    await writeFile(join(f, 'SKILL.md'), '---\nname: proj\ndescription: Build it\n---\n\nRun scripts/build.sh.\n')
    await writeFile(join(f, 'scripts', 'build.sh'), 'make\n', { mode: 0o755 })
    await writeFile(join(f, '.env'), 'secret=1\n')
    await writeFile(join(f, '.git', 'objects', 'pack1'), 'git\n')
    await writeFile(join(f, 'node_modules', 'x', 'index.js'), 'module.exports = 1\n')
    await symlink('scripts/build.sh', join(f, 'notes.txt'))
    const r = await h.mesh('skills', 'add', f)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('added skill proj 0.0.0 with 1 more file: scripts/build.sh; left out: notes.txt (a symlink, not followed), .env, .git/ (hidden), node_modules/ (installed packages)\n')
    expect(JSON.parse((await h.mesh('skills', 'add', f, '--json')).stdout).leftOut).toEqual([{ path: '.env', why: 'hidden' }, { path: '.git/', why: 'hidden' }, { path: 'node_modules/', why: 'node_modules' }, { path: 'notes.txt', why: 'symlink' }])
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

  it('reads the front matter as YAML: a block scalar, version 1.0, quoted text, comments', async () => {
    const f = join(h.dir, 'yaml')
    await mkdir(f, { recursive: true })
    await writeFile(join(f, 'SKILL.md'), '---\nname: yaml-forms\nversion: 1.0\ndescription: |\n  Review a diff.\n  Say what is wrong. # not a comment here\nmetadata: {owner: "me"} # a comment\n---\n\nBody.\n')
    const added = await h.mesh('skills', 'add', f)
    expect(added.code, added.stderr).toBe(0)
    expect(added.stdout).toBe('added skill yaml-forms 1.0\n')
    const shown = JSON.parse((await h.mesh('skills', 'show', 'yaml-forms', '--json')).stdout)
    expect([shown.version, shown.description]).toEqual(['1.0', 'Review a diff.\nSay what is wrong. # not a comment here\n'])
    // `skills show` puts the description's second line under its first.
    expect((await h.mesh('skills', 'show', 'yaml-forms')).stdout).toContain('description: Review a diff.\n             Say what is wrong. # not a comment here\nsource:')
    await writeFile(join(h.dir, 'quoted.md'), '---\ndescription: "one\\ttab" # said\nversion: \'it\'\'s\'\n---\nx\n')
    expect((await h.mesh('skills', 'add', join(h.dir, 'quoted.md'))).stdout).toBe('added skill quoted it\'s\n')
    expect(JSON.parse((await h.mesh('skills', 'show', 'quoted', '--json')).stdout).description).toBe('one\ttab')
  }, 60_000)

  it('takes front matter that is not YAML line by line; refuses a SKILL.md that is not UTF-8, naming the file; nothing stored', async () => {
    const bad = join(h.dir, 'not-yaml')
    await mkdir(bad, { recursive: true })
    await writeFile(join(bad, 'SKILL.md'), '---\nname: not-yaml\ndescription: Use it when: the user asks\n---\nx\n')
    const r = await h.mesh('skills', 'add', bad)
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse((await h.mesh('skills', 'show', 'not-yaml', '--json')).stdout).description).toBe('Use it when: the user asks')
    const before = (await h.mesh('skills', 'list', '--json')).stdout
    const bin = join(h.dir, 'binary')
    await mkdir(bin, { recursive: true })
    await writeFile(join(bin, 'SKILL.md'), Buffer.concat([Buffer.from('---\nname: binary\ndescription: caf'), Buffer.from([0xe9]), Buffer.from('\n---\nx\n')]))
    const b = await h.mesh('skills', 'add', bin)
    expect(b.code).toBe(2)
    expect(b.stderr).toMatch(new RegExp(`^mesh: ${join(bin, 'SKILL.md').replace(/[.*+?^\${}()|[\]\\]/g, '\\$&')} is not UTF-8 text \\(line 3 holds bytes that are not\\)`))
    await writeFile(join(h.dir, 'latin1.md'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))
    expect((await h.mesh('skills', 'add', join(h.dir, 'latin1.md'))).code).toBe(2)
    expect((await h.mesh('skills', 'list', '--json')).stdout).toBe(before)
  }, 60_000)

  it('reads the front matter of a SKILL.md that begins with a byte order mark, in skills add and agent skills sync; the file kept as it is', async () => {
    const BOM = '\uFEFF'
    const text = `${BOM}---\r\nname: from-windows\r\ndescription: Written in Notepad\r\nversion: 2.0\r\n---\r\n\r\nRun it.\r\n`
    const f = join(h.dir, 'win-folder')
    await mkdir(f, { recursive: true })
    await writeFile(join(f, 'SKILL.md'), text)
    const r = await h.mesh('skills', 'add', f)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('added skill from-windows 2.0\n')
    const shown = JSON.parse((await h.mesh('skills', 'show', 'from-windows', '--json')).stdout)
    expect([shown.description, shown.body, shown.text]).toEqual(['Written in Notepad', '\r\nRun it.\r\n', text])

    const claude = join(h.dir, 'claude-bom')
    await mkdir(join(claude, 'skills', 'folder-name'), { recursive: true })
    await writeFile(join(claude, 'skills', 'folder-name', 'SKILL.md'), text.replace('from-windows', 'synced-windows'))
    const s = await runCli(['agent', 'skills', 'sync', 'claude', '--json', '--home', h.home], { env: { ...h.env, CLAUDE_CONFIG_DIR: claude } })
    expect(s.code, s.stderr).toBe(0)
    expect(JSON.parse(s.stdout).pushed).toEqual(['synced-windows'])
    expect(JSON.parse(s.stdout).pulled).toContain('from-windows')
    expect(await readFile(join(claude, 'skills', 'from-windows', 'SKILL.md'), 'utf8')).toBe(text)
    expect(JSON.parse((await h.mesh('skills', 'show', 'synced-windows', '--json')).stdout)).toMatchObject({ description: 'Written in Notepad', version: '2.0' })
  }, 60_000)
})
