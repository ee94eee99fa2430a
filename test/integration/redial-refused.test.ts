/**
 * A remembered sibling refused once at membership is dialed again after its cool-down (redial.ts):
 * the redial counted as done once connected, before the verdict, and a refusal only set a
 * cool-down, so one failed handshake (a deadline passed on a loaded machine, a link lost
 * mid-handshake) left a laptop that knows its desktop only from peers.json unconnected until
 * restart. Real nodes on loopback: the desktop comes back once with a 1 ms membership deadline,
 * then well at the same address; the laptop, which the desktop cannot dial, must find it again.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../helpers/free-port.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

describe('a remembered sibling refused once', () => {
  it('is redialed after its cool-down and proven once it is well again', async () => {
    const t = await tempDir()
    const live: TestNode[] = []
    try {
      const wallet = generateWallet()
      const listenB = [`/ip4/127.0.0.1/tcp/${await freePort()}`]
      const ha = join(t.dir, 'laptop')
      const hb = join(t.dir, 'desktop')
      // They meet once: each remembers the other.
      let b = await startNode({ wallet, home: hb, label: 'desktop', listen: listenB })
      let a = await startNode({ wallet, home: ha, label: 'laptop', bootstrap: [`${listenB[0] as string}/p2p/${b.node.libp2p.peerId.toString()}`] })
      const idB = b.node.libp2p.peerId.toString()
      await until(() => a.node.libp2p.services.membership.isProven(idB), 'the laptop and the desktop proven')
      await a.stop()
      await b.stop()

      // The desktop comes back loaded: its handshake deadline passes. The laptop comes back on
      // another port (the desktop's peers.json names its old one: it cannot dial the laptop).
      b = await startNode({ wallet, home: hb, label: 'desktop', listen: listenB, membershipTimeoutMs: 1 })
      live.push(b)
      a = await startNode({ wallet, home: ha, label: 'laptop' })
      live.push(a)
      await until(() => a.events.some(e => e.type === 'refused' && e.peerId === idB), 'the laptop to be refused by the desktop')

      // The desktop is well again, at the same address, knowing no one.
      await b.stop()
      live.splice(live.indexOf(b), 1)
      await rm(join(hb, 'peers.json'), { force: true })
      b = await startNode({ wallet, home: hb, label: 'desktop', listen: listenB })
      live.push(b)
      await until(() => a.node.libp2p.services.membership.isProven(idB), 'the laptop to redial the desktop and prove it', 30_000)
      expect(a.events.filter(e => e.type === 'proven' && e.peerId === idB)).toHaveLength(1)
    } finally {
      for (const n of live) await n.stop()
      await t.cleanup()
    }
  }, 90_000)
})
