/**
 * The dashboard on a session the node reloads from its store: a peer's change was shown ahead
 * of its signature, then its author died before signing it (protocols/sync/SPEC.md, early
 * entries), so the node undoes it. The page showed that message for good. It now finds the
 * session's version gone back when it reads it again (the node says the session changed), and
 * draws the transcript again from the session as it stands. Headless chromium against the API of
 * a real node served over HTTP in this process; the dying author is a member writing frames by
 * hand (test/helpers/rogue.ts).
 */
import type { Browser } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { serveHttp } from '../../src/api/http.js'
import { createLocalApi } from '../../src/api/index.js'
import { launchChromium } from '../helpers/chromium.js'
import { until } from '../helpers/nodes.js'
import { rogueMember, sharedSession } from '../helpers/rogue.js'
import { stopAfterEach } from '../helpers/teardown.js'

const { nodes, cleanups } = stopAfterEach()
const KEY = 'agent:main:undone' as SessionKey

describe('the dashboard on a session reloaded from the store', () => {
  it('takes away a message shown ahead of a signature that never came', async () => {
    let say: ((text: string) => Uint8Array) | undefined
    const r = await rogueMember(nodes, { prepare: async (a, b) => { say = await sharedSession(a, b, KEY, 'start') } })
    const doc = r.a.vault.vault.docId(DOC_NAMES.session(KEY))
    const bId = r.b.node.libp2p.peerId.toString()
    const api = await createLocalApi({ vault: r.a.vault, node: r.a.node })
    const server = await serveHttp(api, { home: r.a.home, port: 0 })
    // Before the nodes stop (stopAfterEach stops them first, then runs these): closed in the test.
    const browser: Browser = await launchChromium()
    cleanups.push(async () => { await browser.close() })
    try {
      const page = await (await browser.newContext()).newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => { errors.push(e.message) })
      await page.goto(`${server.url}/#token=${server.token}`)
      await page.locator('#conn').filter({ hasText: 'live' }).waitFor()
      await page.locator(`#sessions tbody tr[data-key="${KEY}"] button`).click()
      const texts = async (): Promise<string[]> => await page.locator('#transcript li .text').allInnerTexts()
      await expect.poll(texts, { timeout: 15_000 }).toEqual(['start'])

      r.send({ earlyEntries: [r.early(doc, 1n, (say as (t: string) => Uint8Array)('shown ahead'), 11).body] })
      await expect.poll(texts, { timeout: 15_000 }).toEqual(['start', 'shown ahead'])
      // Its author dies before signing it: the node undoes it, and so does the page.
      r.close()
      await until(() => r.a.node.libp2p.services.sync.sessionWith(bId) === undefined, 'A to see the session end')
      await expect.poll(texts, { timeout: 15_000 }).toEqual(['start'])
      expect(await page.locator('#transcript-more').isHidden()).toBe(true)
      expect(errors).toEqual([])
    } finally {
      await browser.close()
      await server.close()
      await api.close()
    }
  })
})
