/**
 * Pairing through the dashboard the way it happens at home: the new machine is found on the LAN
 * by real mDNS. Everything runs inside one network namespace with multicast on its loopback
 * (test/helpers/netns.ts; needs root, as CI runs): the admin daemon, `mesh pair` as a child
 * process on a third home, and chromium itself (started through `ip netns exec`; playwright
 * drives it over a pipe, which crosses the namespace). The page enters the code, the review says
 * the device was found by mDNS, Approve pairs it, and once the new machine runs `mesh join` the
 * panel shows it online without a reload.
 */
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { CHROMIUM, launchChromium, needChromium } from '../helpers/chromium.js'
import { ROOT } from '../helpers/cli.js'
import { loopbackNs, type Proc } from '../helpers/netns.js'
import { walletLab } from '../helpers/wallet-lab.js'

const ARTIFACTS = join(ROOT, 'test', 'browser', 'artifacts')
const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('the Devices panel on a LAN (mDNS, network namespace)', () => {
  it('approves a machine found by mDNS; it shows online once it joins', async () => {
    needChromium()
    const net = loopbackNs(); cleanups.push(net.teardown)
    const ns = net.names[0] as string
    const { dir, env, wallet, mesh } = await walletLab(cleanups)
    const inNs = (args: string[]): Proc => mesh(ns, args)

    const homeA = join(dir, 'desktop')
    const a = inNs(['join', '--home', homeA, '--wallet', wallet, '--label', 'desktop', '--listen', '/ip4/127.0.0.1/tcp/0', '--dht', 'off', '--http', '0'])
    await a.waitFor(/^running/, 30_000)
    const url = (JSON.parse(await readFile(join(homeA, 'api.json'), 'utf8')) as { url: string }).url
    const token = (await readFile(join(homeA, 'api.token'), 'utf8')).trim()

    // chromium inside the namespace: its page reaches the daemon's 127.0.0.1 there.
    const wrapper = join(dir, 'chromium-in-ns')
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${CHROMIUM} "$@"\n`)
    await chmod(wrapper, 0o755)
    const browser: Browser = await launchChromium(wrapper)
    cleanups.push(async () => { await browser.close() })
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    const errors: string[] = []
    page.on('pageerror', (e) => { errors.push(e.message) })
    await page.goto(`${url}/#token=${token}`)
    await page.locator('#conn').filter({ hasText: 'live' }).waitFor()
    await expect.poll(async () => await page.locator('#devices tbody tr').count()).toBe(1)

    // The new machine: no wallet, announced by mDNS under the pairing tag.
    const homeN = join(dir, 'laptop')
    const n = inNs(['pair', '--home', homeN, '--label', 'laptop'])
    const shown = (await n.waitFor(/^pairing code: /)).match(/pairing code: (\S+)\s.*this device: (\S+)/) as RegExpMatchArray
    const peerId = (await n.waitFor(/^waiting/)).match(/this device will be (\S+?);/)?.[1] as string

    await page.locator('#pair-code').fill(shown[1] as string)
    expect(await page.locator('#pair-mdns').isChecked()).toBe(true)
    await page.locator('#pair-find').click()
    await page.locator('#pair-review').waitFor({ state: 'visible', timeout: 60_000 })
    const fact = async (k: string): Promise<string> => await page.locator(`#pair-facts dd[data-fact="${k}"]`).innerText()
    expect(await fact('label')).toBe('laptop')
    expect(await fact('fingerprint')).toBe(shown[2])
    expect(await fact('PeerId')).toBe(peerId)
    expect(await fact('reached at')).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+ \(found on the local network \(mDNS\)\)$/)
    expect(await fact('will get')).toBe('read, write')
    await page.screenshot({ path: join(dir, 'devices-lan-review.png'), fullPage: true })
    await mkdir(ARTIFACTS, { recursive: true })
    await copyFile(join(dir, 'devices-lan-review.png'), join(ARTIFACTS, 'devices-lan-review.png'))
    await page.locator('#pair-approve').click()
    await page.locator('#pair-status').filter({ hasText: `Approved: 'laptop' (${peerId}), granted read, write.` }).waitFor({ timeout: 30_000 })
    expect(await n.exited).toBe(0)

    const laptop = page.locator(`#devices tbody tr[data-device="${peerId}"]`)
    await laptop.waitFor()
    expect(await laptop.getAttribute('data-state')).toBe('offline')
    // The paired machine joins with no wallet; the desktop finds it by mDNS and the row turns online.
    const ln = inNs(['join', '--home', homeN, '--listen', '/ip4/127.0.0.1/tcp/0', '--dht', 'off', '--http', 'off'])
    await ln.waitFor(/peer proven\s+desktop/, 30_000)
    await expect.poll(async () => await laptop.getAttribute('data-state'), { timeout: 30_000 }).toBe('online')
    expect(await laptop.locator('td').nth(2).innerText()).toBe('desktop')
    expect(errors).toEqual([])
  })
})
