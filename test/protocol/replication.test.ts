/** Real libp2p nodes on loopback sockets: membership, replication, forwarding, refusal. */
import { afterEach, describe, expect, it } from 'vitest'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'

const nodes: TestNode[] = []
afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })
async function node (opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> { const n = await startNode(opts); nodes.push(n); return n }
const texts = async (n: TestNode, key: string): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(key))) return []
  const s = await n.vault.sessions.open(key)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

describe('replication between real nodes', () => {
  it('two devices of one wallet replicate a session both ways, live', async () => {
    const wallet = generateWallet()
    const a = await node({ wallet, label: 'A' })
    const b = await node({ wallet, label: 'B' })
    const s = await a.vault.sessions.create('agent:main:x', { goal: 'g' })
    await s.append({ role: 'user', content: 'from A before connecting' })
    await b.node.dial(a.node.addresses()[0] as string)
    await until(async () => (await texts(b, 'x')).length === 1, 'B to receive A\'s message')
    const sb = await b.vault.sessions.open('x')
    await sb.append({ role: 'assistant', content: 'from B' })
    await until(() => s.messageCount() === 2, 'A to receive B\'s message live')
    await s.append({ role: 'user', content: 'from A live' })
    await until(() => sb.messageCount() === 3, 'B to receive A\'s live message')
    expect(sb.messages().map(m => m.content)).toEqual(s.messages().map(m => m.content))
    expect(a.events.some(e => e.type === 'proven' && e.label === 'B')).toBe(true)
    await s.close(); await sb.close()
  })
})
