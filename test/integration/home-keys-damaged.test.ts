/**
 * A home whose vault.keys was cut short (a disk fault): every command said only "… is not valid
 * JSON", with nothing to do about it. It now says what the file holds and the ways back (a backup,
 * or setting the machine up again and revoking the old entry). A real `mesh status`.
 */
import { truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('a home whose vault.keys is cut short', () => {
  it('is refused with what the file holds and what to do', async () => {
    expect((await h.mesh('init')).code).toBe(0)
    await truncate(join(h.home, 'vault.keys'), 20)
    const r = await h.mesh('status')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`mesh: ${join(h.home, 'vault.keys')} is not valid JSON. It holds the vault's keys for this device: put it back from a backup of the home if you have one; else move the home aside and set this machine up again (\`mesh init --wallet PATH\`, or \`mesh pair\`), then revoke this device's old entry (\`mesh devices revoke\`). What this device synced comes back from the others\n`)
    expect(JSON.parse((await h.mesh('status', '--json')).stderr).error.code).toBe('HOME_CORRUPT')
  }, 60_000)
})
