/**
 * A member's entry that passes signature, certificate and decryption and is still bad: bytes
 * Yjs cannot apply, or valid Yjs of the wrong shape. Each is quarantined on the receiving node
 * (kept on disk, not applied, not forwarded, listed), the document opens without it, the node
 * restarts, and the member's next good entry is taken as usual.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, SessionDoc, type SessionKey } from '../../crdt/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { poisonUpdate, rogueMember, updateOf } from '../helpers/rogue.js'
import { tempDir } from '../helpers/tmp.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { join } from 'node:path'
import { freePort } from '../helpers/free-port.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes, cleanups } = stopAfterEach()

const KEY = 'agent:main:poisoned' as SessionKey

async function restart (n: TestNode, wallet: ReturnType<typeof generateWallet>): Promise<TestNode> {
  await n.node.stop()
  await n.vault.close()
  const again = await startNode({ wallet, home: n.home, label: 'A' })
  nodes.unshift(again) // stopped before the first one, which removes the home
  return again
}

describe('a bad entry is quarantined, never fatal', () => {
  it('a malformed Yjs update in the sessions index: quarantined, not forwarded, sessions list, the node restarts', async () => {
    const wallet = generateWallet()
    const r = await rogueMember(nodes, {
      wallet,
      prepare: async (a) => {
        const s = await a.vault.sessions.create(KEY)
        await s.append({ role: 'user', content: 'kept' })
        await s.close()
      }
    })
    const v = r.a.vault.vault
    const index = v.docId(DOC_NAMES.sessionsIndex)
    r.sendEntries([r.entry(index, 1n, poisonUpdate(), 77)])
    await until(() => v.quarantined().length === 1, 'A to quarantine the entry')
    const [q] = v.quarantined()
    expect(q).toMatchObject({ docName: DOC_NAMES.sessionsIndex, lane: 77, seq: 1, authorLabel: 'B' })
    expect(q?.reason).toMatch(/update/)
    expect((await r.a.vault.sessions.list()).map(s => s.key)).toEqual([KEY])
    const s = await r.a.vault.sessions.open(KEY)
    expect(s.messages().map(m => m.content)).toEqual(['kept'])
    await s.close()

    // A third node catching up from A never gets it.
    const c = await startNode({ wallet, label: 'C' }); nodes.push(c)
    await c.node.dial(r.a.node.addresses()[0] as string)
    await until(async () => (await c.vault.sessions.exists(KEY)), 'C to catch up from A')
    expect(c.vault.vault.store.has(index, r.b.vault.vault.identity.device.publicKey, 1n, 77)).toBe(false)

    // A restarts on the same home; the entry stays in quarantine, on disk, until dropped.
    r.close()
    const a2 = await restart(r.a, wallet)
    expect(a2.vault.vault.quarantined().map(x => x.id)).toEqual([q?.id])
    expect((await a2.vault.sessions.list()).map(x => x.key)).toEqual([KEY])

    // mesh doctor lists it with its author and document, and drops it only once confirmed.
    await a2.stop()
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const listed = await runCli(['doctor', '--home', a2.home, '--json'], { env })
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout)).toMatchObject({ quarantined: [{ id: q?.id, kind: 'entry', docName: DOC_NAMES.sessionsIndex, authorLabel: 'B', lane: 77, seq: 1 }], forks: [] })
    const human = await runCli(['doctor', '--home', a2.home], { env })
    expect(human.stdout).toContain(`${q?.id as string}  entry    ${DOC_NAMES.sessionsIndex}  by B (`)
    // While the question waits for its answer the home is not held: another command runs meanwhile
    // (it waited on the answer, then failed with "in use by pid N").
    const asking = spawn(process.execPath, [BIN, 'doctor', '--home', a2.home, '--drop', q!.id], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let askingErr = ''
    asking.stderr.on('data', (d: Buffer) => { askingErr += d.toString() })
    const askingDone = new Promise<number | null>(resolve => asking.on('close', resolve))
    await until(() => askingErr.includes('[y/N]'), 'mesh doctor --drop to ask')
    const meanwhile = await runCli(['status', '--home', a2.home, '--json'], { env, timeoutMs: 8_000 })
    expect(meanwhile.code, meanwhile.stderr).toBe(0)
    asking.stdin.end('n\n')
    expect(await askingDone).toBe(1)
    expect(askingErr).toMatch(/delete this entry for good\? \[y\/N\][\s\S]*not dropped/)
    const confirmed = await runCli(['doctor', '--home', a2.home, '--drop', q!.id], { env, input: 'y\n' })
    expect(confirmed.code, confirmed.stderr).toBe(0)
    expect(confirmed.stdout).toMatch(new RegExp(`dropped ${q?.id as string} \\(entry of ${DOC_NAMES.sessionsIndex} by B`))
    expect(JSON.parse((await runCli(['doctor', '--home', a2.home, '--json'], { env })).stdout)).toEqual({ quarantined: [], forks: [], damaged: [] })
    const unknown = await runCli(['doctor', '--home', a2.home, '--drop', q!.id, '--yes', '--json'], { env })
    expect(unknown.code).toBe(2)
    expect(JSON.parse(unknown.stderr).error.code).toBe('NOT_FOUND')
  })

  it('valid Yjs of the wrong shape (a numeric lease, a transcript item that is no chunk, a message that is no map) is quarantined and the session reads', async () => {
    const wallet = generateWallet()
    let base: Y.Doc | undefined
    const r = await rogueMember(nodes, {
      wallet,
      prepare: async (a, b) => {
        const s = await a.vault.sessions.create(KEY)
        await s.append({ role: 'user', content: 'honest' })
        await until(async () => (await b.vault.sessions.exists(KEY)), 'B to get the session')
        const sb = await b.vault.sessions.open(KEY)
        await until(() => sb.messageCount() === 1, 'B to get the message')
        await sb.close()
        const rb = await b.vault.vault.acquire(DOC_NAMES.session(KEY))
        base = new Y.Doc()
        Y.applyUpdate(base, Y.encodeStateAsUpdate(rb.doc))
        await b.vault.vault.release(rb)
        await s.close()
      }
    })
    const v = r.a.vault.vault
    const doc = v.docId(DOC_NAMES.session(KEY))
    // Each bad update from its own copy (own Yjs client): one never waits in Yjs for another that was refused.
    const copy = (): Y.Doc => { const d = new Y.Doc(); Y.applyUpdate(d, Y.encodeStateAsUpdate(base as Y.Doc)); return d }
    const open = await r.a.vault.sessions.open(KEY)
    // Against the open document: a lease that is a number; a string in an existing chunk.
    r.sendEntries([r.entry(doc, 1n, updateOf(d => { d.getMap('meta').set('lease', 5) }, copy()), 78)])
    r.sendEntries([r.entry(doc, 2n, updateOf(d => { (d.getArray('transcript').get(0) as Y.Array<unknown>).insert(1, ['not a map']) }, copy()), 78)])
    await until(() => v.quarantined().length === 2, 'A to quarantine both')
    // Then, with the document closed, a transcript item that is not a chunk: caught at the next open.
    await open.close().catch(() => undefined)
    r.sendEntries([r.entry(doc, 3n, updateOf(d => { d.getArray('transcript').insert(0, [42]) }, copy()), 78)])
    // And a good message after all that: taken, the session goes on.
    const good = updateOf(d => { new SessionDoc(d).appendMessages([{ role: 'assistant', content: 'still here' }], 'b') }, copy())
    r.sendEntries([r.entry(doc, 4n, good, 78)])
    await until(() => v.store.has(doc, r.b.vault.vault.identity.device.publicKey, 4n, 78), 'A to store the good entry')
    const s = await r.a.vault.sessions.open(KEY)
    await until(() => v.quarantined().length === 3, 'A to quarantine the third at open')
    expect(s.meta().lease).toBeUndefined()
    expect(s.messages().map(m => m.content)).toEqual(['honest', 'still here'])
    expect(s.messageCount()).toBe(2)
    await s.close()
    expect(v.quarantined().map(q => q.seq).sort()).toEqual([1, 2, 3])
    r.close()
    const a2 = await restart(r.a, wallet)
    const s2 = await a2.vault.sessions.open(KEY)
    expect(s2.messages().map(m => m.content)).toEqual(['honest', 'still here'])
    await s2.close()
  })

  it('a start that fails after libp2p listened stops libp2p: nothing keeps the port', async () => {
    const t = await tempDir()
    try {
      const vault = await openVault({ home: join(t.dir, 'home'), wallet: generateWallet(), label: 'x' })
      // The first address binds, the second is taken: libp2p's start fails after it listened.
      const port = await freePort()
      const taken = createServer()
      await new Promise<void>((resolve, reject) => { taken.once('error', reject); taken.listen(0, '127.0.0.1', resolve) })
      const busy = (taken.address() as { port: number }).port
      try {
        await expect(MeshNode.start(vault.vault, { listen: [`/ip4/127.0.0.1/tcp/${port}`, `/ip4/127.0.0.1/tcp/${busy}`], mdns: false, dht: 'off' })).rejects.toThrow()
      } finally {
        await new Promise<void>(resolve => taken.close(() => { resolve() }))
        await vault.close()
      }
      const srv = createServer()
      await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(port, '127.0.0.1', resolve) })
      await new Promise<void>(resolve => srv.close(() => { resolve() }))
    } finally {
      await t.cleanup()
    }
  })
  it('mesh join whose start fails exits non-zero by itself, says why, and leaves the home and the port free', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const home = join(t.dir, 'home')
    const port = await freePort()
    const taken = createServer()
    await new Promise<void>((resolve, reject) => { taken.once('error', reject); taken.listen(0, '127.0.0.1', resolve) })
    const busy = (taken.address() as { port: number }).port
    try {
      // runCli resolves only once the process exited: a start that left libp2p listening never would.
      const r = await runCli(['join', '--home', home, '--wallet', wallet, '--no-mdns', '--dht', 'off', '--http', 'off', '--listen', `/ip4/127.0.0.1/tcp/${port}`, '--listen', `/ip4/127.0.0.1/tcp/${busy}`], { env, timeoutMs: 60_000 })
      expect(r.code).not.toBe(0)
      expect(r.stderr).toContain(`/ip4/127.0.0.1/tcp/${busy}`)
      expect(r.stdout).not.toMatch(/^running/m)
    } finally {
      await new Promise<void>(resolve => taken.close(() => { resolve() }))
    }
    // Nothing holds the port it did bind, and the home opens again (its lock was released).
    const srv = createServer()
    await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(port, '127.0.0.1', resolve) })
    await new Promise<void>(resolve => srv.close(() => { resolve() }))
    const status = await runCli(['status', '--home', home, '--json'], { env })
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout).daemon.running).toBe(false)
  })
})

