/**
 * The dashboard's Devices panel in a real headless browser (Debian's chromium, playwright-core),
 * against two real `mesh join` daemons of one wallet on loopback and a real `mesh pair` child
 * process on a third home:
 * - the panel lists both devices with who enrolled them, when, whether online, this one marked;
 * - pairing through the page: a malformed code and a wrong code are explained in words (the
 *   wrong one burns, the machine shows a fresh code); with the fresh code the review shows the
 *   label, host and system marked as claims, the fingerprint `mesh pair` printed, its PeerId and
 *   the address it was reached at (a page reloaded during the review refuses the run, so the
 *   machine shows a fresh code at once); Approve pairs it (`mesh pair` exits 0) and the other daemon's
 *   page lists the new device without a reload (the devices.changed event); the new read-only
 *   device's own page offers neither revoke nor pairing, and says why;
 * - cancelling a search ends it on the daemon too (the port it listened on is released);
 * - an approval the new machine cuts off (wrong codes came from the daemon's address) is explained
 *   as that (`refused`), not as no machine found;
 * - revoking through the page: a dialog that names the device and wants its label typed again;
 *   then the other daemon is cut off and the row shows it revoked, by whom and why (on the
 *   laptop's page too, from the registry).
 *
 * Pairing goes the `--via`/`--listen` way on loopback (the new machine dials the address the page
 * asks the daemon to listen on), not mDNS: chromium, the daemons and `mesh pair` would all have to
 * run inside one network namespace for that; test/netns/pair.test.ts covers mDNS through the CLI,
 * which calls the same two API methods.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserPair, type BrowserPair } from '../helpers/chromium.js'
import { BIN, ROOT } from '../helpers/cli.js'
import { api, type Pair } from '../helpers/daemons.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { freePort } from '../helpers/free-port.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { CROCKFORD } from '../../src/identity/pair-code.js'

const ARTIFACTS = join(ROOT, 'test', 'browser', 'artifacts')

let t: BrowserPair
let pair: Pair
let browser: Browser
const procs: Proc[] = []
beforeAll(async () => {
  t = await browserPair()
  pair = t.pair
  browser = t.browser
}, 90_000)
afterAll(async () => {
  for (const p of procs) await p.stop('SIGKILL')
  await t?.stop()
})

async function screenshot (page: Page, name: string): Promise<void> {
  const path = join(t.dir, name)
  await page.screenshot({ path, fullPage: true })
  await mkdir(ARTIFACTS, { recursive: true })
  await copyFile(path, join(ARTIFACTS, name))
}

/** Whether nothing listens on this loopback port now. */
async function portFree (port: number): Promise<boolean> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', (err: any) => { if (err?.code === 'EADDRINUSE') resolve(false); else reject(err) })
    s.listen(port, '127.0.0.1', () => { s.close(() => { resolve(true) }) })
  })
}

/** A page of a daemon's dashboard, signed in, with page errors and console errors collected. */
async function open (url: string, token: string, errors: string[]): Promise<Page> {
  const context = await (browser as Browser).newContext({ viewport: { width: 1280, height: 1000 } })
  const page = await context.newPage()
  page.on('pageerror', (e) => { errors.push(e.message) })
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d|status of 5\d\d/.test(m.text())) errors.push(m.text()) })
  // Nothing is loaded from anywhere but the daemon (no CDN, no font, no script elsewhere).
  const origin = new URL(url)
  page.on('request', (r) => { const u = new URL(r.url()); if (u.host !== origin.host && u.protocol !== 'data:') errors.push(`request to ${r.url()}`) })
  await page.goto(`${url}/#token=${token}`)
  await page.locator('#conn').filter({ hasText: 'live' }).waitFor()
  return page
}

const deviceFact = async (page: Page, k: string): Promise<string> => await page.locator(`#device-info dd[data-fact="${k}"]`).innerText()
const row = (page: Page, deviceId: string) => page.locator(`#devices tbody tr[data-device="${deviceId}"]`)
const cell = async (page: Page, deviceId: string, i: number): Promise<string> => await row(page, deviceId).locator('td').nth(i).innerText()

describe('the Devices panel in headless chromium', () => {
  const errors: string[] = []
  let pageA: Page
  let pageB: Page
  let pageC: Page

  it('lists both devices: label, capabilities, enrolled by, granted, last seen, online now, revoked; this device marked', async () => {
    const { a, b } = pair as Pair
    pageA = await open(a.url, a.token, errors)
    await expect.poll(async () => await pageA.locator('#devices tbody tr').count()).toBe(2)
    expect(await cell(pageA, a.deviceId, 0)).toMatch(/^alpha \(this device\)\n/)
    expect(await cell(pageA, b.deviceId, 0)).toMatch(/^beta\n/)
    for (const id of [a.deviceId, b.deviceId]) {
      expect(await cell(pageA, id, 1)).toBe('read, write, admin')
      expect(await cell(pageA, id, 2)).toBe('wallet')
      expect(await cell(pageA, id, 3)).toMatch(/\d/)
      expect(await cell(pageA, id, 6)).toBe('—')
    }
    expect(await cell(pageA, a.deviceId, 5)).toBe('yes (this device)')
    await expect.poll(async () => await cell(pageA, b.deviceId, 5)).toBe('yes')
    expect(await cell(pageA, b.deviceId, 4)).toBe('now')
    // Only other, unrevoked devices can be revoked.
    expect(await row(pageA, a.deviceId).locator('button').count()).toBe(0)
    expect(await row(pageA, b.deviceId).locator('button.revoke').count()).toBe(1)
    pageB = await open(b.url, b.token, errors)
    await expect.poll(async () => await pageB.locator('#devices tbody tr').count()).toBe(2)
    // beta may write, and is not revoked.
    expect(await deviceFact(pageB, 'writes')).toBe('yes')
    expect(await pageB.locator('#device-revoked').isHidden()).toBe(true)
    await screenshot(pageA, 'devices.png')
  })

  it('a decision for a pairing no longer held is explained as this page\'s own next step, not the CLI\'s command', async () => {
    // Through the page's own call to the daemon's HTTP API, and its own words for the error (the
    // page's module, the same instance the page runs, holding its token).
    const said = await pageA.evaluate(`(async () => {
      const { call, explain } = await import('/calls.js')
      try { await call('devices.decide', { pairing: 'gone', approve: true }) } catch (err) { return explain(err) }
      return 'decided'
    })()`)
    expect(said).toBe('The pairing waited too long for a decision and was dropped: start again with the code the new machine shows. (NOT_FOUND)')
    // The HTTP API itself says the CLI's words, as the CLI does.
    const r = await api(pair.a, 'POST', '/api/devices/decide', { pairing: 'gone', approve: true })
    expect(r.body.error.message).toBe('no pairing gone waits for a decision (it may have timed out: run `mesh devices approve` again)')
  })

  it('cancelling a search stops it on the daemon too (the port it listened on is free again)', async () => {
    const port = await freePort()
    await pageA.locator('#pair-code').fill('K7QM-2XDF')
    await pageA.locator('#pair-more summary').click()
    await pageA.locator('#pair-mdns').uncheck()
    await pageA.locator('#pair-find').click()
    // Nowhere to look: said before anything is asked of the daemon.
    await pageA.locator('#pair-error').filter({ hasText: /give an address to listen on/ }).waitFor()
    await pageA.locator('#pair-listen').fill(`/ip4/127.0.0.1/tcp/${port}`)
    await pageA.locator('#pair-find').click()
    await pageA.locator('#pair-status').filter({ hasText: 'Looking for the machine showing K7QM-2XDF…' }).waitFor()
    // The daemon listens there for the new machine until the search ends.
    // Given time to start listening on a busy machine (the poll's default second was not, once, in CI).
    await expect.poll(async () => await portFree(port), { timeout: 15_000 }).toBe(false)
    await pageA.locator('#pair-cancel').click()
    await pageA.locator('#pair-status').filter({ hasText: 'Cancelled: nothing was granted.' }).waitFor()
    expect(await pageA.locator('#pair-find').isEnabled()).toBe(true)
    await expect.poll(async () => await portFree(port), { timeout: 20_000 }).toBe(true)
    await pageA.locator('#pair-listen').fill('')
    await pageA.locator('#pair-mdns').check()
  })

  it('an approval the new machine cuts off (wrong codes came from this address) is explained as that, not as no machine found', async () => {
    const { env } = pair as Pair
    const n = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', join(t.dir, 'probed'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], env)
    procs.push(n)
    const code = (await n.waitFor(/^pairing code: /)).match(/pairing code: (\S+)/)?.[1] as string
    const addr = (await n.waitFor(/^waiting/)).match(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+/)?.[0] as string
    // Wrong nameplates from 127.0.0.1, the daemon's address too, until the machine refuses it.
    for (let i = 0; i < 24 && !n.lines.some(l => /^someone is probing for the code: /.test(l)); i++) {
      const np = (CROCKFORD[i >> 5] as string) + (CROCKFORD[i & 31] as string)
      if (np === code.slice(0, 2)) continue
      await findCandidate({ code: `${np}QM2XDF`, mdns: false, dial: [addr], timeoutMs: 5000 }).then(async f => { await f.close() }, () => {})
    }
    await n.waitFor(/^someone is probing for the code: 4 failed attempts from 127\.0\.0\.1/)
    await pageA.locator('#pair-code').fill(code)
    if (!(await pageA.locator('#pair-dial').isVisible())) await pageA.locator('#pair-more summary').click()
    await pageA.locator('#pair-dial').fill(addr)
    await pageA.locator('#pair-mdns').uncheck()
    await pageA.locator('#pair-find').click()
    await pageA.locator('#pair-error').filter({ hasText: /\(PAIRING_FAILED, refused\)$/ }).waitFor({ timeout: 60_000 })
    expect(await pageA.locator('#pair-error').innerText()).toBe('That machine cut this device off for a while after wrong codes from its address (its screen says until when): check the code, and approve again once that time is past. (PAIRING_FAILED, refused)')
    await pageA.locator('#pair-dial').fill('')
    await pageA.locator('#pair-mdns').check()
    await n.stop('SIGKILL')
  })

  it('pairs a machine running `mesh pair --via`: errors in words, the review, Approve; the other page lists it live', async () => {
    const { env } = pair as Pair
    const port = await freePort()
    const listen = `/ip4/127.0.0.1/tcp/${port}`
    const homeC = join(t.dir, 'laptop')
    const n = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', homeC, '--label', 'laptop', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--via', listen], env)
    procs.push(n)
    const first = (await n.waitFor(/^pairing code: /)).match(/pairing code: (\S+)\s.*this device: (\S+)/) as RegExpMatchArray
    const fingerprint = first[2] as string
    const peerId = (await n.waitFor(/^waiting/)).match(/this device will be (\S+?);/)?.[1] as string
    await pageB.evaluate(() => { (globalThis as any).__sameDocument = true })

    const find = async (code: string, role: 'read-only' | 'read-write' | 'admin'): Promise<void> => {
      await pageA.locator('#pair-code').fill(code)
      await pageA.locator(`#pair-role input[value="${role}"]`).check()
      if (!(await pageA.locator('#pair-listen').isVisible())) await pageA.locator('#pair-more summary').click()
      await pageA.locator('#pair-listen').fill(listen)
      await pageA.locator('#pair-mdns').uncheck()
      await pageA.locator('#pair-find').click()
    }

    // A code that is no code: said at once, in words.
    await find('abc', 'read-write')
    await pageA.locator('#pair-error').filter({ hasText: /a pairing code is .* \(INVALID_INPUT\)$/ }).waitFor()

    // A wrong code for this machine: it is burned, and the machine shows a fresh one.
    const code = first[1] as string
    const wrong = code.slice(0, 2) + (code.slice(2, 4) === 'ZZ' ? 'YY' : 'ZZ') + code.slice(4)
    await find(wrong, 'read-write')
    await pageA.locator('#pair-error').filter({ hasText: 'The code did not match. It is used up now' }).waitFor({ timeout: 60_000 })
    expect(await pageA.locator('#pair-error').innerText()).toMatch(/\(PAIRING_FAILED, wrong-code\)$/)
    expect(await pageA.locator('#pair-review').isHidden()).toBe(true)
    const fresh = (await n.waitFor(/^someone tried a wrong code; new code: /)).match(/new code: (\S+)/)?.[1] as string
    expect(fresh).not.toBe(code)

    // The page reloaded during a review: the run is refused at once, the machine shows a fresh code.
    await find(fresh, 'read-only')
    await pageA.locator('#pair-review').waitFor({ state: 'visible', timeout: 60_000 })
    await pageA.reload()
    // The page kept its token in memory only: reloaded, it asks for the login link again.
    await pageA.locator('#login').waitFor({ state: 'visible' })
    const { a } = pair as Pair
    await pageA.goto(`${a.url}/#token=${a.token}`)
    await pageA.locator('#conn').filter({ hasText: 'live' }).waitFor()
    // Said in one line with the fresh code.
    const third = (await n.waitFor(/^the approver refused; new code: /, 30_000)).match(/new code: (\S+)/)?.[1] as string

    // That code: the review shows what asks to join, before anything is granted.
    await find(third, 'read-only')
    await pageA.locator('#pair-review').waitFor({ state: 'visible', timeout: 60_000 })
    const fact = async (k: string): Promise<string> => await pageA.locator(`#pair-facts dd[data-fact="${k}"]`).innerText()
    expect(await fact('label')).toBe('laptop')
    expect(await fact('host')).toMatch(/^\S+ claimed$/)
    expect(await fact('system')).toMatch(/^\S.*, mesh \S+ claimed$/)
    expect(await fact('fingerprint')).toBe(fingerprint)
    expect(await fact('PeerId')).toBe(peerId)
    expect(await fact('reached at')).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+ \(it dialed this device \(mesh pair --via\)\)$/)
    expect(await fact('asks for')).toBe('read, write')
    expect(await fact('will get')).toBe('read')
    // Nothing is granted yet: the device list still has two.
    expect(await pageA.locator('#devices tbody tr').count()).toBe(2)
    await screenshot(pageA, 'devices-pair-review.png')

    await pageA.locator('#pair-approve').click()
    await pageA.locator('#pair-status').filter({ hasText: `Approved: 'laptop' (${peerId}), granted read.` }).waitFor({ timeout: 30_000 })
    expect(await n.exited).toBe(0)
    expect(n.lines.join('\n')).toMatch(/paired with vault \S+ as 'laptop' \[read\], approved by alpha/)

    // Listed here, enrolled by this device; and on beta's page by the registry, with no reload.
    await expect.poll(async () => await pageA.locator('#devices tbody tr').count()).toBe(3)
    expect(await cell(pageA, peerId, 0)).toMatch(/^laptop\n/)
    expect(await cell(pageA, peerId, 1)).toBe('read')
    expect(await cell(pageA, peerId, 2)).toBe('alpha')
    expect(await cell(pageA, peerId, 4)).toBe('never')
    expect(await cell(pageA, peerId, 5)).toBe('no')
    await pageB.locator(`#devices tbody tr[data-device="${peerId}"]`).waitFor({ timeout: 30_000 })
    expect(await cell(pageB, peerId, 2)).toBe('alpha')
    expect(await pageB.evaluate(() => (globalThis as any).__sameDocument)).toBe(true)

    // The read-only laptop joins (no wallet): its own page lists every device, offers no revoke
    // and no pairing, and says why; alpha's page shows it online.
    const ln = spawnIn(undefined, process.execPath, [BIN, 'join', '--home', homeC, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', '0', '--bootstrap', (pair as Pair).a.addr], env)
    procs.push(ln)
    await ln.waitFor(/peer proven\s+alpha/, 30_000)
    await expect.poll(async () => await row(pageA, peerId).getAttribute('data-state'), { timeout: 30_000 }).toBe('online')
    const info = JSON.parse(await readFile(join(homeC, 'api.json'), 'utf8')) as { url: string }
    pageC = await open(info.url, (await readFile(join(homeC, 'api.token'), 'utf8')).trim(), errors)
    await expect.poll(async () => await pageC.locator('#devices tbody tr').count()).toBe(3)
    expect(await cell(pageC, peerId, 0)).toMatch(/^laptop \(this device\)\n/)
    expect(await pageC.locator('#devices button').count()).toBe(0)
    expect(await pageC.locator('#devices-note').innerText()).toMatch(/not an admin/)
    expect(await pageC.locator('#pair-not-admin').isVisible()).toBe(true)
    expect(await pageC.locator('#pair-form').isHidden()).toBe(true)
    expect(await deviceFact(pageC, 'writes')).toBe('no: read-only')
    expect(errors).toEqual([])
  })

  it('revokes beta through a dialog that names it: beta is cut off and shown revoked, by alpha; beta\'s own page says so', async () => {
    const { a, b } = pair as Pair
    // beta drives a session: alpha's page shows its lease live, until the revoke ends it.
    const key = 'agent:main:driven-by-beta'
    expect((await api(b, 'POST', '/api/sessions', { key, title: 'beta drives' })).status).toBeLessThan(300)
    expect((await api(b, 'POST', `/api/sessions/${key}/lease`, {})).status).toBeLessThan(300)
    await a.proc.waitFor(/synced\s+agent:main:driven-by-beta from beta/, 30_000)
    const lease = pageA.locator(`#sessions tbody tr[data-key="${key}"] td`).nth(3)
    await expect.poll(async () => await lease.innerText(), { timeout: 30_000 }).toMatch(/^beta until /)
    await row(pageA, b.deviceId).locator('button.revoke').click()
    const dialog = pageA.locator('#revoke-dialog')
    await dialog.waitFor({ state: 'visible' })
    expect(await pageA.locator('#revoke-title').innerText()).toBe('Revoke beta?')
    expect(await pageA.locator('#revoke-what').innerText()).toContain(`beta (${b.deviceId})`)
    expect(await pageA.locator('#revoke-what').innerText()).toMatch(/cannot be undone/)
    const go = pageA.locator('#revoke-go')
    expect(await go.innerText()).toBe('Revoke beta')
    expect(await go.isDisabled()).toBe(true)
    // Cancel revokes nothing.
    await pageA.locator('#revoke-cancel').click()
    await dialog.waitFor({ state: 'hidden' })
    expect(await cell(pageA, b.deviceId, 6)).toBe('—')

    await row(pageA, b.deviceId).locator('button.revoke').click()
    await pageA.locator('#revoke-confirm').fill('bet')
    expect(await go.isDisabled()).toBe(true)
    await pageA.locator('#revoke-confirm').fill('beta')
    expect(await go.isDisabled()).toBe(false)
    await pageA.locator('#revoke-reason').fill('stolen')
    await screenshot(pageA, 'devices-revoke-dialog.png')
    await go.click()
    await dialog.waitFor({ state: 'hidden', timeout: 30_000 })
    expect(await pageA.locator('#devices-result').innerText()).toMatch(/^Revoked beta: every connected device cut it off; .* The vault key was rotated \(rotation 1\)\.$/)

    // beta's daemon is hung up on; the row says revoked, when, by alpha, why; no button left.
    await b.proc.waitFor(/lost\s+alpha/, 30_000)
    await expect.poll(async () => await row(pageA, b.deviceId).getAttribute('data-state')).toBe('revoked')
    expect(await cell(pageA, b.deviceId, 6)).toMatch(/\d.* by alpha \(stolen\)$/)
    expect(await cell(pageA, b.deviceId, 5)).toBe('no')
    expect(await cell(pageA, b.deviceId, 4)).not.toBe('now')
    expect(await row(pageA, b.deviceId).locator('button').count()).toBe(0)
    // The laptop's page hears of the revoke from the registry, with no reload.
    await expect.poll(async () => await pageC.locator(`#devices tbody tr[data-device="${b.deviceId}"]`).getAttribute('data-state'), { timeout: 30_000 }).toBe('revoked')
    expect(await cell(pageC, b.deviceId, 6)).toMatch(/ by alpha \(stolen\)$/)
    // No longer a connected peer of alpha (offline, or not listed).
    await expect.poll(async () => await pageA.locator(`#peers tbody tr[data-peer="${b.deviceId}"][data-state="connected"]`).count(), { timeout: 30_000 }).toBe(0)
    // beta's own page: revoked, by whom and why, and that it writes nothing now (the device.revoked event).
    await pageB.locator('#device-revoked').filter({ hasText: /^This device was revoked \d.* by alpha \(stolen\)\. It keeps what it holds, but it writes nothing/ }).waitFor({ timeout: 30_000 })
    expect(await pageB.locator('#device-revoked').innerText()).toMatch(/pair it anew \(mesh pair, approved from an admin device\)\.$/)
    expect(await deviceFact(pageB, 'writes')).toBe('no: this device was revoked')
    await screenshot(pageB, 'devices-revoked-self.png')
    // A revoked device drives nothing: its lease is shown ended, with no reload.
    await expect.poll(async () => await lease.innerText(), { timeout: 30_000 }).toBe('beta (revoked)')
    await screenshot(pageA, 'devices-revoked.png')
    expect(errors).toEqual([])
  })
})
