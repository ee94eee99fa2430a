/**
 * `--out FILE` as a user meets it, through real `mesh` processes on a home of their own (no
 * daemon: each command opens the home): `mesh agent export --out` and a Hermes resume's `--out`
 * never write over a file that is there (FILE_EXISTS, exit 2, the file as it was) unless
 * `--force`; a resume run again over its own file leaves it alone; no temp file is left beside it.
 */
import { spawnSync } from 'node:child_process'
import { lstat, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { BIN, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const H1 = '20261120_080000_a1b2c3'
const KEY = `agent:hermes:${H1}`

const h = cliHome(d => ({ HERMES_HOME: join(d, 'hermes') }))
const { mesh } = h
/** The --json error of a refused command, after its exit code. */
const errorOf = (r: RunResult, code: number): any => { expect(r.code, r.stderr).toBe(code); return JSON.parse(r.stderr).error }
beforeAll(async () => {
  const imp = await mesh('agent', 'import', 'hermes', '--file', join(FIX, 'hermes', 'export.jsonl'))
  expect(imp.code, imp.stderr).toBe(0)
}, 60_000)

describe('mesh agent export --out FILE', () => {
  it('refuses a file that is there (FILE_EXISTS, exit 2, the file untouched) unless --force, which replaces it whole', async () => {
    const out = join(h.dir, 'mine.jsonl')
    await writeFile(out, 'my own notes\n')
    const refused = await mesh('agent', 'export', KEY, '--out', out)
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toContain(`refusing to overwrite ${out}: the file exists. Pass --force to replace it, or name another file`)
    expect(errorOf(await mesh('agent', 'export', KEY, '--out', out, '--json'), 2)).toMatchObject({ code: 'FILE_EXISTS', details: { path: out } })
    expect(await readFile(out, 'utf8')).toBe('my own notes\n')
    // Said before the session is read (a long one is not fetched and made only to be refused):
    // a key nothing holds is refused for the file first.
    expect(errorOf(await mesh('agent', 'export', 'agent:claude:nothing-here', '--out', out, '--json'), 2).code).toBe('FILE_EXISTS')

    // A symlink there is a file there too: neither it nor what it points at is written.
    const target = join(h.dir, 'target.txt')
    await writeFile(target, 'pointed at\n')
    const link = join(h.dir, 'link.jsonl')
    await symlink(target, link)
    expect(errorOf(await mesh('agent', 'export', KEY, '--out', link, '--json'), 2).code).toBe('FILE_EXISTS')
    expect(await readFile(target, 'utf8')).toBe('pointed at\n')

    const forced = await mesh('agent', 'export', KEY, '--out', out, '--force')
    expect(forced.code, forced.stderr).toBe(0)
    const row = (await readFile(join(FIX, 'hermes', 'export.jsonl'), 'utf8')).split('\n')[0] as string
    expect(await readFile(out, 'utf8')).toBe(`${row}\n`)
    expect((await lstat(out)).mode & 0o777).toBe(0o600)

    // A new file needs no --force; nothing but the files asked for is left in the folder.
    const fresh = join(h.dir, 'fresh.jsonl')
    expect((await mesh('agent', 'export', KEY, '--out', fresh)).code).toBe(0)
    expect(await readFile(fresh, 'utf8')).toBe(`${row}\n`)
    expect((await readdir(h.dir)).filter(n => n.endsWith('.tmp'))).toEqual([])
  }, 60_000)

  it('writes a FILE whose name is near the longest a folder takes (255 bytes): its temp name is cut to fit', async () => {
    const row = (await readFile(join(FIX, 'hermes', 'export.jsonl'), 'utf8')).split('\n')[0] as string
    // 250 bytes of name, two-byte characters (a cut may fall inside one) and the extension.
    const name = 'é'.repeat(122) + '.jsonl'
    expect(Buffer.byteLength(name)).toBe(250)
    const out = join(h.dir, name)
    const r = await mesh('agent', 'export', KEY, '--out', out)
    expect(r.code, r.stderr).toBe(0)
    expect(await readFile(out, 'utf8')).toBe(`${row}\n`)
    // A Hermes resume's --out takes the same way.
    const again = join(h.dir, 'r'.repeat(244) + '.jsonl')
    const res = await mesh('agent', 'resume', KEY, '--out', again)
    expect(res.code, res.stderr).toBe(0)
    expect(await readFile(again, 'utf8')).toBe(`${row}\n`)
    expect((await readdir(h.dir)).filter(n => n.endsWith('.tmp'))).toEqual([])
    // One byte over is the folder's refusal, said in words.
    const over = join(h.dir, 'o'.repeat(250) + '.jsonl')
    expect(errorOf(await mesh('agent', 'export', KEY, '--out', over, '--json'), 2)).toMatchObject({ code: 'INVALID_INPUT', message: `cannot write --out ${over}: its name is longer than a folder takes (255 bytes)` })
  }, 60_000)

  it('removes the temp files an export of that FILE left when it was killed, and no other file\'s', async () => {
    // A pid that was a mesh process and is gone, as after a SIGKILL mid-write.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const pid = Number(gone.stdout)
    const out = join(h.dir, 'killed.jsonl')
    const stale = [`killed.jsonl.mesh-${pid}-0a1b2c3d.tmp`, `killed.jsonl.mesh-${pid}-4e5f6a7b.tmp`]
    const others = [`notes.md.mesh-${pid}-0a1b2c3d.tmp`, `killed.jsonl.mesh-${process.pid}-0a1b2c3d.tmp`, 'killed.jsonl.tmp']
    for (const n of [...stale, ...others]) await writeFile(join(h.dir, n), 'half a transcript')
    const r = await mesh('agent', 'export', KEY, '--out', out)
    expect(r.code, r.stderr).toBe(0)
    const left = await readdir(h.dir)
    for (const n of stale) expect(left, n).not.toContain(n)
    // Another file's, a live process's, and a name that is not mesh's stay.
    for (const n of others) expect(left, n).toContain(n)
    for (const n of others) await rm(join(h.dir, n))
  }, 60_000)

  it('takes --force in its usage, which the other subcommands that do not take it still refuse', async () => {
    const list = await mesh('agent', 'list', '--force')
    expect(list.code).toBe(2)
    expect(list.stderr).toMatch(/mesh agent list has no option --force/)
  }, 30_000)
})

describe('mesh agent resume KEY --out FILE (Hermes)', () => {
  it('refuses a file that is there unless --force; its own file as it would write it is left alone', async () => {
    const out = join(h.dir, 'for-hermes.jsonl')
    await writeFile(out, 'not yours\n')
    const refused = await mesh('agent', 'resume', KEY, '--out', out, '--json')
    expect(errorOf(refused, 2)).toMatchObject({ code: 'FILE_EXISTS', details: { path: out } })
    expect(await readFile(out, 'utf8')).toBe('not yours\n')

    const forced = await mesh('agent', 'resume', KEY, '--out', out, '--force', '--json')
    expect(forced.code, forced.stderr).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ key: KEY, path: out })
    const written = await readFile(out, 'utf8')
    expect(written).not.toBe('not yours\n')

    // Run again: the file is as it would be written, so no --force is needed and nothing changes.
    const again = await mesh('agent', 'resume', KEY, '--out', out)
    expect(again.code, again.stderr).toBe(0)
    expect(again.stdout).toContain(`${out} is already as mesh would write it: left as it is`)
    expect(await readFile(out, 'utf8')).toBe(written)
    expect((await readdir(h.dir)).filter(n => n.endsWith('.tmp'))).toEqual([])
  }, 60_000)

  // strace shows what a crash would keep: a folder made is durable once the folder holding it is synced.
  it('makes the missing folders of FILE durably: the folder above each new one is synced', async () => {
    const base = join(h.dir, 'made')
    const out = join(base, 'by', 'resume.jsonl')
    const log = join(h.dir, 'strace.log')
    // Fails rather than skips without it: a skipped test checks nothing (.ci/run installs it).
    if (spawnSync('strace', ['-V']).status !== 0) throw new Error('this test needs strace (apt-get install strace)')
    const r = spawnSync('strace', ['-f', '-qq', '-y', '-e', 'trace=fsync', '-o', log, process.execPath, BIN, 'agent', 'resume', KEY, '--out', out, '--home', h.home], { env: h.env, encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    expect((await lstat(out)).isFile()).toBe(true)
    const synced = new Set([...(await readFile(log, 'utf8')).matchAll(/fsync\(\d+<([^>]*)>\)\s+= 0/g)].map(m => m[1]))
    // h.dir holds the new `made`, `made` the new `by`, and `by` the file.
    for (const dir of [h.dir, base, join(base, 'by')]) expect(synced, `${dir} synced`).toContain(dir)
  }, 60_000)

  it('is refused for another agent\'s session before the session is fetched: its agent is read from its key', async () => {
    const out = join(h.dir, 'not-for-claude.jsonl')
    // No such session: the key says it is Claude Code's, and that is enough to refuse --out.
    const refused = await mesh('agent', 'resume', 'agent:claude:nothing-here', '--out', out, '--json')
    expect(errorOf(refused, 2)).toMatchObject({ code: 'INVALID_INPUT', details: { key: 'agent:claude:nothing-here', agent: 'claude' } })
    expect(JSON.parse(refused.stderr).error.message).toContain('out (--out FILE) is for Hermes sessions')
    await expect(lstat(out)).rejects.toMatchObject({ code: 'ENOENT' })

    // So a key names its agent: another agent's records are refused under it, and nothing is stored.
    const mixed = await mesh('agent', 'import', 'hermes', '--file', join(FIX, 'hermes', 'export.jsonl'), '--session', H1, '--key', 'agent:claude:a-hermes-one', '--json')
    expect(errorOf(mixed, 2)).toMatchObject({ code: 'INVALID_INPUT', details: { key: 'agent:claude:a-hermes-one', agent: 'hermes' } })
    expect(JSON.parse((await mesh('agent', 'list', 'claude', '--json')).stdout).elsewhere).not.toContain('agent:claude:a-hermes-one')

    // A key of no agent's name: the session's first page says whose it is.
    const own = await mesh('agent', 'import', 'hermes', '--file', join(FIX, 'hermes', 'export.jsonl'), '--session', H1, '--key', 'agent:main:mine')
    expect(own.code, own.stderr).toBe(0)
    const r = await mesh('agent', 'resume', 'agent:main:mine', '--out', out, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ key: 'agent:main:mine', agent: 'hermes', path: out })
  }, 60_000)

  it('without --out, replaces its own file under mesh-imports/ when run again, as before (no --force)', async () => {
    const first = await mesh('agent', 'resume', KEY, '--json')
    expect(first.code, first.stderr).toBe(0)
    const path = JSON.parse(first.stdout).path as string
    expect(path).toContain(join('hermes', 'mesh-imports'))
    await writeFile(path, 'an older export of this session\n')
    const again = await mesh('agent', 'resume', KEY, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(await readFile(path, 'utf8')).not.toBe('an older export of this session\n')
  }, 60_000)
})
