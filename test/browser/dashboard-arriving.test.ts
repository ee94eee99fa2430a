/**
 * The dashboard, on a session still arriving from a peer, says so above the transcript (from
 * whom, how far, time left; none of it here yet) instead of an error, looks again every few
 * seconds, and shows the transcript once it has all come. A real headless chromium against two
 * `mesh join` daemons of one wallet; the session comes to the page's daemon through a proxy that
 * forwards at 0.25 MB/s, so the arrival takes over ten seconds.
 */
import type { Browser } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../helpers/chromium.js'
import { bigHome, slowArrival } from '../helpers/slow-arrival.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

describe('the dashboard on a session still arriving', () => {
  it('says from whom and how far instead of an error, then shows the transcript once it has come', async () => {
    const N = 3000
    const home = await bigHome(cleanups, N)
    // The browser first: what follows B's start is only the page's load, well inside the arrival.
    const browser: Browser = await launchChromium()
    cleanups.push(async () => { await browser.close() })
    const page = await (await browser.newContext()).newPage()
    const { b, proxy } = await slowArrival(cleanups, home)

    const errors: string[] = []
    page.on('pageerror', (e) => { errors.push(e.message) })
    await page.goto(`${b.url}/#token=${b.token}`)
    await page.locator('#conn').filter({ hasText: 'live' }).waitFor()

    // The index comes first: the session is listed while its snapshot is on its way.
    const row = page.locator('#sessions tbody tr[data-key="agent:main:big"] button')
    await row.waitFor({ timeout: 60_000 })
    await row.click()
    const note = page.locator('#transcript-arriving')
    await note.waitFor({ state: 'visible', timeout: 30_000 })
    expect(await note.innerText()).toMatch(/^Arriving from alpha: \d+% \(\d+\.\d MB of \d+\.\d MB\)(, about \d+ s left)?; none of it is here yet\.$/)
    // Not an error of the page: the connection line still says live.
    expect(await page.locator('#conn').innerText()).toMatch(/live/)
    // Shown as arriving: the rest may come at once (at 0.25 MB/s throughout it took several seconds more).
    proxy.setRate(undefined)

    // Once it has come: the note goes, and the transcript's tail is there, its last message last.
    await note.waitFor({ state: 'hidden', timeout: 120_000 })
    await page.locator('#transcript li').last().filter({ hasText: `big ${N - 1} ` }).waitFor({ timeout: 30_000 })
    // The last 200, in order, each once; the rest said as not shown.
    const texts = await page.locator('#transcript li .text').allInnerTexts()
    expect(texts.map(x => Number(/^big (\d+) /.exec(x)?.[1]))).toEqual(Array.from({ length: 200 }, (_, i) => N - 200 + i))
    expect(await page.locator('#transcript-more').innerText()).toMatch(new RegExp(`^${N - 200} earlier messages are not shown`))
    expect(errors).toEqual([])
  }, 240_000)
})
