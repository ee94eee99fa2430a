/**
 * A session someone follows (`mesh watch`, the dashboard, an SDK subscriber) whose document is
 * reloaded from the store: its author died between a change's body and its signature, so the
 * change shown ahead is undone (protocols/sync/SPEC.md, early entries). The follower went on
 * hearing nothing of that session: the API kept the broken handle open for it, and a broken
 * handle tells nothing. Now the API opens the session again at once, keeps it open for its
 * followers, and says it changed (they read back what they lack); what comes after is told.
 * Real nodes on loopback sockets; the dying author is a member writing frames by hand.
 */
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { createLocalApi } from '../../src/api/local.js'
import { parseUnsignedEntry, withSignature } from '../../src/identity/index.js'
import { until } from '../helpers/nodes.js'
import { rogueMember, sharedSession } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
const KEY = 'agent:main:reloaded' as SessionKey

describe('a followed session reloaded from the store', () => {
  it('is opened again for its followers: told as changed, and what comes after is told', async () => {
    let say: ((text: string) => Uint8Array) | undefined
    const r = await rogueMember(nodes, { prepare: async (a, b) => { say = await sharedSession(a, b, KEY, 'start') } })
    const doc = r.a.vault.vault.docId(DOC_NAMES.session(KEY))
    const bId = r.b.node.libp2p.peerId.toString()
    // Sessions nobody follows close 200 ms after their last use here (a minute by default).
    const api = await createLocalApi({ vault: r.a.vault, node: r.a.node, sessionIdleMs: 200 })
    try {
      const heard: string[] = []
      const changed: string[] = []
      let ready!: () => void
      const subscribed = new Promise<void>(resolve => { ready = resolve })
      api.subscribe(({ event: e }) => {
        if (e.type === 'message.appended' && e.key === KEY) heard.push(...e.messages.map(m => m.content))
        if (e.type === 'session.changed' && e.key === KEY) changed.push(e.key)
      }, { sessions: [KEY], ready: () => { ready() } })
      await subscribed

      const first = r.early(doc, 1n, (say as (t: string) => Uint8Array)('shown ahead'), 11)
      r.send({ earlyEntries: [first.body] })
      await until(() => heard.includes('shown ahead'), 'the follower to hear the change shown ahead of its signature')
      // Its author dies before signing it: A undoes the change by reloading the document.
      r.close()
      await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to see the session end')
      await until(() => changed.length > 0, 'the follower to be told the session changed (reloaded)')
      expect((await api.call('sessions.show', { key: KEY })).messages.map(m => m.content)).toEqual(['start'])

      // It was signed after all, and comes later (as a catch-up brings it), then another.
      await r.a.vault.vault.accept(withSignature(parseUnsignedEntry(first.body), first.signature).bytes, bId)
      const second = r.early(doc, 2n, (say as (t: string) => Uint8Array)('after the reload'), 11)
      await r.a.vault.vault.accept(withSignature(parseUnsignedEntry(second.body), second.signature).bytes, bId)
      await until(() => heard.includes('after the reload'), 'the follower to hear what came after the reload')
      expect(heard.filter(t => t === 'shown ahead')).toHaveLength(2) // shown ahead, then stored
      // Still followed well past the idle time: the session stays open for its follower.
      await new Promise(resolve => setTimeout(resolve, 800))
      const third = r.early(doc, 3n, (say as (t: string) => Uint8Array)('later still'), 11)
      await r.a.vault.vault.accept(withSignature(parseUnsignedEntry(third.body), third.signature).bytes, bId)
      await until(() => heard.includes('later still'), 'the follower to hear a later entry')
    } finally {
      await api.close()
    }
  })
})
