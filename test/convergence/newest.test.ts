/**
 * Last writer by time (crdt/newest.ts): two devices of one wallet write one memory key, one skill
 * name, one session apart, then connect. Yjs keeps the write of the higher client id; here that
 * is the OLDER one, so only the write-back makes the newest win, on both devices.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, MemoryDoc, SessionDoc, SkillsDoc } from '../../crdt/index.js'
import type { Replica } from '../../src/node/replica.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }

/** Two devices of one wallet, apart. */
async function pair (): Promise<[TestNode, TestNode]> {
  const wallet = generateWallet()
  return [await node({ wallet, label: 'laptop' }), await node({ wallet, label: 'desktop' })]
}

/**
 * Both devices holding `doc` open (so their writes carry these replicas' client ids): `older` is
 * the one whose write Yjs keeps in a conflict (the higher client id), for the older write.
 */
async function favoured ([a, b]: [TestNode, TestNode], doc: string): Promise<{ older: TestNode, newer: TestNode, ro: Replica, rn: Replica }> {
  const ra = await a.vault.vault.acquire(doc)
  const rb = await b.vault.vault.acquire(doc)
  return ra.doc.clientID > rb.doc.clientID ? { older: a, newer: b, ro: ra, rn: rb } : { older: b, newer: a, ro: rb, rn: ra }
}

const tick = async (): Promise<void> => { const t = Date.now(); while (Date.now() <= t + 1) await new Promise(resolve => setTimeout(resolve, 1)) }
const id = (n: TestNode): string => n.vault.vault.identity.device.deviceId

describe('last writer by time', () => {
  it('a memory key set on two devices apart, held open as they connect, ends as the newer write on both (the older on the device Yjs favours)', async () => {
    const { older, newer, ro, rn } = await favoured(await pair(), DOC_NAMES.memory)
    await older.vault.memory.set('editor', 'emacs')
    await tick()
    const vim = await newer.vault.memory.set('editor', 'vim')
    await newer.node.dial(older.node.addresses()[0] as string)
    await until(() => [ro, rn].every(r => new MemoryDoc(r.doc).get('editor')?.value === 'vim'), 'both devices to hold the newer "vim"', 10_000)
    for (const r of [ro, rn]) expect(new MemoryDoc(r.doc).get('editor')).toEqual(vim)
    await older.vault.vault.release(ro); await newer.vault.vault.release(rn)
  })

  it('a memory key set on two devices apart and read after they synced (the document loads) reads as the newer write on both', async () => {
    const { older, newer, ro, rn } = await favoured(await pair(), DOC_NAMES.memory)
    await older.vault.memory.set('shell', 'zsh')
    await tick()
    const fish = await newer.vault.memory.set('shell', 'fish')
    await older.vault.vault.release(ro); await newer.vault.vault.release(rn)
    // Neither holds the document open as the other's entry arrives: it is stored, and applied
    // when the document next loads (the daemon's case: a `mesh memory get` opens it).
    const arrived = [older, newer].map(async n => await new Promise<void>(resolve => {
      const doc = Buffer.from(n.vault.vault.docId(DOC_NAMES.memory))
      n.vault.vault.on('entry', e => { if (!e.local && doc.equals(e.doc)) resolve() })
    }))
    await newer.node.dial(older.node.addresses()[0] as string)
    await Promise.all(arrived)
    expect(await older.vault.memory.get('shell')).toEqual(fish)
    expect(await newer.vault.memory.get('shell')).toEqual(fish)
  })

  it('a skill added on two devices apart ends as the newer add on both', async () => {
    const { older, newer, ro, rn } = await favoured(await pair(), DOC_NAMES.skills)
    await older.vault.skills.add('---\nname: deploy\nversion: 1\n---\nold steps\n', { source: 'test' })
    await tick()
    const added = await newer.vault.skills.add('---\nname: deploy\nversion: 2\n---\nnew steps\n', { source: 'test' })
    await newer.node.dial(older.node.addresses()[0] as string)
    await until(() => [ro, rn].every(r => new SkillsDoc(r.doc).get('deploy')?.version === '2'), 'both devices to hold version 2', 10_000)
    expect(new SkillsDoc(ro.doc).get('deploy')).toMatchObject({ updatedAt: added.updatedAt, device: id(newer) })
    await older.vault.vault.release(ro); await newer.vault.vault.release(rn)
  })

  it('a session created and written on two devices apart says its last write is the newer one, on both', async () => {
    const key = 'agent:main:dup2'
    const { older, newer, ro, rn } = await favoured(await pair(), DOC_NAMES.session(key as never))
    const so = await older.vault.sessions.create(key)
    await so.append({ role: 'user', content: 'from the older' })
    await tick()
    const sn = await newer.vault.sessions.create(key)
    await sn.append({ role: 'user', content: 'from the newer' })
    const last = new SessionDoc(rn.doc).getMeta().lastWriter
    expect(last?.device).toBe(id(newer))
    await newer.node.dial(older.node.addresses()[0] as string)
    const writers = (): unknown[] => [ro, rn].map(r => new SessionDoc(r.doc).getMeta().lastWriter)
    await until(() => so.messageCount() === 2 && sn.messageCount() === 2 && writers().every(w => (w as { device?: string } | undefined)?.device === id(newer)), 'both devices to name the newer write', 10_000)
    expect(writers()).toEqual([last, last])
    await so.close(); await sn.close()
    await older.vault.vault.release(ro); await newer.vault.vault.release(rn)
  })
})
