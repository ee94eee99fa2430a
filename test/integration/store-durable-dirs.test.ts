/**
 * The folders of a home survive a crash with what is in them: a folder made is an entry of its
 * parent, so the parent of each new one is synced before anything is put in it (the store's
 * mkdirDurable). Real `mesh` processes under strace, which shows what a crash would keep: a home
 * set up where none of its folders existed (`mesh init`), a document's snapshot folder made by the
 * close that takes its first snapshot, and a new wallet's folders and name (`mesh wallet new`). A snapshot synced into a folder a crash then loses is
 * lost with it, and compaction may by then have dropped the entries it covers.
 */
import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeNewWallet } from '../../src/identity/index.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { madeDurably, traced } from '../helpers/strace.js'
import { tempDir } from '../helpers/tmp.js'

describe('the folders of a home are made durably', () => {
  it('a new home and its data folder, several folders deep; a document\'s snapshot folder, at its first snapshot', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      const wallet = join(t.dir, 'wallet.json')
      await writeNewWallet(wallet)
      const home = join(t.dir, 'machines', 'desk', 'home')
      const init = await traced(t.dir, 'init', [BIN, 'init', '--home', home, '--wallet', wallet, '--label', 'desk'], { env })
      for (const dir of [join(t.dir, 'machines'), join(t.dir, 'machines', 'desk'), home, join(home, 'data')]) expect(madeDurably(init, dir), `${dir} made durably`).toBe(true)

      // A session's first snapshot is taken by the close after 32 entries no snapshot covers.
      expect((await runCli(['session', 'new', 'durable', '--home', home], { env })).code).toBe(0)
      const snapshots = join(home, 'data', 'snapshots')
      const before = new Set(await readdir(snapshots))
      // The first 30 unwatched (a traced run is slow); then each under strace until the folder appears.
      for (let i = 0; i < 30; i++) expect((await runCli(['session', 'append', 'durable', '--role', 'user', '--text', `message ${i}`, '--home', home], { env })).code).toBe(0)
      let calls: string[] = []
      for (let i = 30; i < 40; i++) {
        calls = await traced(t.dir, `append-${i}`, [BIN, 'session', 'append', 'durable', '--role', 'user', '--text', `message ${i}`, '--home', home], { env })
        if ((await readdir(snapshots)).some(d => !before.has(d))) break
      }
      const made = (await readdir(snapshots)).filter(d => !before.has(d))
      expect(made.length, 'a snapshot folder made').toBeGreaterThan(0)
      for (const d of made) expect(madeDurably(calls, join(snapshots, d)), `${d} made durably`).toBe(true)
    } finally {
      await t.cleanup()
    }
  }, 120_000)

  it('a new wallet: its folders, then its name, synced before `mesh wallet new` returns', async () => {
    const t = await tempDir()
    try {
      const path = join(t.dir, 'config', 'mesh', 'wallet.json')
      const calls = await traced(t.dir, 'wallet', [BIN, 'wallet', 'new', '--out', path], { env: cliEnv(t.dir) })
      for (const dir of [join(t.dir, 'config'), join(t.dir, 'config', 'mesh')]) expect(madeDurably(calls, dir), `${dir} made durably`).toBe(true)
      // The link that gives the wallet its name, then its folder synced: the name is on disk.
      const linked = calls.findIndex(l => /link(at)?\(/.test(l) && l.includes(`"${path}"`) && /= 0$/.test(l))
      expect(linked, 'the wallet linked in place').toBeGreaterThan(-1)
      expect(calls.slice(linked + 1).some(l => l.includes('fsync(') && l.includes(`<${dirname(path)}>)`) && /= 0$/.test(l)), 'its folder synced after').toBe(true)
    } finally {
      await t.cleanup()
    }
  }, 60_000)
})
