/**
 * No silent fork. A member that signs two different entries for one (document, lane, seq) is
 * found out on every node that sees both: both are kept and applied, and the fork is reported.
 * A home restored from a backup and written offline loses nothing, whether it was restored as
 * a new directory (its lane file says so) or in place (a peer shows it behind its own lane).
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { rogueMember, sharedSession } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()

const KEY = 'agent:main:forked' as SessionKey

async function texts (n: TestNode): Promise<string[]> {
  if (!(await n.vault.sessions.exists(KEY))) return []
  const s = await n.vault.sessions.open(KEY)
  try { return s.messages().map(m => m.content).sort() } finally { await s.close() }
}

describe('no silent fork', () => {
  it('two different entries at one slot are both kept, applied and reported, on every node that sees them', async () => {
    const wallet = generateWallet()
    let shared: ((text: string) => Uint8Array) | undefined
    const r = await rogueMember(nodes, { wallet, prepare: async (a, b) => { shared = await sharedSession(a, b, KEY, 'start') } })
    const c = await startNode({ wallet, label: 'C' }); nodes.push(c)
    await c.node.dial(r.a.node.addresses()[0] as string)
    await until(async () => (await texts(c)).length === 1, 'C to catch up from A')
    const doc = r.a.vault.vault.docId(DOC_NAMES.session(KEY))
    const say = shared as (text: string) => Uint8Array
    const forks: unknown[] = []
    r.a.vault.vault.on('fork', f => forks.push(f))
    r.sendEntries([r.entry(doc, 1n, say('left'), 9)])
    await until(async () => (await texts(c)).includes('left'), 'C to get the first')
    r.sendEntries([r.entry(doc, 1n, say('right'), 9)])
    await until(() => r.a.vault.vault.forks().length === 1 && c.vault.vault.forks().length === 1, 'A and C to report the fork')
    expect(forks).toHaveLength(1)
    expect(r.a.vault.vault.forks()[0]).toMatchObject({ lane: 9, seq: 1, authorLabel: 'B', docName: DOC_NAMES.session(KEY) })
    await until(async () => (await texts(c)).includes('right'), 'C to hold the second too')
    expect(await texts(r.a)).toEqual(['left', 'right', 'start'])
    expect(await texts(c)).toEqual(['left', 'right', 'start'])
    // What `mesh peers` compares: equal once both hold the same entries and forks.
    await until(() => r.a.vault.vault.contentSummary(doc).digest === c.vault.vault.contentSummary(doc).digest, 'A and C to agree on content')
    expect(r.a.vault.vault.contentSummary(doc).forks).toHaveLength(1)
  })

  it('a home restored in place that writes as many entries as it lost: the content tips differ, the fork is found and nothing is lost', async () => {
    const wallet = generateWallet()
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'a')
    const bak = join(t.dir, 'bak')
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    let a = await startNode({ wallet, home, label: 'A', bootstrap: [] })
    await a.node.dial(b.node.addresses()[0] as string)
    const s = await a.vault.sessions.create(KEY)
    for (const m of ['one', 'two', 'three']) await s.append({ role: 'user', content: m })
    await s.close()
    await until(async () => (await texts(b)).length === 3, 'B to get the first three')
    await a.node.stop(); await a.vault.close()
    execFileSync('cp', ['-a', home, bak])
    a = await startNode({ wallet, home, label: 'A' })
    const s2 = await a.vault.sessions.open(KEY)
    for (const m of ['four', 'five', 'six']) await s2.append({ role: 'user', content: m })
    await s2.close()
    await until(async () => (await texts(b)).length === 6, 'B to get six')
    await a.node.stop(); await a.vault.close()
    execFileSync('sh', ['-c', 'rm -rf "$1"/* && cp -a "$2"/. "$1"/', 'sh', home, bak])
    // Exactly as many writes as the backup lost: A's vector of the session equals B's.
    const offline = await openVault({ home, wallet, label: 'A' })
    const s3 = await offline.sessions.open(KEY)
    for (const m of ['offline-1', 'offline-2', 'offline-3']) await s3.append({ role: 'user', content: m })
    await s3.close()
    const doc = offline.vault.docId(DOC_NAMES.session(KEY))
    const vectorA = [...offline.vault.store.vector(doc)]
    await offline.close()
    expect(vectorA).toEqual([...b.vault.vault.store.vector(doc)])
    a = await startNode({ wallet, home, label: 'A' })
    nodes.unshift(a)
    await a.node.dial(b.node.addresses()[0] as string).catch(() => undefined)
    const all = ['five', 'four', 'offline-1', 'offline-2', 'offline-3', 'one', 'six', 'three', 'two']
    await until(async () => (await texts(a)).length === 9 && (await texts(b)).length === 9, 'A and B to hold all nine', 30_000)
    expect(await texts(a)).toEqual(all)
    expect(await texts(b)).toEqual(all)
    // Reported as forks on both sides, three slots written twice; then the content agrees.
    await until(() => a.vault.vault.forks().length === 3 && b.vault.vault.forks().length === 3, 'A and B to report the three forks')
    await until(() => a.vault.vault.contentSummary(doc).digest === b.vault.vault.contentSummary(doc).digest, 'A and B to agree on content')
    // A writes on a fresh lane from now on: B takes it.
    const s4 = await a.vault.sessions.open(KEY)
    await s4.append({ role: 'user', content: 'after' })
    await s4.close()
    await until(async () => (await texts(b)).includes('after'), 'B to get the write after')
  })

  for (const how of ['in place', 'as a new directory'] as const) {
    it(`a home restored from a backup ${how} and written offline loses nothing`, async () => {
      const wallet = generateWallet()
      const t = await tempDir(); cleanups.push(t.cleanup)
      const home = join(t.dir, 'a')
      const bak = join(t.dir, 'bak')
      const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
      let a = await startNode({ wallet, home, label: 'A', bootstrap: [] })
      await a.node.dial(b.node.addresses()[0] as string)
      const s = await a.vault.sessions.create(KEY)
      for (const m of ['one', 'two', 'three']) await s.append({ role: 'user', content: m })
      await s.close()
      await until(async () => (await texts(b)).length === 3, 'B to get the first three')
      await a.node.stop(); await a.vault.close()
      execFileSync('cp', ['-a', home, bak])
      a = await startNode({ wallet, home, label: 'A' })
      const s2 = await a.vault.sessions.open(KEY)
      for (const m of ['four', 'five', 'six']) await s2.append({ role: 'user', content: m })
      await s2.close()
      await until(async () => (await texts(b)).length === 6, 'B to get six')
      await a.node.stop(); await a.vault.close()
      // The disk is lost; the backup comes back.
      if (how === 'in place') {
        execFileSync('sh', ['-c', 'rm -rf "$1"/* && cp -a "$2"/. "$1"/', 'sh', home, bak])
      } else {
        execFileSync('rm', ['-rf', home])
        execFileSync('cp', ['-a', bak, home])
      }
      const offline = await openVault({ home, wallet, label: 'A' })
      const s3 = await offline.sessions.open(KEY)
      for (const m of ['offline-1', 'offline-2']) await s3.append({ role: 'user', content: m })
      await s3.close()
      await offline.close()
      a = await startNode({ wallet, home, label: 'A' })
      nodes.unshift(a)
      await a.node.dial(b.node.addresses()[0] as string).catch(() => undefined) // it may have redialed B itself already
      const all = ['five', 'four', 'offline-1', 'offline-2', 'one', 'six', 'three', 'two']
      await until(async () => (await texts(a)).length === 8 && (await texts(b)).length === 8, 'A and B to hold all eight', 30_000)
      expect(await texts(a)).toEqual(all)
      expect(await texts(b)).toEqual(all)
      // A write after reconnecting reaches B too (the new lane does not collide).
      const s4 = await a.vault.sessions.open(KEY)
      await s4.append({ role: 'user', content: 'after' })
      await s4.close()
      await until(async () => (await texts(b)).includes('after'), 'B to get the write after')
    })
  }
})
