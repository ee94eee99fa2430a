/** Debian's chromium for the browser tests (CHROMIUM_PATH overrides it), as .ci/run installs it. */
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { startPair, type Pair } from './daemons.js'
import { tempDir } from './tmp.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Fails (never skips) when chromium is missing, saying how to install it. */
export function needChromium (): void {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does)`)
}

/** Headless chromium, or `executablePath` (a wrapper that runs it in a namespace); run as root (CI) it needs --no-sandbox. */
export async function launchChromium (executablePath = CHROMIUM): Promise<Browser> {
  needChromium()
  return await chromium.launch({ executablePath, args: ['--no-sandbox'] })
}

export interface BrowserPair {
  /** The temp directory holding both homes (removed by `stop`). */
  dir: string
  pair: Pair
  browser: Browser
  /** Closes the browser, stops both daemons (by pid) and removes the directory. */
  stop: () => Promise<void>
}

/** Two paired daemons in a temp directory (daemons.ts startPair) and chromium: what the dashboard tests drive. */
export async function browserPair (): Promise<BrowserPair> {
  const t = await tempDir()
  const pair = await startPair(t.dir)
  const browser = await launchChromium()
  return {
    dir: t.dir,
    pair,
    browser,
    stop: async () => {
      await browser.close()
      await pair.stop()
      await t.cleanup()
    }
  }
}
