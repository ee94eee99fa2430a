/**
 * Pairing, device and mirror refusals no MCP tool reaches (approving is a person's decision, so no
 * tool approves; a mirror is set up and run from the CLI), thrown by the real code and rendered as
 * MCP renders a failed call (toolError): what happened and what a person does, in words, never a
 * `mesh …` command or a --flag. Their CLI wording (also HTTP's) is unchanged, word for word.
 * The ones a tool does reach are driven through `mesh mcp` in test/integration/mcp-devices.test.ts
 * and mcp-home-hints.test.ts.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { targetsOf } from '../../src/api/devices.js'
import { toolError } from '../../src/api/mcp.js'
import { hostMirror, type MirrorHostOptions } from '../../src/api/mirror.js'
import { Approvals } from '../../src/api/pairing.js'
import { messageFor } from '../../src/errors.js'
import { generateDeviceKey, generateWallet } from '../../src/identity/index.js'
import { enrolMirror, loadMirrorIdentity } from '../../src/node/mirror.js'
import { writePairedHome } from '../../src/node/pair-home.js'
import type { Vault } from '../../src/node/vault.js'
import { homePath } from '../../src/store/index.js'
import { tempDir } from '../helpers/tmp.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

const CLI_WORDS = /`?mesh [a-z]|--[a-z]/

/** The refusal `run` throws: its CLI message exactly `cli`, and as MCP says it exactly `mcp` (with the code), free of CLI words. */
async function says (run: () => unknown, cli: string, mcp: string): Promise<void> {
  let err: unknown
  try { await run() } catch (e) { err = e }
  expect(err, 'it throws').toBeInstanceOf(Error)
  expect((err as Error).message).toBe(cli)
  expect(messageFor(err, 'cli')).toBe(cli)
  const text = (toolError(err).content[0] as { text: string }).text
  expect(text).toBe(mcp)
  expect(text).not.toMatch(CLI_WORDS)
}

async function dir (): Promise<string> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

describe('pairing', () => {
  it('a decision for a pairing no longer held', async () => {
    const approvals = new Approvals({} as Vault)
    await says(async () => await approvals.decide({ pairing: 'gone', approve: true }),
      'no pairing gone waits for a decision (it may have timed out: run `mesh devices approve` again)',
      'NOT_FOUND: no pairing gone waits for a decision (it may have timed out: a person approves the code the new machine shows again, on an admin device)')
  })

  it('an approval on a device that is no admin, before the code is used', async () => {
    const v = await newVault({ readOnly: true, label: 'watcher' })
    cleanups.push(v.cleanup)
    const approvals = new Approvals(v.vault.vault)
    await says(async () => await approvals.approve({ code: 'K7QM-2XDF', mdns: false }),
      'this device (watcher) is not an admin: it cannot enrol devices: approve the code on an admin device (`mesh devices` marks them [admin]); the new machine\'s code is still good',
      'NOT_ADMIN: this device (watcher) is not an admin: it cannot enrol devices: a person approves the code on an admin device (the devices tool lists the admin capability of each); the new machine\'s code is still good')
  })

  it('pairing into a home set up already', async () => {
    const v = await newVault()
    cleanups.push(v.cleanup)
    await says(async () => await writePairedHome(v.home, await generateDeviceKey(), {} as any),
      `home ${v.home} is already set up: pair into a new home (--home DIR)`,
      `PAIRING_FAILED: home ${v.home} is already set up: pair into a new home`)
  })
})

describe('devices', () => {
  it('a revoke that names no device and not every other one', async () => {
    await says(() => targetsOf({} as Vault, {}),
      'name one device (its label or id), or pass --all-but-this',
      'USAGE: name one device (its label or id)')
  })
})

describe('a blind mirror\'s home', () => {
  it('not set up, and no wallet to certify it', async () => {
    const home = join(await dir(), 'vps')
    // It refuses before the node (its options unused) is started.
    await says(async () => await hostMirror({ home, node: {} as MirrorHostOptions['node'] }),
      `home ${home} is not set up: a mirror is certified once by the wallet (pass --wallet PATH)`,
      `MISSING_CAPABILITY: home ${home} is not set up: a mirror is certified once by the wallet (a person sets it up with the wallet, on this machine)`)
  })

  it('a home that is no mirror\'s', async () => {
    const home = await dir()
    await says(async () => await loadMirrorIdentity(home),
      `home ${home} is not a mirror's: run \`mesh init --mirror\` with the wallet`,
      `HOME_NOT_INITIALIZED: home ${home} is not a mirror's: a person sets it up as a mirror with the wallet, on this machine`)
  })

  it('a member\'s home, never a mirror\'s', async () => {
    const v = await newVault()
    cleanups.push(v.cleanup)
    await says(async () => await enrolMirror(v.home, v.wallet),
      `home ${v.home} holds vault keys: a mirror's home must never have had them; use a new --home for the mirror`,
      `INVALID_INPUT: home ${v.home} holds vault keys: a mirror's home must never have had them; a mirror is set up in a new home`)
  })

  it('a mirror without its membership key', async () => {
    const home = join(await dir(), 'vps')
    const wallet = generateWallet()
    await enrolMirror(home, wallet)
    await writeFile(homePath(home, 'mirror'), JSON.stringify({ version: 1, wallet: wallet.address }))
    await says(async () => await loadMirrorIdentity(home),
      `${homePath(home, 'mirror')} has no membership key: run \`mesh init --mirror\` again with the wallet`,
      `HOME_CORRUPT: ${homePath(home, 'mirror')} has no membership key: a person sets the mirror up again with the wallet, on this machine`)
  })
})
