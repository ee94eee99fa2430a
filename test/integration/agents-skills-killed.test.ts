/**
 * `mesh agent skills sync claude` killed while it pulls a skill of many files (SIGKILL after a
 * third of them): the next sync read the half-written folder as the user's edit, said "changed
 * here … and in mesh", exit 1, and `--prefer local` then put the half-written skill in mesh, from
 * where every machine's next sync cut its own copy down the same way. A pull begun is now
 * recorded first: the next sync finishes it, whatever --prefer says. A real `mesh` process killed
 * by its pid as the files appear (inotify), real files. (The skill goes into mesh with `mesh skills
 * add FOLDER`, which used to send its SKILL.md alone: its scripts/ now go with it.)
 */
import { spawn } from 'node:child_process'
import { watch } from 'node:fs'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const FILES = 100
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))

describe('a skills sync killed while it pulls a skill', () => {
  it('is finished by the next sync, even with --prefer local: no conflict, and mesh keeps the whole skill', async () => {
    const src = join(h.dir, 'skill-src', 'big')
    await mkdir(join(src, 'scripts'), { recursive: true })
    await writeFile(join(src, 'SKILL.md'), '---\nname: big\ndescription: Many scripts\n---\n\nRun them all.\n')
    for (let i = 0; i < FILES; i++) await writeFile(join(src, 'scripts', `s${String(i).padStart(3, '0')}.sh`), `echo ${i}\n${'#'.repeat(3000)}\n`)
    const added = await h.mesh('skills', 'add', src)
    expect(added.code, added.stderr).toBe(0)

    // Claude Code installed here, the skill's folder there and empty (so it can be watched).
    const folder = join(h.dir, 'claude', 'skills', 'big')
    const scripts = join(folder, 'scripts')
    await mkdir(folder, { recursive: true })
    const sync = spawn(process.execPath, [BIN, 'agent', 'skills', 'sync', 'claude', '--home', h.home], { env: h.env, stdio: 'ignore' })
    const exited = new Promise(resolve => sync.once('exit', (_c, signal) => { resolve(signal) }))
    const seen = new Set<string>()
    const watchers = [watch(folder, (_e, name) => {
      // Its scripts/ made: watched in turn, and the sync killed once a third of them are written.
      if (name !== 'scripts' || watchers.length > 1) return
      watchers.push(watch(scripts, (_e2, file) => {
        if (file === null || !file.endsWith('.sh')) return
        seen.add(file)
        if (seen.size >= FILES / 3) sync.kill('SIGKILL')
      }))
    })]
    try { expect(await exited).toBe('SIGKILL') } finally { for (const w of watchers) w.close() }
    const half = (await readdir(scripts)).filter(n => n.endsWith('.sh'))
    expect(half.length).toBeGreaterThan(0)
    expect(half.length).toBeLessThan(FILES)

    // The next sync, told to prefer this machine's copy, finishes the pull rather than pushing the half.
    const next = await h.mesh('agent', 'skills', 'sync', 'claude', '--prefer', 'local', '--json')
    expect(next.code, next.stdout + next.stderr).toBe(0)
    const r = JSON.parse(next.stdout)
    expect(r.conflicts).toEqual([])
    expect(r.pushed).toEqual([])
    expect(r.pulled).toEqual(['big'])
    expect((await readdir(scripts)).filter(n => n.endsWith('.sh'))).toHaveLength(FILES)
    expect(await readFile(join(scripts, 's099.sh'), 'utf8')).toBe(`echo 99\n${'#'.repeat(3000)}\n`)
    const shown = JSON.parse((await h.mesh('skills', 'show', 'big', '--json')).stdout)
    expect(JSON.stringify(shown)).toContain('s099.sh')
    // And once through, a sync after it has nothing to do.
    const again = JSON.parse((await h.mesh('agent', 'skills', 'sync', 'claude', '--json')).stdout)
    expect(again).toMatchObject({ pulled: [], pushed: [], conflicts: [], same: ['big'] })
  }, 120_000)

  // A symlink or a dot-file inside a skill folder was passed by without a word (only a symlinked
  // skill folder was named), and a dot-file or node_modules was sent, while `mesh skills add
  // FOLDER` left them out and said so: now one rule, said alike.
  it('says what it left out of a skill folder, as mesh skills add does: in its line and in --json', async () => {
    const folder = join(h.dir, 'claude', 'skills', 'tidy')
    await mkdir(join(folder, '.git'), { recursive: true })
    await mkdir(join(folder, 'node_modules', 'x'), { recursive: true })
    await writeFile(join(folder, 'SKILL.md'), '---\nname: tidy\ndescription: Tidy up\n---\n\nRun run.sh.\n')
    await writeFile(join(folder, 'run.sh'), 'echo tidy\n')
    await writeFile(join(folder, '.env'), 'TOKEN=secret\n')
    await writeFile(join(folder, '.git', 'config'), '[core]\n')
    await writeFile(join(folder, 'node_modules', 'x', 'index.js'), '\n')
    await symlink('run.sh', join(folder, 'notes.txt'))
    const r = await h.mesh('agent', 'skills', 'sync', 'claude', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ pushed: ['tidy'], leftOut: [{ name: 'tidy', path: folder, leftOut: [{ path: '.env', why: 'hidden' }, { path: '.git/', why: 'hidden' }, { path: 'node_modules/', why: 'node_modules' }, { path: 'notes.txt', why: 'symlink' }] }] })
    const text = await h.mesh('agent', 'skills', 'sync', 'claude')
    const words = 'left out: notes.txt (a symlink, not followed), .env, .git/ (hidden), node_modules/ (installed packages)'
    expect(text.stdout).toContain(`tidy (${folder}): ${words}\n`)
    // The same words as mesh skills add of that folder: one rule for both.
    const add = await h.mesh('skills', 'add', folder)
    expect(add.stdout).toContain(words)
  }, 60_000)
})
