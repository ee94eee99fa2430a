/** Nothing on disk is plaintext: marker strings written into every document never appear in the home. */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateWallet } from '../../src/identity/index.js'
import { openVault } from '../../src/sdk/index.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

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
})
