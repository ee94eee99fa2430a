/**
 * A connection refused at membership is refused once (protocols/membership): its deadline does not
 * refuse it again later ("did not prove membership in time"), which logged a second refusal and
 * doubled the refused peer's redial backoff. Real nodes on loopback: a revoked laptop dials the
 * desktop, is told at the gate, and both sides are watched past the membership deadline.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { deviceKem, generateDeviceKey } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const DEADLINE_MS = 1500

describe('a refusal at membership', () => {
  it('is said once per connection: the deadline of a connection already refused stays silent', async () => {
    const t = await tempDir()
    const nodes: TestNode[] = []
    try {
      const wallet = generateWallet()
      const a = await startNode({ wallet, home: join(t.dir, 'a'), label: 'desktop', membershipTimeoutMs: DEADLINE_MS })
      nodes.push(a)
      const device = await generateDeviceKey()
      const v = a.vault.vault
      const { certificate } = await v.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: 'laptop' })
      const hb = join(t.dir, 'b')
      await writeEnrolledHome(hb, { wallet: v.identity.wallet, device, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
      await v.revoke([device.publicKey], { reason: 'lost' })

      // The revocation itself is told as a refusal of the laptop (revocation.ts): counted from here.
      const seen = a.events.length
      const b = await startNode({ wallet, home: hb, label: 'laptop', membershipTimeoutMs: DEADLINE_MS })
      nodes.push(b)
      await b.node.dial(a.node.addresses()[0] as string)
      await until(() => b.node.revoked !== undefined, 'the laptop to be told at the gate')
      const idA = a.node.libp2p.peerId.toString()
      const idB = b.node.libp2p.peerId.toString()
      await until(() => a.events.some(e => e.type === 'refused' && e.peerId === idB), 'the desktop to refuse the laptop')
      // Past both sides' deadlines for that connection.
      await new Promise(resolve => setTimeout(resolve, DEADLINE_MS * 2))

      const reasons = (n: TestNode, peer: string): string[] => n.events.slice(n === a ? seen : 0).flatMap(e => e.type === 'refused' && e.peerId === peer ? [e.reason] : [])
      expect(reasons(a, idB)).toEqual(['revoked: told it so'])
      expect(reasons(b, idA)).toHaveLength(1)
      expect(reasons(b, idA)[0]).toMatch(/revoked/)
    } finally {
      for (const n of nodes) await n.stop()
      await t.cleanup()
    }
  }, 60_000)
})
