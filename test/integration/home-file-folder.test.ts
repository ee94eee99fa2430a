/**
 * A file of the home that has become a folder (lane.json, config.json, peers.json): every command
 * said `EISDIR: illegal operation on a directory, read`, naming no file. Now the file is named and
 * what to do is said. A FIFO there (no program writing into it) kept `mesh join` waiting forever;
 * now it is named as no regular file.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

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
