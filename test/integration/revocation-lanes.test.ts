/**
 * A device that crashed 100 times and wrote to one document after each (a lane per crash, crdt/
 * SPEC.md Cutoff version 2), with real homes and libp2p nodes on loopback: it is re-enrolled by
 * the wallet (its cutoff lists 100 lanes of the document), then revoked; what it wrote up to the
 * cutoff stays accepted by the revoker and by a member that joins later, what it writes after is
 * refused by both with REVOKED_AUTHOR.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { parseStreamKey, toHex, type Wallet } from '../../src/identity/index.js'
import { enrol } from '../../src/node/enrol.js'
import { openVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()
const SESSION = 'agent:main:lanes'
const LANES = 100

async function home (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return join(t.dir, 'home') }
async function node (wallet: Wallet, h: string, label: string): Promise<TestNode> { const n = await startNode({ wallet, home: h, label }); nodes.push(n); return n }
async function stop (n: TestNode): Promise<void> { nodes.splice(nodes.indexOf(n), 1); await n.stop() }
const texts = async (n: TestNode): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(SESSION))) return []
  const s = await n.vault.sessions.open(SESSION)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

/**
 * One message per open, each open a crash as the next open sees it: lane.json left unclean (what
 * a SIGKILL leaves; test/helpers/lane-crasher.ts does it with real kills, one process each), so
 * every open starts a fresh lane. Returns the bytes of the entries the last open handed out.
 */
async function writeAfterCrash (h: string, content: string, crash: boolean): Promise<Uint8Array[]> {
  const v = await openVault({ home: h })
  const sent: Uint8Array[] = []
  v.vault.on('entry', e => { if (e.local === true) sent.push(e.entry.bytes) })
  try {
    const s = (await v.sessions.exists(SESSION)) ? await v.sessions.open(SESSION) : await v.sessions.create(SESSION)
    try { await s.append({ role: 'user', content }) } finally { await s.close() }
  } finally { await v.close() }
  if (crash) {
    const path = join(h, 'lane.json')
    await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), clean: false }))
  }
  return sent
}

describe('a revoked device with more lanes in one document than a version 1 cutoff lists', () => {
  it(`${LANES} lanes in one document: re-enrolled, then revoked; entries up to the cutoff stay accepted everywhere, later ones are refused`, async () => {
    const wallet = generateWallet()
    const hb = await home()
    await enrol(hb, wallet, { label: 'laptop' })
    for (let i = 0; i < LANES; i++) await writeAfterCrash(hb, `b${i}`, true)
    // Re-enrolled with the wallet at hand: the cutoff it signs lists all its lanes of the session.
    const id = await enrol(hb, wallet, { label: 'laptop' })
    const bKey = id.device.publicKey
    const laneCount = (n: TestNode): number => {
      const doc = n.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey))
      return [...n.vault.vault.store.vector(doc).keys()].filter(k => toHex(parseStreamKey(k).author) === toHex(bKey)).length
    }
    expect(id.cutoff?.docs.get(toHex((await (async () => { const v = await openVault({ home: hb }); try { return v.vault.docId(DOC_NAMES.session(SESSION as SessionKey)) } finally { await v.close() } })())))?.lanes.length).toBe(LANES)

    const a = await node(wallet, await home(), 'desktop')
    const b = await node(wallet, hb, 'laptop')
    await a.node.dial(b.node.addresses()[0] as string)
    await until(async () => (await texts(a)).length === LANES, 'the desktop to hold the laptop\'s messages')
    expect(laneCount(a)).toBe(LANES)
    await stop(b)

    // The laptop is stolen: the desktop revokes it; then the thief writes.
    await a.vault.vault.revoke([bKey], { reason: 'stolen' })
    const later = await writeAfterCrash(hb, 'thief', false)
    expect(later.length).toBeGreaterThan(0)

    // A member that joins after the revocation takes all the laptop wrote before it, refusing nothing.
    const d = await node(wallet, await home(), 'new')
    await d.node.dial(a.node.addresses()[0] as string)
    await until(() => d.vault.vault.certs.isRevoked(bKey), 'the new member to learn of the revocation')
    await until(async () => (await texts(d)).length === LANES, 'the new member to take the laptop\'s messages')
    expect(laneCount(d)).toBe(LANES)
    for (const n of [a, d]) {
      expect(n.events.filter(e => e.type === 'entry-refused')).toEqual([])
      for (const bytes of later) await expect(n.vault.vault.accept(bytes)).rejects.toMatchObject({ code: 'REVOKED_AUTHOR' })
      expect(await texts(n)).toEqual(Array.from({ length: LANES }, (_, i) => `b${i}`))
    }
  })
})
