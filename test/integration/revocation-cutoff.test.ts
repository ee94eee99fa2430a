/**
 * A revoke's cutoff takes in what connected peers hold (issue 14 §3; registry-ops.ts cutoffFor),
 * with real homes and libp2p nodes on loopback: an entry the laptop wrote before its revocation
 * that reached only another member is kept by that member and accepted by the revoker, instead
 * of being cut off because the revoker had not seen it yet; the laptop's own report never counts.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { deviceKem, generateDeviceKey, parseStreamKey, toHex, type Wallet } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { nodes, cleanups } = stopAfterEach()
const SESSION = 'agent:main:cutoff'

async function home (): Promise<string> { const t = await tempDir(); cleanups.push(t.cleanup); return join(t.dir, 'home') }
async function node (wallet: Wallet, h: string, label: string): Promise<TestNode> { const n = await startNode({ wallet, home: h, label }); nodes.push(n); return n }
async function stop (n: TestNode): Promise<void> { nodes.splice(nodes.indexOf(n), 1); await n.stop() }
async function enrolledBy (admin: TestNode, label: string): Promise<string> {
  const h = await home()
  const device = await generateDeviceKey()
  const v = admin.vault.vault
  const { certificate } = await v.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label })
  await writeEnrolledHome(h, { wallet: v.identity.wallet, device, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
  return h
}
async function connect (from: TestNode, to: TestNode): Promise<void> {
  await from.node.dial(to.node.addresses()[0] as string)
  await until(() => from.node.libp2p.services.membership.isProven(to.node.libp2p.peerId), 'membership')
}
const texts = async (n: TestNode): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(SESSION))) return []
  const s = await n.vault.sessions.open(SESSION)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}
async function write (n: TestNode, contents: string[]): Promise<void> {
  const s = (await n.vault.sessions.exists(SESSION)) ? await n.vault.sessions.open(SESSION) : await n.vault.sessions.create(SESSION)
  try { for (const content of contents) await s.append({ role: 'user', content }) } finally { await s.close() }
}
const idOf = (n: TestNode): string => n.node.libp2p.peerId.toString()
const keyOf = (n: TestNode): Uint8Array => n.vault.vault.identity.device.publicKey
/** The laptop's highest sequence number in the session document, by `n`'s view. */
function highest (vectors: ReadonlyMap<string, ReadonlyMap<string, bigint | number>>, docHex: string, author: Uint8Array): bigint {
  let best = 0n
  for (const [key, seq] of vectors.get(docHex) ?? []) if (toHex(parseStreamKey(key).author) === toHex(author) && BigInt(seq) > best) best = BigInt(seq)
  return best
}

describe('the revoke cutoff counts what connected peers hold', () => {
  it('a connected peer\'s report of the laptop\'s entries is taken, the laptop\'s own and a revoked peer\'s are not', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const c = await node(wallet, await home(), 'server')
    const b = await node(wallet, await enrolledBy(a, 'laptop'), 'laptop')
    await connect(b, c)
    await connect(a, c)
    await connect(b, a)
    await write(b, ['b0', 'b1', 'b2'])
    await until(async () => (await texts(a)).length === 3 && (await texts(c)).length === 3, 'A and C to hold the laptop\'s messages')
    const docHex = toHex(a.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey)))
    // Each connected member's session reports what it holds; the laptop's is left out when asked.
    await until(() => a.node.peerVectors([idOf(b)]).some(v => highest(v, docHex, keyOf(b)) > 0n), 'C\'s report of the laptop\'s entries')
    expect(a.node.peerVectors([idOf(b)])).toHaveLength(1)
    expect(a.node.peerVectors([idOf(b), idOf(c)])).toHaveLength(0)
  })

  it('an entry written before the revocation that reached only another member is kept by it and accepted by the revoker', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, await home(), 'desktop')
    const c = await node(wallet, await home(), 'server')
    const hb = await enrolledBy(a, 'laptop')
    const b = await node(wallet, hb, 'laptop')
    const bKey = keyOf(b)
    await connect(b, a)
    await connect(b, c)
    await write(b, ['b0'])
    await until(async () => (await texts(a)).length === 1 && (await texts(c)).length === 1, 'A and C to hold b0')
    // The desktop goes offline; the laptop writes two more, which reach only the server.
    await stop(a)
    await write(b, ['b1', 'b2'])
    await until(async () => (await texts(c)).length === 3, 'C to hold b1 and b2')
    await stop(b)
    const docHex = toHex(c.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey)))
    const serverHolds = new Map([[docHex, c.vault.vault.store.vector(c.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey)))]])
    expect(highest(serverHolds, docHex, bKey)).toBeGreaterThan(1n)

    // The desktop revokes (the laptop is stolen) knowing what the server reported: b1 and b2 stay valid.
    const a2 = await node(wallet, a.home, 'desktop')
    const heldElsewhere = [new Map([...serverHolds].map(([d, v]) => [d, new Map([...v].map(([k, s]) => [k, BigInt(s)]))]))]
    const { op } = await a2.vault.vault.revoke([bKey], { reason: 'stolen', heldElsewhere })
    const cut = op.revoke?.devices[0]?.docs.find(d => toHex(d.doc) === docHex)
    expect(cut?.lanes.reduce((m, l) => (l.seq > m ? l.seq : m), 0n)).toBe(highest(serverHolds, docHex, bKey))
    await connect(c, a2)
    await until(() => c.vault.vault.certs.isRevoked(bKey), 'C to learn of the revocation')
    await until(async () => (await texts(a2)).length === 3, 'the desktop to take b1 and b2 from the server')
    expect(await texts(a2)).toEqual(['b0', 'b1', 'b2'])
    expect(await texts(c)).toEqual(['b0', 'b1', 'b2'])
    expect(a2.events.filter(e => e.type === 'entry-refused')).toEqual([])
  })
})
