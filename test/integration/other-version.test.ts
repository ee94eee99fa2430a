/**
 * Two devices on different versions of mesh never sync; each says why in words, in its own log
 * only: a peer that speaks another membership protocol (it answers `na` to this one's, or proposes
 * its own) is refused as any stranger is, and the refusal names the version; a proven sibling
 * whose identify lists another sync protocol is said once (`incompatible`) and shown by `mesh
 * peers`. Real libp2p nodes on 127.0.0.1; the other version is played by a plain libp2p node
 * (membership) and by a member that speaks `/mesh/sync/2.0.0` instead of this one's sync.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { MEMBERSHIP_PROTOCOL, SYNC_PROTOCOL } from '../../protocols/ids.js'
import { peerLines } from '../../src/cli/commands/peer-lines.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'

const nodes: TestNode[] = []
const stops: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const s of stops.splice(0)) await s()
  for (const n of nodes.splice(0)) await n.stop()
})

const WORDS = 'another version of mesh, or not mesh: `mesh --version` names the protocols a mesh speaks'

describe('another version of mesh', () => {
  it('speaking another membership protocol, either way: refused as any stranger, the version named in the member\'s log', async () => {
    const a = await startNode({ label: 'desk', membershipTimeoutMs: 800 }); nodes.push(a)
    // An older mesh: it speaks an older membership protocol, so it answers `na` to this one's.
    const OLD = '/mesh/membership/1.0.0'
    const old = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    stops.push(async () => { await old.stop() })
    const received: Uint8Array[] = []
    await old.handle(OLD, async (stream: Stream) => { try { for await (const chunk of stream) received.push(chunk.subarray()) } catch { /* aborted */ } })
    const refusal = async (): Promise<string> => {
      await until(() => a.events.some(e => e.type === 'refused' && e.peerId === old.peerId.toString()), 'the member to refuse the other version')
      const e = a.events.find(e => e.type === 'refused' && e.peerId === old.peerId.toString()) as { reason: string }
      a.events.splice(0)
      return e.reason
    }

    await a.node.dial(old.getMultiaddrs()[0]?.toString() as string).catch(() => undefined)
    expect(await refusal()).toBe(`it does not speak ${MEMBERSHIP_PROTOCOL} (${WORDS})`)
    await until(() => old.getConnections().length === 0, 'the member to hang up')

    // It dials the member and proposes its own handshake: held unanswered, as a stranger's stream is.
    const conn = await old.dial(multiaddr(a.node.addresses()[0] as string))
    const stream = await conn.newStream(OLD, { signal: AbortSignal.timeout(3000) }).catch(() => undefined)
    if (stream !== undefined) {
      await lpStream(stream).write(randomBytes(64)).catch(() => undefined)
      try { for await (const chunk of stream) received.push(chunk.subarray()) } catch { /* aborted by the member */ }
    }
    expect(await refusal()).toBe(`did not prove membership in time: it proposed ${OLD}, where this mesh speaks ${MEMBERSHIP_PROTOCOL} (${WORDS})`)
    await until(() => old.getConnections().length === 0, 'the member to hang up')
    // It learned nothing: no byte back, no protocol of the member's.
    expect(received.length).toBe(0)
    expect((await old.peerStore.get(a.node.libp2p.peerId)).protocols.filter((p: string) => p !== MEMBERSHIP_PROTOCOL)).toEqual([])
  })

  it('a proven sibling speaking another sync protocol: said once, and by mesh peers, where nothing syncs', async () => {
    const wallet = generateWallet()
    const x = await startNode({ wallet, label: 'x' }); nodes.push(x)
    const y = await startNode({ wallet, label: 'y' }); nodes.push(y)
    // The side with the smaller PeerId opens sync; the other plays a newer mesh, whose sync is 2.0.0.
    const [here, other] = x.node.libp2p.peerId.toString() < y.node.libp2p.peerId.toString() ? [x, y] : [y, x]
    await other.node.libp2p.unhandle(SYNC_PROTOCOL)
    await other.node.libp2p.handle('/mesh/sync/2.0.0', (stream: Stream) => { stream.abort(new Error('not in this test')) })
    const otherId = other.node.libp2p.peerId.toString()
    await here.node.dial(other.node.addresses()[0] as string)
    await until(() => here.events.some(e => e.type === 'incompatible'), 'the sibling said to speak another sync')
    const said = here.events.filter(e => e.type === 'incompatible')
    const reason = `it does not speak ${SYNC_PROTOCOL} (it speaks /mesh/sync/2.0.0): another version of mesh, so nothing syncs with it until both run the same version (\`mesh --version\` on each)`
    expect(said).toEqual([{ type: 'incompatible', peerId: otherId, label: other === x ? 'x' : 'y', reason }])
    const peer = (await here.node.peers({ rtt: false })).find(p => p.peerId === otherId)
    expect(peer).toMatchObject({ state: 'connected', inSync: false, incompatible: reason })
    expect(peerLines(peer as any)[0]).toContain(`\tnothing syncs: ${reason}`)
    // Connected again: said once while the node runs.
    await here.node.libp2p.hangUp(other.node.libp2p.peerId)
    await here.node.dial(other.node.addresses()[0] as string)
    await until(() => here.node.isOnline(otherId), 'proven again')
    await until(async () => (await here.node.peers({ rtt: false })).find(p => p.peerId === otherId)?.incompatible === reason, 'still shown')
    expect(here.events.filter(e => e.type === 'incompatible')).toHaveLength(1)
  })
})
