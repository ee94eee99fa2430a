/**
 * Lanes: a device sends an entry before its own fsync, so a crash can leave peers holding an
 * entry the device's disk never got. The device must then never reuse that entry's sequence
 * number for new content (a peer would take the new entry for a duplicate and the two would
 * silently diverge). Emulated for real: a child appends and is SIGKILLed, and its home's data is
 * then put back as it was before that append, exactly what a crash before the fsync leaves.
 */
import { spawnSync } from 'node:child_process'
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { fromHex, generateWallet, parseTrustedEntry, type Entry } from '../../src/identity/index.js'
import { ROOT } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const CHILD = join(ROOT, 'dist', 'test', 'helpers', 'lane-writer.js')

function capture (v: MeshVault): Entry[] {
  const out: Entry[] = []
  v.vault.on('entry', e => { if (e.local) out.push(e.entry) })
  return out
}

async function transcript (v: MeshVault): Promise<string[]> {
  const s = await v.sessions.open('work')
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

describe('lanes', () => {
  it('continues the same lane after a clean close', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'a')
    const v = await openVault({ home, wallet: generateWallet(), label: 'A' })
    const sent = capture(v)
    const s = await v.sessions.create('work')
    await s.append({ role: 'user', content: 'one' })
    await s.close(); await v.close()
    const again = await openVault({ home })
    const more = capture(again)
    const s2 = await again.sessions.open('work')
    await s2.append({ role: 'user', content: 'two' })
    await s2.close(); await again.close()
    const first = sent.filter(e => e.doc.every((b, i) => b === more[0]?.doc[i]))
    expect(more[0]?.lane).toBe(first.at(-1)?.lane)
    expect(more[0]?.seq).toBe((first.at(-1)?.seq ?? 0n) + 1n)
  })

  it('after a crash that lost a sent entry, new entries never reuse its number, and the peer hands it back', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const home = join(t.dir, 'a')
    const v = await openVault({ home, wallet, label: 'A' })
    const sent = capture(v)
    const s = await v.sessions.create('work')
    await s.append([{ role: 'user', content: 'm1' }, { role: 'user', content: 'm2' }])
    await s.close(); await v.close()
    await cp(join(home, 'data'), join(t.dir, 'data-before'), { recursive: true })

    // The child appends m3, hands it to the mesh, and is killed; then its disk "never got" m3.
    const r = spawnSync(process.execPath, [CHILD, home, 'm3'], { encoding: 'utf8', timeout: 60_000 })
    expect(r.signal, r.stderr).toBe('SIGKILL')
    const lost = (JSON.parse(r.stdout.trim().split('\n').at(-1) as string).sent as string[]).map(h => parseTrustedEntry(fromHex(h)))
    expect(lost.length).toBeGreaterThan(0)
    await rm(join(home, 'data'), { recursive: true })
    await cp(join(t.dir, 'data-before'), join(home, 'data'), { recursive: true })

    const a = await openVault({ home })
    const later = capture(a)
    const sa = await a.sessions.open('work')
    expect(sa.messages().map(m => m.content)).toEqual(['m1', 'm2'])
    await sa.append({ role: 'user', content: 'm4' })
    await sa.close()
    const m3 = lost.at(-1) as Entry
    const m4 = later.at(-1) as Entry
    expect(m4.seq === m3.seq && m4.lane === m3.lane).toBe(false)
    expect(m4.lane).toBeGreaterThan(m3.lane)

    // A peer that got everything A ever sent stores every entry; none is taken for a duplicate.
    const b = await openVault({ home: join(t.dir, 'b'), wallet, label: 'B' })
    await b.vault.addCertificate(a.vault.identity.certificate.bytes)
    for (const e of [...sent, ...lost, ...later]) expect((await b.vault.accept(e.bytes)).result).toBe('stored')
    const onB = await transcript(b)
    expect([...onB].sort()).toEqual(['m1', 'm2', 'm3', 'm4'])
    // And A gets its lost entry back from the peer: both hold the same transcript.
    for (const e of lost) await a.vault.accept(e.bytes)
    expect(await transcript(a)).toEqual(onB)
    await a.close(); await b.close()
  })
})
