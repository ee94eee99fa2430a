/**
 * Nothing on disk is plaintext: marker strings written into every document never appear in the
 * home. And `data/` alone (a backup) names no wallet, label or hostname: the certificates the
 * store keeps are sealed, also those of a home written before they were.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { generateDeviceKey, generateWallet, issueCertificate } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { EntryStore } from '../../src/store/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

async function allFiles (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const n of await readdir(dir)) {
    const p = join(dir, n)
    if ((await stat(p)).isDirectory()) out.push(...await allFiles(p))
    else out.push(p)
  }
  return out
}

describe('encryption at rest', () => {
  it('no marker of a session, memory or skill appears in any byte of the home', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const markers = ['MARKER_SESSION_KEY_7f3a', 'MARKER_TITLE_c1d2', 'MARKER_GOAL_88ab', 'MARKER_MESSAGE_e5f6', 'MARKER_PLAN_0912', 'MARKER_MEMKEY_4c4c', 'MARKER_MEMVAL_9d9d', 'MARKER_SKILL_NAME_aa11', 'MARKER_SKILLBODY_bb22']
    const v = await openVault({ home, wallet: generateWallet(), snapshotEvery: 20, snapshotOnClose: 1 })
    const s = await v.sessions.create(markers[0] as string, { title: markers[1], goal: markers[2] })
    for (let i = 0; i < 45; i++) await s.append({ role: 'user', content: `${markers[3] as string} ${i}` })
    await s.updateTask({ plan: markers[4] })
    await s.close()
    await v.memory.set(markers[5] as string, markers[6] as string)
    const skill = join(t.dir, 'skill.md')
    await writeFile(skill, `---\nname: ${markers[7] as string}\n---\n${markers[8] as string}\n`)
    await v.skills.addFile(skill)
    await v.close()

    const files = await allFiles(home)
    expect(files.some(f => f.includes('snapshots'))).toBe(true)
    let bytes = 0
    for (const f of files) {
      const data = await readFile(f)
      bytes += data.byteLength
      for (const m of markers) {
        for (const enc of ['utf8', 'utf16le'] as const) {
          expect(data.includes(Buffer.from(m, enc)), `${m} (${enc}) in ${f}`).toBe(false)
        }
        expect(data.includes(Buffer.from(m).toString('base64').slice(0, 16)), `${m} (base64) in ${f}`).toBe(false)
      }
    }
    expect(bytes).toBeGreaterThan(10_000)
    // And the data is there: reopening reads the markers back.
    const again = await openVault({ home })
    const s2 = await again.sessions.open(markers[0] as string)
    expect(s2.messages({ tail: 1 })[0]?.content).toBe(`${markers[3] as string} 44`)
    await s2.close()
    await again.close()
  })

  it('data/ alone names no wallet, label or hostname, and a home from before sealed certificates is sealed at open', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const wallet = generateWallet()
    const label = 'MARKER-LABEL-3b9e'
    const peerLabel = 'MARKER-PEER-LABEL-71c0'
    const v = await openVault({ home, wallet, label })
    const peer = issueCertificate(wallet, { deviceKey: (await generateDeviceKey()).publicKey, capabilities: ['read', 'write'], label: peerLabel })
    await v.vault.addCertificate(peer.bytes)
    const s = await v.sessions.create('s')
    await s.append({ role: 'user', content: 'hello' })
    await s.close()
    await v.close()
    // A home written by an older version: a certificate record in plaintext, with a default label.
    const old = issueCertificate(wallet, { deviceKey: (await generateDeviceKey()).publicKey, capabilities: ['read'], label: hostname() })
    const blind = await EntryStore.open(join(home, 'data'))
    await blind.putCertificate(old.bytes)
    await blind.close()
    expect((await readFile(join(home, 'data', 'log'))).includes(Buffer.from(old.bytes))).toBe(true)

    const again = await openVault({ home })
    const own = again.vault.identity.certificate.bytes
    const known = again.vault.store.certificates().map(c => Buffer.from(c).toString('hex'))
    for (const c of [own, peer.bytes, old.bytes]) expect(known).toContain(Buffer.from(c).toString('hex'))
    const msgs = await again.sessions.open('s')
    expect(msgs.messages()[0]?.content).toBe('hello')
    await msgs.close()
    await again.close()

    const secrets: Array<[string, Uint8Array]> = [
      ['wallet address', Buffer.from(wallet.address)],
      ['wallet public key', wallet.publicKey],
      ['label', Buffer.from(label)],
      ['peer label', Buffer.from(peerLabel)],
      ['own certificate', own],
      ['peer certificate', peer.bytes],
      ['old certificate', old.bytes]
    ]
    // A short hostname (two letters here) turns up in any 100 KB by chance: checked when it cannot.
    if (hostname().length >= 6) secrets.push(['hostname', Buffer.from(hostname())])
    const files = await allFiles(join(home, 'data'))
    expect(files.length).toBeGreaterThan(0)
    for (const f of files) {
      const data = await readFile(f)
      for (const [what, bytes] of secrets) expect(data.includes(Buffer.from(bytes)), `${what} in ${f}`).toBe(false)
    }
  })
})
