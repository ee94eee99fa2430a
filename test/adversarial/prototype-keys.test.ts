/**
 * A member (buggy or compromised) sets a message's key named like a built-in of
 * Object.prototype (`valueOf`). The receiving node, with the session closed, checks the update
 * alone, stores it and would forward it; every open of the session afterwards must still work,
 * on this node and after its restart. (The shapes were looked up as `fields[k]`: the check called
 * Object.prototype.valueOf and threw, the one-by-one load did not catch it, and the session
 * never opened again on any device that took the entry.)
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { rogueMember, updateOf } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes } = stopAfterEach()
const KEY = 'agent:main:proto-key' as SessionKey

describe('a key named like Object.prototype.valueOf in a message', () => {
  it('leaves the session readable on the node that stored it, and after its restart', async () => {
    const wallet = generateWallet()
    let base: Y.Doc | undefined
    const r = await rogueMember(nodes, {
      wallet,
      prepare: async (a, b) => {
        const s = await a.vault.sessions.create(KEY)
        await s.append({ role: 'user', content: 'honest' })
        await s.close()
        await until(async () => {
          if (!(await b.vault.sessions.exists(KEY))) return false
          const h = await b.vault.sessions.open(KEY)
          try { return h.messageCount() === 1 } finally { await h.close() }
        }, 'B to hold the session')
        const rb = await b.vault.vault.acquire(DOC_NAMES.session(KEY))
        base = new Y.Doc()
        Y.applyUpdate(base, Y.encodeStateAsUpdate(rb.doc))
        await b.vault.vault.release(rb)
      }
    })
    const v = r.a.vault.vault
    const doc = v.docId(DOC_NAMES.session(KEY))
    const author = r.b.vault.vault.identity.device.publicKey
    const u = updateOf(d => { ((d.getArray('transcript').get(0) as Y.Array<Y.Map<unknown>>).get(0)).set('valueOf', 1) }, base)
    r.sendEntries([r.entry(doc, 1n, u, 91)])
    await until(() => v.store.has(doc, author, 1n, 91) || v.quarantined().length > 0, 'A to take the entry')

    const read = async (n = r.a): Promise<string[]> => {
      const s = await n.vault.sessions.open(KEY)
      try { return s.messages().map(m => m.content) } finally { await s.close() }
    }
    expect(await read()).toEqual(['honest'])
    expect(await read()).toEqual(['honest'])

    r.close()
    await r.a.node.stop()
    await r.a.vault.close()
    const again = await startNode({ wallet, home: r.a.home, label: 'A' })
    nodes.unshift(again)
    expect(await read(again)).toEqual(['honest'])
  })
})
