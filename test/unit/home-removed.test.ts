/**
 * A home removed while its vault is open (`rm -rf` of the home under a running node): the vault's
 * close writes nothing there, so no folder holding a stray held.sum or lane.json comes back, which
 * a later command would take for a home whose set-up stopped half-way.
 */
import { rm, stat } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { newVault } from '../helpers/vault.js'

describe('a home removed under an open vault', () => {
  it('is not made again by the close', async () => {
    const v = await newVault()
    try {
      const s = await v.vault.sessions.create('agent:main:gone')
      await s.append([{ role: 'user', content: 'written before the home was removed' }])
      await s.close()
      await rm(v.home, { recursive: true, force: true })
      await v.vault.close()
      await expect(stat(v.home)).rejects.toMatchObject({ code: 'ENOENT' })
    } finally {
      await v.cleanup()
    }
  })
})
