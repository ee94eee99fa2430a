/**
 * A home that cannot be written (a backup mounted read-only; see read-only-home.ts): the commands
 * that only read it work, opened without its lock and writing nothing, and say it is read-only
 * where it matters; every command that would change it is refused with HOME_READ_ONLY naming the
 * home (exit 2). The same home writable, held by another process, is HOME_IN_USE as ever.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { meshReadOnly, meshUnder, needsRoot } from '../helpers/read-only-home.js'
import { treeHashes } from '../helpers/tree.js'

const h = cliHome()

beforeAll(async () => {
  needsRoot()
  expect((await h.mesh('session', 'new', 'fix-login', '--goal', 'users stay logged in')).code).toBe(0)
  const a = await h.mesh('session', 'append', 'fix-login', '--role', 'assistant', '--text', 'found it in the cookie path')
  expect(a.code, a.stderr).toBe(0)
  expect((await h.mesh('memory', 'set', 'db', 'postgres')).code).toBe(0)
}, 60_000)

describe('a home that cannot be written', () => {
  it('is read by status, sessions, session show, resume and memory get, said to be read-only, and nothing in it changes', async () => {
    const before = await treeHashes(h.home)
    const status = await meshReadOnly(h.home, h.env, 'status')
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain(`home:         ${h.home} (read-only: a read-only file system; opened only to read, nothing can be changed in it)`)
    expect(status.stdout).toMatch(/sessions: +1\n/)
    expect(status.stdout).toContain('daemon:       not running (it cannot run on a read-only home)')
    const json = await meshReadOnly(h.home, h.env, 'status', '--json')
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ home: h.home, sessions: 1, readOnlyHome: { errno: 'EROFS' }, setAside: { damaged: 0 } })
    for (const args of [['sessions'], ['sessions', '--details']]) {
      const r = await meshReadOnly(h.home, h.env, ...args)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toContain('agent:main:fix-login')
    }
    const show = await meshReadOnly(h.home, h.env, 'session', 'show', 'fix-login')
    expect(show.code, show.stderr).toBe(0)
    expect(show.stdout).toContain('found it in the cookie path')
    const resume = await meshReadOnly(h.home, h.env, 'resume', 'fix-login')
    expect(resume.code, resume.stderr).toBe(0)
    expect(resume.stdout).toContain('(this home is read-only (opened only to read): showing the session without taking the driver lease)')
    expect(resume.stdout).toContain('users stay logged in')
    const mem = await meshReadOnly(h.home, h.env, 'memory', 'get', 'db')
    expect(mem.code, mem.stderr).toBe(0)
    expect(mem.stdout).toContain('postgres')
    expect(await treeHashes(h.home)).toEqual(before)
  }, 120_000)

  it('refuses every command that would change it, naming the home, and changes nothing', async () => {
    const before = await treeHashes(h.home)
    const wallet = join(h.dir, 'wallet.json')
    for (const args of [
      ['session', 'append', 'fix-login', '--role', 'user', '--text', 'more'],
      ['session', 'new', 'other'],
      ['memory', 'set', 'k', 'v'],
      ['init', '--label', 'renamed', '--wallet', wallet]
    ]) {
      const j = await meshReadOnly(h.home, h.env, ...args, '--json')
      expect(j.code, `${args.join(' ')}: ${j.stderr}`).toBe(2)
      const err = JSON.parse(j.stderr.trim().split('\n').at(-1) as string).error
      expect(err).toMatchObject({ code: 'HOME_READ_ONLY', details: { home: h.home, errno: 'EROFS' } })
      expect(err.message).toContain(`home ${h.home} is read-only (it is on a read-only file system)`)
      expect(err.message).not.toMatch(/EROFS|cannot write/)
    }
    // In words, as a person sees it: the home named, no bare errno.
    const r = await meshReadOnly(h.home, h.env, 'memory', 'set', 'k', 'v')
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(`home ${h.home} is read-only (it is on a read-only file system)`)
    expect(r.stderr).not.toMatch(/EROFS|cannot write/)
    expect(await treeHashes(h.home)).toEqual(before)
  }, 120_000)
})

describe('the same home writable, held by another process', () => {
  it('is HOME_IN_USE to a command, never opened without its lock, and its read-only view reads it meanwhile', async () => {
    const holder = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'hold-home.js'), h.home], { stdio: ['ignore', 'pipe', 'inherit'], env: h.env })
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('holding')) resolve() })
        holder.on('exit', (c) => { reject(new Error(`holder exited ${String(c)}`)) })
      })
      const before = await treeHashes(h.home)
      const r = await h.mesh('status', '--json')
      expect(r.code).toBe(1)
      expect(JSON.parse(r.stderr.trim().split('\n').at(-1) as string).error).toMatchObject({ code: 'HOME_IN_USE', details: { pid: holder.pid } })
      const append = await h.mesh('session', 'append', 'fix-login', '--role', 'user', '--text', 'more', '--json')
      expect(JSON.parse(append.stderr.trim().split('\n').at(-1) as string).error.code).toBe('HOME_IN_USE')
      // Mounted read-only elsewhere (a container's view of it): read without its lock, as it is.
      const ro = await meshReadOnly(h.home, h.env, 'session', 'show', 'fix-login')
      expect(ro.code, ro.stderr).toBe(0)
      expect(ro.stdout).toContain('found it in the cookie path')
      expect(await treeHashes(h.home)).toEqual(before)
    } finally {
      holder.kill('SIGKILL')
    }
  }, 120_000)
})

describe('a home that is not there, in a folder that cannot be written', () => {
  it('is said not to be makeable there, with no word of reading it, and nothing is made', async () => {
    const fresh = join(h.dir, 'fresh-home')
    const r = await meshUnder(h.dir, h.env, 'init', '--label', 'x', '--wallet', join(h.dir, 'wallet.json'), '--home', fresh, '--json')
    expect(r.code, r.stderr).toBe(2)
    const err = JSON.parse(r.stderr.trim().split('\n').at(-1) as string).error
    expect(err).toMatchObject({ code: 'HOME_READ_ONLY', details: { home: fresh, errno: 'EROFS' } })
    expect(err.message).toContain('cannot be made')
    expect(err.message).not.toContain('Reading it works')
    await expect(readFile(join(fresh, 'device.cert'))).rejects.toMatchObject({ code: 'ENOENT' })
  }, 60_000)
})
