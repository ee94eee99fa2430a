/**
 * The dashboard kept current and usable over a long visit, in a real headless browser (Debian's
 * chromium, playwright-core) against two real `mesh join` daemons of one wallet on loopback:
 * - sessions open from the keyboard: Tab reaches each session's key, Enter or Space opens it, the
 *   open one is marked aria-current, and the keyboard focus survives the list being redrawn;
 * - the open transcript keeps at most 200 messages however many arrive, the oldest dropped, and
 *   says how many earlier ones are not shown and how to see them all;
 * - "holds N sessions, memory entries, skills" follows session.created, memory.changed and
 *   skills.changed, and "last write … ago" is redrawn with the clock;
 * - the daemon going away: after failed reconnects the page says it is stopped or on another port
 *   and that `mesh dashboard` opens it again; the daemon back (with a new token, as at every start)
 *   sends the page to the login hint, saying so;
 * - a server that took the port of a daemon that stopped gets no token from the page, not even by
 *   relaying the proof the page asks for (/api/proof) from the daemon started on another port: the
 *   page forgets the token and says why;
 * - a tab reloaded after the daemon stopped loads the page of whoever serves the address then, in
 *   the same origin: it finds no token in the browser's storage (the page kept it in memory only),
 *   and the token it had opens nothing on the daemon started again (a new token at every start).
 */
import { createServer } from 'node:http'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserPair, type BrowserPair } from '../helpers/chromium.js'
import { api, startDaemon, type Daemon, type Pair } from '../helpers/daemons.js'


let t: BrowserPair
let pair: Pair
let browser: Browser
/** Daemons this file starts again after stopping pair.a: stopped here, by pid. */
const restarted: Daemon[] = []
beforeAll(async () => {
  t = await browserPair()
  pair = t.pair
  browser = t.browser
}, 90_000)
afterAll(async () => {
  for (const d of restarted) await d.proc.stop('SIGKILL')
  await t?.stop()
})

/** A daemon's dashboard, signed in and live, with page errors collected. */
async function open (d: Daemon, errors: string[]): Promise<Page> {
  const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 1000 } })
  const page = await context.newPage()
  page.on('pageerror', (e) => { errors.push(e.message) })
  await page.goto(`${d.url}/#token=${d.token}`)
  await page.locator('#conn').filter({ hasText: 'live' }).waitFor()
  return page
}

async function ok (d: Daemon, verb: string, path: string, body?: unknown): Promise<any> {
  const r = await api(d, verb, path, body)
  if (r.status >= 300) throw new Error(`${verb} ${path}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}
const messages = (from: number, n: number): Array<{ role: string, content: string }> =>
  Array.from({ length: n }, (_, i) => ({ role: 'user', content: `message ${from + i}` }))
/** The key of the session whose button has the keyboard focus, else ''. */
const focusedKey = async (page: Page): Promise<string> => await page.evaluate(() => {
  const e = (globalThis as any).document.activeElement
  return e?.tagName === 'BUTTON' ? e.closest('#sessions tbody tr')?.dataset.key ?? '' : ''
})
const fact = async (page: Page, k: string): Promise<string> => await page.locator(`#device-info dt:text-is("${k}") + dd`).innerText()

describe('the dashboard over a long visit, in headless chromium', () => {
  const errors: string[] = []
  let page: Page

  it('opens sessions from the keyboard: Tab reaches each key, Enter and Space open it, the open one is marked', async () => {
    const { a } = pair as Pair
    for (const key of ['kb-one', 'kb-two']) await ok(a, 'POST', '/api/sessions', { key, title: `keyboard ${key}` })
    page = await open(a, errors)
    await expect.poll(async () => await page.locator('#sessions tbody tr').count(), { timeout: 10_000 }).toBe(2)

    // From the top of the page, Tab alone reaches a session (through the pairing form before it).
    await page.locator('h1').click()
    let reached = ''
    for (let i = 0; i < 80 && reached === ''; i++) {
      await page.keyboard.press('Tab')
      reached = await focusedKey(page)
    }
    expect(reached).toMatch(/^agent:main:kb-(one|two)$/)
    await page.keyboard.press('Enter')
    await page.locator('#transcript-key').filter({ hasText: reached }).waitFor()
    expect(await page.locator('#transcript-panel').isVisible()).toBe(true)
    const current = async (): Promise<string[]> => await page.locator('#sessions tbody tr[aria-current="true"]').evaluateAll(rows => rows.map(r => (r as any).dataset.key as string))
    expect(await current()).toEqual([reached])

    // The next one with Space.
    await page.keyboard.press('Tab')
    const next = await focusedKey(page)
    expect(next).toMatch(/^agent:main:kb-(one|two)$/)
    expect(next).not.toBe(reached)
    await page.keyboard.press('Space')
    await page.locator('#transcript-key').filter({ hasText: next }).waitFor()
    expect(await current()).toEqual([next])

    // A session created meanwhile redraws the list: the keyboard stays on the same session.
    await ok(a, 'POST', '/api/sessions', { key: 'kb-three' })
    await expect.poll(async () => await page.locator('#sessions tbody tr').count(), { timeout: 10_000 }).toBe(3)
    expect(await focusedKey(page)).toBe(next)
  })

  it('keeps at most 200 messages of the open transcript and says how to see the rest', async () => {
    const { a } = pair as Pair
    const key = 'agent:main:long'
    await ok(a, 'POST', '/api/sessions', { key, title: 'a long one' })
    await ok(a, 'POST', `/api/sessions/${key}/messages`, { messages: messages(1, 250) })
    const row = page.locator(`#sessions tbody tr[data-key="${key}"]`)
    await row.click()
    const items = page.locator('#transcript li')
    await items.filter({ hasText: 'message 250' }).waitFor()
    expect(await items.count()).toBe(200)
    expect(await items.first().locator('.text').innerText()).toBe('message 51')
    const more = page.locator('#transcript-more')
    expect(await more.innerText()).toBe(`50 earlier messages are not shown: this page keeps the last 200. The whole transcript: mesh session show ${key} --all, or GET /api/sessions/${encodeURIComponent(key)}?all=true.`)

    // Live: a burst larger than what is kept, then more one by one; the oldest go. (The burst stays
    // inside the transcript's first chunk of 512: one crossing a chunk's end comes in an event in
    // another order than the transcript's, a daemon matter this test is not about.)
    await ok(a, 'POST', `/api/sessions/${key}/messages`, { messages: messages(251, 250) })
    for (const n of [501, 502, 503]) await ok(a, 'POST', `/api/sessions/${key}/messages`, { role: 'assistant', content: `message ${n}` })
    await items.filter({ hasText: 'message 503' }).waitFor({ timeout: 30_000 })
    expect(await items.count()).toBe(200)
    expect(await items.first().locator('.text').innerText()).toBe('message 304')
    expect(await items.last().locator('.text').innerText()).toBe('message 503')
    expect(await more.innerText()).toMatch(/^303 earlier messages are not shown: /)
    // Another session starts afresh.
    await page.locator('#sessions tbody tr[data-key="agent:main:kb-one"] button').click()
    await page.locator('#transcript-key').filter({ hasText: 'agent:main:kb-one' }).waitFor()
    expect(await more.isHidden()).toBe(true)
    expect(await items.count()).toBe(0)
  })

  it('opens a session clicked while its row is drawn again (a write to it, the clock): the press and its release land on one row', async () => {
    const { a } = pair as Pair
    const key = 'agent:main:kb-two'
    const cell = page.locator(`#sessions tbody tr[data-key="${key}"] td`).nth(4)
    const before = await cell.innerText()
    const box = await page.locator(`#sessions tbody tr[data-key="${key}"] button`).boundingBox()
    if (box === null) throw new Error('no button')
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    // A write to it between the press and the release: its row shows the new last write.
    await ok(a, 'POST', `/api/sessions/${key}/messages`, { role: 'user', content: 'while pressed' })
    await expect.poll(async () => await cell.innerText(), { timeout: 10_000 }).not.toBe(before)
    await page.mouse.up()
    await page.locator('#transcript-key').filter({ hasText: key }).waitFor({ timeout: 10_000 })
    await page.locator('#transcript li').filter({ hasText: 'while pressed' }).waitFor({ timeout: 10_000 })
  })

  it('keeps "holds …" and "last write … ago" current without a reload', async () => {
    const { a } = pair as Pair
    const holds = async (): Promise<string> => await fact(page, 'holds')
    await expect.poll(holds, { timeout: 10_000 }).toMatch(/^4 sessions, 0 memory entries, 0 skills$/)
    await ok(a, 'POST', '/api/sessions', { key: 'counted' })
    await expect.poll(holds, { timeout: 10_000 }).toMatch(/^5 sessions, /)
    await ok(a, 'PUT', '/api/memory/editor', { value: 'vim' })
    await expect.poll(holds, { timeout: 10_000 }).toMatch(/, 1 memory entry, /)
    await ok(a, 'POST', '/api/skills', { content: '---\nname: tidy\ndescription: tidies\n---\nTidy up.\n' })
    await expect.poll(holds, { timeout: 10_000 }).toMatch(/, 1 skill$/)

    // Written just now; with no event since, the clock alone moves "ago" on.
    await ok(a, 'POST', '/api/sessions/counted/messages', { role: 'user', content: 'now' })
    const lastWrite = page.locator('#sessions tbody tr[data-key="agent:main:counted"] td').nth(4)
    await expect.poll(async () => await lastWrite.innerText(), { timeout: 10_000 }).toMatch(/^alpha, [0-4]s ago$/)
    await expect.poll(async () => await lastWrite.innerText(), { timeout: 20_000 }).toMatch(/^alpha, ([6-9]|\d\d)s ago$/)
    expect(errors).toEqual([])
  })

  it('counts what it does not show from the daemon\'s reads, whichever of the event stream and a read reaches it first', async () => {
    const { a } = pair as Pair
    const key = 'agent:main:lagging'
    await ok(a, 'POST', '/api/sessions', { key })
    await ok(a, 'POST', `/api/sessions/${key}/messages`, { messages: messages(1, 10) })
    // The event stream's frames to this page, held back while `holding` (a busy daemon, a slow
    // browser) and let through in order after: the reads come first.
    const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 1000 } })
    const lagged = await context.newPage()
    const pageErrors: string[] = []
    lagged.on('pageerror', (e) => { pageErrors.push(e.message) })
    let holding = false
    const held: Array<() => void> = []
    const delivered: string[][] = [] // per connection, the frames let through
    await lagged.routeWebSocket(/\/api\/events/, (ws) => {
      const frames: string[] = []
      delivered.push(frames)
      const server = ws.connectToServer()
      server.onMessage((m) => {
        const pass = (): void => { try { ws.send(m); frames.push(String(m)) } catch {} }
        if (holding) held.push(pass); else pass()
      })
    })
    await lagged.goto(`${a.url}/#token=${a.token}`)
    await lagged.locator('#conn').filter({ hasText: 'live' }).waitFor()
    const row = lagged.locator(`#sessions tbody tr[data-key="${key}"] button`)
    await row.click()
    const items = lagged.locator('#transcript li')
    await items.filter({ hasText: 'message 10' }).waitFor()
    // 300 more while the stream is held, then the session opened again: the new stream replays
    // the 300 from the page's cursor, and they come after the read that already holds them.
    holding = true
    await ok(a, 'POST', `/api/sessions/${key}/messages`, { messages: messages(11, 300) })
    const read = lagged.waitForResponse(r => r.url().includes(`/api/sessions/${encodeURIComponent(key)}?`) && r.status() === 200)
    await row.click()
    await read
    holding = false
    for (const pass of held.splice(0)) pass()
    // The replay came on the new stream, after the read: what this test is about.
    expect(delivered.at(-1)?.some(f => f.includes('"message.appended"') && f.includes('"message 11"'))).toBe(true)
    const more = lagged.locator('#transcript-more')
    const view = async (): Promise<string> => {
      const texts = await lagged.locator('#transcript li .text').allInnerTexts()
      return `${texts.length}: ${texts[0]} … ${texts.at(-1)}; ${(await more.innerText()).split(':')[0]}`
    }
    await expect.poll(view, { timeout: 15_000 }).toBe('200: message 111 … message 310; 110 earlier messages are not shown')
    // A while after the replay: still so, and in order (a reread it caused changes nothing).
    await new Promise(resolve => setTimeout(resolve, 1000))
    expect(await lagged.locator('#transcript li .text').allInnerTexts()).toEqual(Array.from({ length: 200 }, (_, i) => `message ${111 + i}`))
    expect(await view()).toBe('200: message 111 … message 310; 110 earlier messages are not shown')
    // What comes later is added after it, and counted once.
    await ok(a, 'POST', `/api/sessions/${key}/messages`, { messages: messages(311, 2) })
    await expect.poll(view, { timeout: 15_000 }).toBe('200: message 113 … message 312; 112 earlier messages are not shown')
    expect(pageErrors).toEqual([])
    await context.close()
  })

  it('says the daemon is gone after failed reconnects, and sends the page to the login hint when it is back with its new token', async () => {
    const { a, wallet, env } = pair as Pair
    const again = async (): Promise<Daemon> => {
      const d = await startDaemon(env, { home: a.home, wallet, label: 'alpha', http: String(a.port) })
      restarted.push(d)
      expect(d.port).toBe(a.port)
      return d
    }
    const conn = page.locator('#conn')
    await a.proc.stop('SIGKILL')
    await conn.filter({ hasText: /^The daemon does not answer at 127\.0\.0\.1:\d+: mesh join has stopped, or serves on another port now\. .*mesh dashboard opens this page at its address/ }).waitFor({ timeout: 30_000 })
    expect(await page.locator('#app').isVisible()).toBe(true)

    // Back, at the same address, with a new token (every start makes one): the page finds out
    // before sending its own (the proof) and says so.
    const other = await again()
    expect(other.token).not.toBe(a.token)
    await page.locator('#login').waitFor({ state: 'visible', timeout: 30_000 })
    expect(await page.locator('#login-reason').innerText()).toMatch(/^The server at 127\.0\.0\.1:\d+ does not prove it holds this page's token: the daemon was started again with a new token, or another program took its port\. .*Run `mesh dashboard` again/)
    expect(await page.locator('#app').isHidden()).toBe(true)
    await other.proc.stop('SIGKILL')
    expect(errors).toEqual([])
  })

  it('sends its token to no one who took the port of a daemon that stopped, even one who asks the daemon started elsewhere for its proof', async () => {
    const { a, wallet, env } = pair as Pair
    // The token the daemon has now (the test above made a new one): a fresh page, signed in and live.
    const d = await startDaemon(env, { home: a.home, wallet, label: 'alpha', http: String(a.port) })
    restarted.push(d)
    const errs: string[] = []
    const tab = await open(d, errs)
    await d.proc.stop('SIGKILL')
    // Another local user's server on the port at once, and the daemon started again on another one.
    const elsewhere = await startDaemon(env, { home: a.home, wallet, label: 'alpha', http: '0' })
    restarted.push(elsewhere)
    expect(elsewhere.port).not.toBe(d.port)
    expect(elsewhere.token).not.toBe(d.token)
    const seen: string[] = []
    const squatter = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)}`)
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname === '/api/proof') {
        // The daemon's own answer for this nonce, asked at its own address: it names that address.
        void fetch(`${elsewhere.url}/api/proof${url.search}`).then(async r => await r.text()).then(body => {
          res.writeHead(200, { 'content-type': 'application/json' }).end(body)
        })
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
    squatter.on('upgrade', (req, socket) => { seen.push(`UPGRADE ${req.url ?? ''} ${JSON.stringify(req.headers)}`); socket.destroy() })
    await new Promise<void>((resolve, reject) => { squatter.once('error', reject); squatter.listen(d.port, '127.0.0.1', resolve) })
    try {
      await tab.locator('#login').waitFor({ state: 'visible', timeout: 30_000 })
      expect(await tab.locator('#login-reason').innerText()).toMatch(/does not prove it holds this page's token.*has forgotten the token and sent it nothing/)
      const asked = seen.findIndex(r => r.startsWith('GET /api/proof?nonce='))
      expect(asked).toBeGreaterThanOrEqual(0)
      // Once it asks for the proof, the page sends the token nowhere. (A request the page made in the
      // moment between the daemon's end and its noticing carried a token no daemon takes any more.)
      expect(seen.slice(asked).filter(r => r.includes(d.token))).toEqual([])
      // Forgotten: a page the squatter served at this address on a reload would find no token.
      expect(await tab.evaluate(() => (globalThis as any).sessionStorage.getItem('mesh.token'))).toBeNull()
      expect(errs).toEqual([])
    } finally {
      await new Promise<void>(resolve => { squatter.close(() => { resolve() }); squatter.closeAllConnections() })
      await elsewhere.proc.stop('SIGKILL')
    }
  })

  it('leaves no token for the page that serves its address after the daemon stopped, when the tab is reloaded; and the old token opens nothing on the next daemon', async () => {
    const { a, wallet, env } = pair as Pair
    await a.proc.stop('SIGKILL') // stopped by the tests above already, unless run alone
    const d = await startDaemon(env, { home: a.home, wallet, label: 'alpha', http: String(a.port) })
    restarted.push(d)
    const errs: string[] = []
    const tab = await open(d, errs)
    await d.proc.stop('SIGKILL')
    // The tab has seen the stream end: from then on its token goes out only to a server that
    // proves it holds it. (Until then, a request of its first load still under way can reach
    // whatever took the port by then, with a token no daemon takes any more; on a busy machine
    // one did, after the reload below.)
    await tab.locator('#conn').filter({ hasNotText: /^live$/ }).waitFor({ timeout: 30_000 })
    // Another local user's server on the port: its page, in the same origin, reads the tab's storage.
    const seen: string[] = []
    let leak: (body: string) => void = () => {}
    const leaked = new Promise<string>(resolve => { leak = resolve })
    const squatter = createServer((req, res) => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)}`)
      const url = new URL(req.url ?? '/', 'http://x')
      // The proof is never answered: the old page cannot find out and forget before the reload.
      if (url.pathname.startsWith('/api/')) return
      if (url.pathname === '/leak') {
        let body = ''
        req.on('data', (c: Buffer) => { body += c.toString() })
        req.on('end', () => { leak(body); res.end() })
        return
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script>' +
        'const all = (s) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));' +
        "fetch('/leak', { method: 'POST', body: JSON.stringify({ session: all(sessionStorage), local: all(localStorage) }) })" +
        '</script>')
    })
    squatter.on('upgrade', (req, socket) => { seen.push(`UPGRADE ${req.url ?? ''} ${JSON.stringify(req.headers)}`); socket.destroy() })
    await new Promise<void>((resolve, reject) => { squatter.once('error', reject); squatter.listen(d.port, '127.0.0.1', resolve) })
    try {
      await tab.reload()
      const storage = JSON.parse(await leaked) as { session: Record<string, string>, local: Record<string, string> }
      expect(storage).toEqual({ session: {}, local: {} })
      // Nothing from the reloaded tab carries the token. (The old page may have sent a request in
      // the moment between the daemon's end and its noticing, with a token no daemon takes any more:
      // the check below.)
      const reloaded = seen.findIndex(r => r.startsWith('GET / '))
      expect(reloaded).toBeGreaterThanOrEqual(0)
      expect(seen.slice(reloaded).filter(r => r.includes(d.token))).toEqual([])
      // The daemon started again has a new token: the one the tab had opens nothing there.
      const next = await startDaemon(env, { home: a.home, wallet, label: 'alpha', http: '0' })
      restarted.push(next)
      expect(next.token).not.toBe(d.token)
      expect((await api(next, 'GET', '/api/status', undefined, d.token)).status).toBe(401)
      expect((await api(next, 'GET', '/api/status')).status).toBe(200)
      await next.proc.stop('SIGKILL')
      expect(errs).toEqual([])
    } finally {
      await new Promise<void>(resolve => { squatter.close(() => { resolve() }); squatter.closeAllConnections() })
    }
  })
})
