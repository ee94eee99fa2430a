/** The SDK on real homes: reopen, snapshots and compaction, lease, memory, skills, lifecycle. */
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DOC_NAMES } from '../../crdt/index.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet } from '../../src/identity/index.js'
import { newVault } from '../helpers/vault.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('vault', () => {
  it('keeps sessions, task state, memory and skills across reopen without the wallet', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const wallet = generateWallet()
    const v = await openVault({ home, wallet, label: 'one' })
    const s = await v.sessions.create('agent:main:work', { title: 'Work', goal: 'ship' })
    await s.append([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b', toolCall: { name: 'ls', input: { dir: '.' } } }])
    await s.updateTask({ plan: 'p', cwd: '/w', progress: 'half', todos: [{ id: '1', text: 'do it' }], filesTouched: ['a.ts'], fields: { model: 'x' } })
    await s.close()
    await v.memory.set('pref', 'tabs', { tags: ['style'] })
    const skillFile = join(t.dir, 'review.md')
    await writeFile(skillFile, '---\nname: review\nversion: 1.2.0\ndescription: Review a diff\n---\nLook for bugs.\n')
    await v.skills.addFile(skillFile)
    await v.close()

    const again = await openVault({ home })
    expect((await again.sessions.list()).map(x => x.key)).toEqual(['agent:main:work'])
    const s2 = await again.sessions.open('work')
    const info = s2.resumeInfo()
    expect(info.messages.map(m => m.content)).toEqual(['a', 'b'])
    expect(info.messages[1]?.toolCall).toEqual({ name: 'ls', input: { dir: '.' } })
    expect(info.task).toMatchObject({ plan: 'p', cwd: '/w', files: ['a.ts'], fields: { model: 'x' } })
    expect(info.task.progress[0]?.text).toBe('half')
    expect(info.task.todos[0]).toMatchObject({ id: '1', text: 'do it', done: false })
    await s2.close()
    expect((await again.memory.get('pref'))?.value).toBe('tabs')
    expect((await again.memory.list({ tag: 'style' })).length).toBe(1)
    const sk = await again.skills.show('review')
    expect(sk).toMatchObject({ version: '1.2.0', description: 'Review a diff', body: 'Look for bugs.\n' })
    expect(sk.hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    await again.close()
  })

  it('refuses a wallet that is not the home\'s', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const home = a.home
    await a.vault.close()
    const other = generateWallet()
    await expect(openVault({ home, wallet: other })).rejects.toMatchObject({ code: 'WALLET_MISMATCH', details: { home, wallet: other.address, homeWallet: expect.any(String) } })
  })

  it('snapshots, compacts, and reopens to the same transcript', async () => {
    const a = await newVault({ snapshotEvery: 50, snapshotOnClose: 1 }); cleanups.push(a.cleanup)
    const s = await a.vault.sessions.create('big')
    for (let i = 0; i < 180; i++) await s.append({ role: 'user', content: `message ${i}` })
    await s.close()
    const stats = a.vault.vault.store.stats()
    expect(stats.snapshots).toBeGreaterThanOrEqual(1)
    await a.vault.close()
    const docs = await readdir(join(a.home, 'data', 'snapshots'))
    expect(docs.length).toBeGreaterThanOrEqual(1)
    const v2 = await openVault({ home: a.home })
    const st = v2.vault.store.stats()
    // Every transcript entry is covered by the snapshot written on close, and compacted away.
    expect(st.entries).toBeLessThan(50)
    const s2 = await v2.sessions.open('big')
    expect(s2.messageCount()).toBe(180)
    expect(s2.messages({ tail: 2 }).map(m => m.content)).toEqual(['message 178', 'message 179'])
    await s2.append({ role: 'user', content: 'after reopen' })
    await s2.close()
    await v2.close()
    const v3 = await openVault({ home: a.home })
    const s3 = await v3.sessions.open('big')
    expect(s3.messageCount()).toBe(181)
    await s3.close()
    await v3.close()
  })

  it('hands the driver lease over explicitly', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const s = await a.vault.sessions.create('lease')
    const { lease: l1 } = await s.takeLease()
    expect(l1.epoch).toBe(1)
    expect(s.meta().status).toBe('running')
    expect(await s.releaseLease()).toBe(true)
    expect(s.meta().lease).toBeUndefined()
    await s.close()
  })

  it('delivers new messages to subscribers', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const s = await a.vault.sessions.create('sub')
    const seen: string[] = []
    const off = s.subscribe(e => { if (e.type === 'messages') seen.push(...e.messages.map(m => m.content)) })
    await s.append({ role: 'user', content: 'one' })
    await s.append([{ role: 'user', content: 'two' }, { role: 'user', content: 'three' }])
    off()
    await s.append({ role: 'user', content: 'four' })
    expect(seen).toEqual(['one', 'two', 'three'])
    await s.close()
  })

  it('tells subscribers of each change, local or received, and of nothing for an empty transaction', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const a = await openVault({ home: join(t.dir, 'a'), wallet, label: 'a' })
    const b = await openVault({ home: join(t.dir, 'b'), wallet, label: 'b' })
    cleanups.push(async () => { await a.close(); await b.close() })
    await a.vault.addCertificate(b.vault.identity.certificate.bytes)
    const sent: Uint8Array[] = []
    b.vault.on('entry', e => { if (e.local) sent.push(e.entry.bytes) })
    const sa = await a.sessions.create('changes')
    const sb = await b.sessions.create('changes')
    const seen: boolean[] = []
    sa.subscribe(e => { if (e.type === 'changed') seen.push(e.remote) })
    await sa.updateTask({ plan: 'mine' })
    ;(sa as any).replica.doc.transact(() => {}) // no content: no event
    await sb.setMeta({ title: 'from b' })
    for (const bytes of sent) await a.vault.accept(bytes)
    expect(seen[0]).toBe(false)
    expect(seen.slice(1).length).toBeGreaterThan(0)
    expect(seen.slice(1).every(r => r)).toBe(true)
    expect(sa.meta().title).toBe('from b')
    await sa.close(); await sb.close()
  })

  it('an entry that arrives while its session is opening is in it once, before and after its load read the store', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const a = await openVault({ home: join(t.dir, 'a'), wallet, label: 'a' })
    const b = await openVault({ home: join(t.dir, 'b'), wallet, label: 'b' })
    cleanups.push(async () => { await a.close(); await b.close() })
    await a.vault.addCertificate(b.vault.identity.certificate.bytes)
    await b.vault.addCertificate(a.vault.identity.certificate.bytes)
    const fromA: Uint8Array[] = []
    const fromB: Uint8Array[] = []
    a.vault.on('entry', e => { if (e.local) fromA.push(e.entry.bytes) })
    b.vault.on('entry', e => { if (e.local) fromB.push(e.entry.bytes) })
    const sa = await a.sessions.create('opening')
    for (let i = 0; i < 20; i++) await sa.append(Array.from({ length: 50 }, (_, j) => ({ role: 'user' as const, content: `a ${i * 50 + j}` })))
    await sa.close()
    for (const bytes of fromA.splice(0)) await b.vault.accept(bytes)
    const sb = await b.sessions.open('opening')
    expect(sb.messageCount()).toBe(1000)

    // A's next open of the session waits at a gate, once before its load reads the store and
    // once after (the replica not yet marked loaded); B's entry arrives there.
    const vault = a.vault
    const loadInto = vault.loadInto.bind(vault)
    for (const when of ['before', 'after'] as const) {
      let open!: () => void
      const gate = new Promise<void>(resolve => { open = resolve })
      let held!: () => void
      const holding = new Promise<void>(resolve => { held = resolve })
      vault.loadInto = async (r) => {
        const mine = r.name.endsWith('/agent:main:opening')
        if (mine && when === 'before') { held(); await gate }
        await loadInto(r)
        if (mine && when === 'after') { held(); await gate }
      }
      await sb.append({ role: 'assistant', content: `from b, ${when} the load` })
      const opening = a.sessions.open('opening')
      await holding
      const accepted = Promise.all(fromB.splice(0).map(async bytes => await a.vault.accept(bytes)))
      await new Promise(resolve => setTimeout(resolve, 50))
      open()
      await accepted
      const s = await opening
      vault.loadInto = loadInto
      const mine = s.messages().filter(m => m.content.startsWith('from b'))
      expect(mine.map(m => m.content), when).toEqual(when === 'before' ? ['from b, before the load'] : ['from b, before the load', 'from b, after the load'])
      expect(s.messageCount(), when).toBe(when === 'before' ? 1001 : 1002)
      await s.close()
    }
    await sb.close()
    // What the store holds says the same after a reopen from disk.
    await a.close()
    const again = await openVault({ home: join(t.dir, 'a') })
    const s = await again.sessions.open('opening')
    expect(s.messageCount()).toBe(1002)
    expect(s.messages().slice(-2).map(m => m.content)).toEqual(['from b, before the load', 'from b, after the load'])
    await s.close(); await again.close()
  }, 60_000)

  it('refuses a change too large for one entry, keeping everything acknowledged before it across a reopen', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const v = await openVault({ home, wallet: generateWallet(), snapshotOnClose: 1_000_000 })
    const s = await v.sessions.create('big')
    await s.append({ role: 'user', content: 'kept' })
    // Three messages of 500 KB in one append: refused before they touch the document.
    const big = [1, 2, 3].map(i => ({ role: 'user' as const, content: 'x'.repeat(500_000) + i }))
    await expect(s.append(big)).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    expect(s.messageCount()).toBe(1)
    await s.append(big.slice(0, 1))
    // A task field of 1.1 MB has no check of its own: sealing refuses the change and the
    // document is reloaded from disk without it.
    await expect(s.updateTask({ plan: 'p'.repeat(1_100_000) })).rejects.toMatchObject({ code: 'ENTRY_TOO_LARGE' })
    expect(() => s.messageCount()).toThrow()
    await s.close()
    const again = await v.sessions.open('big')
    expect(again.messageCount()).toBe(2)
    expect(again.task().plan).toBe('')
    await again.append({ role: 'user', content: 'after' })
    await again.close()
    await v.close()
    const v2 = await openVault({ home })
    const s2 = await v2.sessions.open('big')
    expect(s2.messages().map(m => m.content.slice(0, 5))).toEqual(['kept', 'xxxxx', 'after'])
    expect(s2.task().plan).toBe('')
    await s2.close(); await v2.close()
  })

  it('find sees a session whose index entry came while its lookup was releasing the index', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const v = await openVault({ home: join(t.dir, 'home'), wallet: generateWallet(), label: 'one' })
    cleanups.push(async () => { await v.close() })
    // The sessions index's second release (find's look after it started listening) waits at a
    // gate, as a release that snapshots on a busy machine does: the session is created then.
    const vault = v.vault
    const release = vault.release.bind(vault)
    let releases = 0
    let open!: () => void
    const gate = new Promise<void>(resolve => { open = resolve })
    let held!: () => void
    const holding = new Promise<void>(resolve => { held = resolve })
    vault.release = async (r) => {
      if (r.name === DOC_NAMES.sessionsIndex && ++releases === 2) { held(); await gate }
      await release(r)
    }
    const found = v.sessions.find('agent:main:late')
    await holding
    const s = await v.sessions.create('agent:main:late')
    open()
    expect((await found).key).toBe('agent:main:late')
    await s.close()
  }, 30_000)

  it('a find ended by its signal says whether it timed out or was cancelled', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    await expect(a.vault.sessions.find('agent:main:never', { signal: AbortSignal.timeout(50) }))
      .rejects.toMatchObject({ code: 'ABORTED', message: 'timed out waiting for session agent:main:never', details: { key: 'agent:main:never', reason: 'timeout' } })
    const cancel = new AbortController()
    const cancelled = a.vault.sessions.find('agent:main:never', { signal: cancel.signal })
    cancel.abort()
    const err = await cancelled.catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ABORTED', message: 'stopped waiting for session agent:main:never', details: { key: 'agent:main:never' } })
    expect((err as { details: Record<string, unknown> }).details.reason).toBeUndefined()
  })

  it('throws typed errors for use after close, unknown sessions and bad input', async () => {
    const a = await newVault(); cleanups.push(a.cleanup)
    const s = await a.vault.sessions.create('x')
    await s.close()
    await s.close()
    expect(() => s.messages()).toThrow(expect.objectContaining({ code: 'CLOSED' }))
    await expect(s.append({ role: 'user', content: 'late' })).rejects.toMatchObject({ code: 'CLOSED' })
    await expect(a.vault.sessions.open('nope')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' })
    await expect(a.vault.sessions.create('x')).rejects.toMatchObject({ code: 'SESSION_EXISTS' })
    await expect(a.vault.sessions.create('agent:main')).rejects.toMatchObject({ code: 'INVALID_SESSION_KEY' })
    const s2 = await a.vault.sessions.open('x')
    await expect(s2.append({ role: 'robot' as any, content: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    await s2.close()
    await a.vault.close()
    await expect(a.vault.sessions.list()).rejects.toMatchObject({ code: 'CLOSED' })
  })

  it('a read-only device reads but cannot write', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const v = await openVault({ home: join(t.dir, 'ro'), wallet, readOnly: true })
    expect(v.info().capabilities).toEqual(['read'])
    await expect(v.memory.set('k', 'v')).rejects.toMatchObject({ code: 'READ_ONLY' })
    expect(v.vault.store.stats().entries).toBe(0)
    await v.close()
  })
})
