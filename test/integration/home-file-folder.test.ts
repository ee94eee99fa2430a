/**
 * A file of the home that has become a folder (lane.json, config.json, peers.json; control.sock,
 * where mesh join binds its socket): every command said `EISDIR: illegal operation on a
 * directory, read` (or `rename`), naming no file. Now the file is named and
 * what to do is said. A FIFO there (no program writing into it) kept `mesh join` waiting forever;
 * now it is named as no regular file.
 *
 * The home's format number (format.json): a home a newer mesh wrote was read in part by an older
 * one, with no word of it. Now one whose number is above this mesh's is refused by every command
 * before anything in it is read or written; one without the number opens and is given it.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openVault } from '../../src/sdk/index.js'
import { cliHome } from '../helpers/cli-home.js'
import { treeHashes } from '../helpers/tree.js'

const h = cliHome()

describe('a home file that is a folder', () => {
  it('is named, with what to do', async () => {
    for (const name of ['lane.json', 'config.json', 'peers.json']) {
      const path = join(h.home, name)
      await rm(path, { force: true })
      await mkdir(path)
      const r = name === 'lane.json' ? await h.mesh('status') : await (async () => { const j = h.join(); await j.exited; return { stderr: j.lines.join('\n'), code: await j.exited } })()
      expect(r.code, name).not.toBe(0)
      expect(r.stderr, name).toContain(`mesh: cannot read ${path}: it is a folder, where mesh keeps a file: move it aside`)
      await rm(path, { recursive: true })
    }
  }, 60_000)

  it('a folder where mesh join binds its control socket is named, with what to do, and left as it is', async () => {
    const path = join(h.home, 'control.sock')
    await mkdir(path)
    await writeFile(join(path, 'kept'), 'a file of the user\'s')
    try {
      const j = h.join('--json')
      expect(await j.exited).toBe(1)
      const err = JSON.parse(j.lines.at(-1) as string).error
      expect(err).toMatchObject({ code: 'HOME_CORRUPT', details: { file: path } })
      expect(err.message).toBe(`cannot put the control socket at ${path}: it is a folder, where mesh keeps its socket: move it aside`)
      expect(await readFile(join(path, 'kept'), 'utf8')).toBe('a file of the user\'s')
    } finally { await rm(path, { recursive: true, force: true }) }
  }, 30_000)

  it('a FIFO in config.json\'s place is named, and join ends at once', async () => {
    const path = join(h.home, 'config.json')
    await rm(path, { force: true })
    execFileSync('mkfifo', [path])
    try {
      const j = h.join()
      const code = await j.exited
      expect(code).not.toBe(0)
      expect(j.lines.join('\n')).toContain(`mesh: cannot read ${path}: it is not a regular file (a FIFO, a socket or a device), where mesh keeps a file: move it aside`)
    } finally { await rm(path, { force: true }) }
  }, 30_000)
})

describe('the home format number', () => {
  it('a home set up holds it; one without it (from before it) opens as it is; one a newer mesh wrote is refused by every command, nothing in it changed', async () => {
    const path = join(h.home, 'format.json')
    await h.mesh('status')
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ format: 1 })
    // A home from before the number: read as its format, and not written on opening (a full
    // disk's last bytes are the lock's: disk-full.test.ts).
    await rm(path, { force: true })
    await (await openVault({ home: h.home })).close()
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' })

    await writeFile(path, '{"format": 2}\n')
    const before = await treeHashes(h.home)
    // At once (they only read the number): the CI's time.
    const runs = [['status'], ['join', '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off'], ['session', 'show', 'x'], ['doctor', '--json']]
    const said = await Promise.all(runs.map(async args => await h.mesh(...args)))
    for (const [i, r] of said.entries()) {
      expect(r.code, `${(runs[i] as string[]).join(' ')}: ${r.stderr}`).toBe(2)
      if (i < 3) expect(r.stderr).toContain('mesh: this home was written by a newer mesh (home format 2; this mesh reads up to 1): upgrade mesh on this machine')
    }
    expect(JSON.parse((said[3] as { stderr: string }).stderr.trim().split('\n').at(-1) as string).error).toMatchObject({ code: 'HOME_TOO_NEW', details: { home: h.home, format: 2, reads: 1 } })
    expect(await treeHashes(h.home)).toEqual(before)
    await writeFile(path, '{"format": 1}\n')
  }, 30_000)
})
