/**
 * The web dashboard in a real headless browser (Debian's chromium, driven by playwright-core; it
 * downloads no browser): two `mesh join` daemons of one wallet on loopback, the page of one
 * opened with its login URL shows the other as a proven peer (and the other's page the first) and both devices, and a message
 * appended on the other node with the CLI appears in the open transcript without a reload.
 * Without the token the page shows only the login hint; the link `mesh dashboard` prints logs in
 * once. Screenshots are saved under the test's
 * temp dir and test/browser/artifacts/ (ignored by git).
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserPair, type BrowserPair } from '../helpers/chromium.js'
import { ROOT, runCli } from '../helpers/cli.js'
import type { Pair } from '../helpers/daemons.js'

const ARTIFACTS = join(ROOT, 'test', 'browser', 'artifacts')

let t: BrowserPair
let pair: Pair
let browser: Browser
beforeAll(async () => {
  t = await browserPair()
  pair = t.pair
  browser = t.browser
}, 90_000)
afterAll(async () => {
  await t?.stop()
})

async function screenshot (page: import('playwright-core').Page, name: string): Promise<string> {
  const path = join(t.dir, name)
  await page.screenshot({ path, fullPage: true })
  await mkdir(ARTIFACTS, { recursive: true })
  await copyFile(path, join(ARTIFACTS, name))
  return path
}

describe('the dashboard in headless chromium', () => {
  it('without the token shows only the login hint', async () => {
    const { a } = pair as Pair
    const context = await (browser as Browser).newContext()
    try {
      const page = await context.newPage()
      const requests: string[] = []
      page.on('request', (r) => { requests.push(new URL(r.url()).pathname) })
      await page.goto(`${a.url}/`)
      await page.locator('#login').waitFor({ state: 'visible' })
      expect(await page.locator('#app').isHidden()).toBe(true)
      expect(await page.locator('#login').innerText()).toMatch(/mesh dashboard/)
      const text = await page.locator('body').innerText()
      expect(text).not.toContain('alpha')
      expect(text).not.toContain(a.deviceId)
      // It did not even ask the API.
      expect(requests.filter(p => p.startsWith('/api'))).toEqual([])
      // A wrong token: the server does not prove it holds it, so the page sends it nowhere and
      // falls back to the hint, showing nothing.
      const sent: string[] = []
      page.on('request', (r) => { if (r.headers().authorization !== undefined) sent.push(r.url()) })
      await page.goto(`${a.url}/#token=${'0'.repeat(64)}`)
      await page.locator('#login-reason').filter({ hasText: /^The server at 127\.0\.0\.1:\d+ does not hold this login link's token .*Run `mesh dashboard` for a fresh login link\.$/ }).waitFor()
      expect(sent).toEqual([])
      expect(await page.locator('#app').isHidden()).toBe(true)
      expect(await page.locator('body').innerText()).not.toContain('alpha')
      await screenshot(page, 'dashboard-login.png')
    } finally {
      await context.close()
    }
  })

  it('with the login URL shows this device, the proven peer, both devices, and a live transcript', async () => {
    const { a, b, env } = pair as Pair
    const key = 'agent:main:browser'
    expect((await runCli(['session', 'new', key, '--home', b.home, '--title', 'Dashboard check', '--goal', 'watch it live'], { env })).code).toBe(0)
    expect((await runCli(['session', 'append', key, '--home', b.home, '--role', 'user', '--text', 'written on beta before the page opened'], { env })).code).toBe(0)
    await a.proc.waitFor(/synced\s+agent:main:browser from beta/, 30_000)

    const context = await (browser as Browser).newContext({ viewport: { width: 1100, height: 900 } })
    try {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (e) => { errors.push(e.message) })
      // The link `mesh dashboard` prints: a single-use code, never the token.
      const printed = await runCli(['dashboard', '--home', a.home, '--no-open', '--json'], { env })
      expect(printed.code, printed.stderr).toBe(0)
      const loginUrl = JSON.parse(printed.stdout).loginUrl as string
      expect(loginUrl).toMatch(/\/#code=[0-9a-f]{32}$/)
      await page.goto(loginUrl)
      // The code left the address bar (and the tab's history) as soon as the page read it.
      expect(page.url()).toBe(`${a.url}/`)
      await page.locator('#app').waitFor({ state: 'visible' })
      await page.locator('#conn').filter({ hasText: 'live' }).waitFor()
      await expect.poll(async () => await page.locator('#device-info').innerText()).toContain(a.deviceId)
      expect(await page.locator('#login').isHidden()).toBe(true)

      // This node's view of its peer: beta, proven and connected, with a round-trip time.
      const peer = page.locator(`#peers tbody tr[data-peer="${b.deviceId}"]`)
      await peer.filter({ hasText: 'proven, connected' }).waitFor()
      expect(await peer.innerText()).toMatch(/beta/)
      await expect.poll(async () => await peer.locator('td').nth(3).innerText(), { timeout: 20_000 }).toMatch(/ms$/)
      // Both devices of the wallet.
      await expect.poll(async () => await page.locator('#devices tbody tr').count()).toBe(2)
      expect(await page.locator(`#devices tbody tr[data-device="${a.deviceId}"]`).innerText()).toMatch(/alpha \(this device\)/)
      expect(await page.locator(`#devices tbody tr[data-device="${b.deviceId}"]`).innerText()).toMatch(/beta/)

      // The session written on beta, with its last writer.
      const row = page.locator(`#sessions tbody tr[data-key="${key}"]`)
      await row.waitFor()
      expect(await row.innerText()).toMatch(/Dashboard check/)
      expect(await row.locator('td').nth(4).innerText()).toMatch(/^beta, /)
      await row.click()
      await page.locator('#transcript li').filter({ hasText: 'written on beta before the page opened' }).waitFor()

      // Live: appended on beta with the CLI, shown here without a reload.
      await page.evaluate(() => { (globalThis as any).__sameDocument = true })
      // Text from the mesh is shown as text, never parsed as HTML.
      expect((await runCli(['session', 'append', key, '--home', b.home, '--role', 'assistant', '--text', 'live from beta, no reload <img src=x onerror="document.title=1"><b>not bold</b>'], { env })).code).toBe(0)
      const live = page.locator('#transcript li').filter({ hasText: 'live from beta, no reload' })
      await live.waitFor({ timeout: 30_000 })
      expect(await live.locator('.text').innerText()).toBe('live from beta, no reload <img src=x onerror="document.title=1"><b>not bold</b>')
      expect(await page.locator('#transcript img, #transcript b').count()).toBe(0)
      expect(await live.locator('.who').innerText()).toMatch(/^assistant · beta · /)
      expect(await page.evaluate(() => (globalThis as any).__sameDocument)).toBe(true)
      expect(await page.locator('#transcript li').count()).toBe(2)
      // The lease/last-writer columns follow (the sessions list reloads on the event).
      await expect.poll(async () => await row.locator('td').nth(4).innerText()).toMatch(/^beta, /)

      const shot = await screenshot(page, 'dashboard.png')
      expect(existsSync(shot)).toBe(true)

      // The other node's dashboard, in a second tab: alpha is its proven peer.
      const other = await context.newPage()
      other.on('pageerror', (e) => { errors.push(e.message) })
      await other.goto(`${b.url}/#token=${b.token}`)
      await other.locator(`#peers tbody tr[data-peer="${a.deviceId}"]`).filter({ hasText: 'proven, connected' }).filter({ hasText: 'alpha' }).waitFor()
      await expect.poll(async () => await other.locator('#device-info').innerText()).toContain(b.deviceId)
      await screenshot(other, 'dashboard-other-node.png')

      // The link once more (as from the browser's history): its code is used up, so it opens
      // nothing and says why; the token was never in it.
      const again = await context.newPage()
      const sent: string[] = []
      again.on('request', (r) => { if (r.headers().authorization !== undefined) sent.push(r.url()) })
      await again.goto(loginUrl)
      await again.locator('#login-reason').filter({ hasText: /^this login link was used already, has expired .*run `mesh dashboard` for a new one$/ }).waitFor()
      expect(await again.locator('#app').isHidden()).toBe(true)
      expect(sent).toEqual([])
      expect(loginUrl).not.toContain(a.token)
      expect(errors).toEqual([])

      // beta goes away (SIGKILL): alpha's page shows it offline without a reload.
      await b.proc.stop('SIGKILL')
      await peer.filter({ hasText: 'offline' }).waitFor({ timeout: 30_000 })
    } finally {
      await context.close()
    }
  })
})
