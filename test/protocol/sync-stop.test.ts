/**
 * A stopped sync service starts nothing: a stream the peer opened just before the stop (its
 * membership check still pending) is aborted, instead of becoming a session of a service that
 * no longer runs (which the peer then saw as live: "A to end B's own session" never came). And a
 * sync stream that fails to open is opened again: only one side opens it, so a single failure
 * left two connected siblings without sync until they reconnected.
 */
import { describe, expect, it } from 'vitest'
import { SYNC_PROTOCOL } from '../../protocols/sync/index.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()

describe('sync stop', () => {
  it('a stream whose membership check ends after the stop is aborted, and no session starts', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    await b.node.dial(a.node.addresses()[0] as string)
    const aId = a.node.libp2p.peerId
    const bId = b.node.libp2p.peerId
    await until(() => a.node.libp2p.services.membership.isProven(bId) && b.node.libp2p.services.membership.isProven(aId), 'A and B to prove each other')
    const sync = b.node.libp2p.services.sync as unknown as { init: { whenMember: (p: string) => Promise<boolean> }, stop: () => Promise<void> }
    // B's membership check of the next inbound stream waits at a gate (a proof still under way).
    const whenMember = sync.init.whenMember
    let open!: () => void
    const gate = new Promise<void>(resolve => { open = resolve })
    let asked!: () => void
    const checking = new Promise<void>(resolve => { asked = resolve })
    sync.init.whenMember = async (p) => { asked(); await gate; return await whenMember(p) }
    const st = await a.node.libp2p.getConnections(bId)[0]!.newStream(SYNC_PROTOCOL)
    await checking
    await sync.stop()
    open()
    // The stream ends (aborted by B) and B holds no session with A.
    const ended = await (async () => { try { for await (const _ of st) { /* whatever B sent before it aborted */ } return 'closed' } catch (err: any) { return err.name as string } })()
    expect(ended).toBe('StreamResetError')
    expect(b.node.libp2p.services.sync.sessionWith(aId.toString())).toBeUndefined()
    expect(b.node.libp2p.services.sync.peers()).toEqual([])
  })
})

describe('sync open', () => {
  it('a sync stream that fails to open is opened again, and the siblings replicate', async () => {
    const wallet = generateWallet()
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const b = await startNode({ wallet, label: 'B' }); nodes.push(b)
    // The smaller PeerId opens the stream (the other never does); its first open fails, as a
    // stream reset while the peer still ends an old session makes it fail.
    const [opener, other] = a.node.libp2p.peerId.toString() < b.node.libp2p.peerId.toString() ? [a, b] : [b, a]
    const sync = opener.node.libp2p.services.sync as unknown as { open: (c: unknown) => Promise<void> }
    const open = sync.open.bind(sync)
    let failed = 0
    sync.open = async (c) => {
      if (failed === 0) { failed++; throw new Error('stream reset (a test)') }
      await open(c)
    }
    await b.node.dial(a.node.addresses()[0] as string)
    const openerId = opener.node.libp2p.peerId.toString()
    const otherId = other.node.libp2p.peerId.toString()
    await until(() => opener.node.libp2p.services.sync.sessionWith(otherId) !== undefined && other.node.libp2p.services.sync.sessionWith(openerId) !== undefined, 'the sync session, opened again', 15_000)
    expect(failed).toBe(1)
    const s = await a.vault.sessions.create('after-a-failed-open')
    await s.append({ role: 'user', content: 'still in sync' })
    await s.close()
    await until(async () => await b.vault.sessions.exists('after-a-failed-open'), 'the session on B', 15_000)
  })
})
