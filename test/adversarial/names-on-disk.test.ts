/**
 * What a node writes under data/ about bad or damaged data names no session, memory key or file
 * path (crdt/SPEC.md, Quarantine: records hold no names): a quarantine record's reason gives the
 * schema path with the keys that are data masked (`sessions[*]: key: not a string`), and a
 * damaged file's note names its document by hex id. The reason in the live event and in the
 * error the writer gets still names the key.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { checkUpdate, DOC_NAMES, sealUpdate, withoutKeys, type SessionKey } from '../../crdt/index.js'
import { generateWallet, toHex } from '../../src/identity/index.js'
import type { Quarantined } from '../../src/node/quarantine.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

const SESSION = 'agent:claude:acme-merger-plan-2027'
const MEMORY = 'claude/project/github.com/acme/secret-merger/CLAUDE.md'
const FIELD = 'acme_private_field'
const FILE = '/home/alice/acme/secret-merger/notes.md'
const SNAPPED = 'agent:claude:acme-board-minutes'
const MARKERS = [SESSION, MEMORY, FIELD, FILE, SNAPPED]

async function allFiles (dir: string): Promise<string[]> {
  const out: string[] = []
  for (const n of await readdir(dir)) {
    const p = join(dir, n)
    if ((await stat(p)).isDirectory()) out.push(...await allFiles(p))
    else out.push(p)
  }
  return out
}

/** An update of a fresh Y.Doc made by `edit`. */
function updateOf (edit: (d: Y.Doc) => void): Uint8Array {
  const d = new Y.Doc()
  let u: Uint8Array | undefined
  d.on('update', (x: Uint8Array) => { u = x })
  d.transact(() => { edit(d) })
  return u as Uint8Array
}

/** This device's entry on a lane of its own (a member's write of any content), offered to the vault; the reason it is refused for. */
async function offer (v: MeshVault, name: string, update: Uint8Array, lane: number): Promise<string> {
  const { keys, device } = v.vault.identity
  const e = sealUpdate({ keys, signer: device.signer }, v.vault.docId(name), 1n, update, { lane })
  try {
    await v.vault.accept(e.bytes)
  } catch (err: any) {
    return String(err?.message)
  }
  return 'accepted'
}

describe('names on disk', () => {
  it('a key that is data is masked whole, whatever it holds (quotes, backslashes, brackets, new lines)', () => {
    for (const key of ['a"]: b', 'a\\"', '\n"x"\n', '[*]', '']) {
      const reason = checkUpdate('memory', updateOf(d => { d.getMap('entries').set(key, { key: 1 }) }))
      expect(reason).toContain(JSON.stringify(key))
      expect(withoutKeys(reason as string)).toBe('entries[*]: key: not a string')
    }
  })

  it('quarantine records and damaged-file notes under data/ hold no session key, memory key or path', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'home')
    const wallet = generateWallet()
    let v = await openVault({ home, wallet, label: 'one', snapshotEvery: 3, snapshotOnClose: 100_000 })
    const live: Quarantined[] = []
    v.vault.on('quarantined', q => { live.push(q) })

    // Refused at receipt: a value of the wrong shape under a session key, a memory key, and a
    // memory entry with a field of its own that is no JSON.
    expect(await offer(v, DOC_NAMES.sessionsIndex, updateOf(d => { d.getMap('sessions').set(SESSION, { key: 42 }) }), 77)).toContain(SESSION)
    expect(await offer(v, DOC_NAMES.memory, updateOf(d => { d.getMap('entries').set(MEMORY, { key: 7 }) }), 77)).toContain(MEMORY)
    expect(await offer(v, DOC_NAMES.memory, updateOf(d => { d.getMap('entries').set('k', { key: 'k', value: 'v', tags: [], updatedAt: 1, device: 'd', [FIELD]: 1n }) }), 78)).toContain(FIELD)

    // Found at load: a task's file whose value is no number, under a path.
    const s = await v.sessions.create(SNAPPED)
    for (let i = 0; i < 5; i++) await s.append({ role: 'user', content: `m${i}` })
    await s.close()
    await v.close()
    v = await openVault({ home, wallet, label: 'one', snapshotEvery: 3, snapshotOnClose: 100_000 })
    v.vault.on('quarantined', q => { live.push(q) })
    await offer(v, DOC_NAMES.session(SNAPPED as SessionKey), updateOf(d => { const files = new Y.Map(); d.getMap('task').set('files', files); files.set(FILE, 'not a number') }), 79)
    const again = await v.sessions.open(SNAPPED)
    await again.close()
    expect(v.vault.quarantined()).toHaveLength(4)
    // The live reports still name what was wrong where.
    expect(live.map(q => q.reason).join('\n')).toContain(FILE)
    expect(live.map(q => q.reason).join('\n')).toContain(SESSION)
    await v.close()

    // A snapshot damaged on this disk: set aside with a note when its document opens.
    const snaps = join(home, 'data', 'snapshots')
    for (const d of await readdir(snaps)) {
      for (const f of await readdir(join(snaps, d))) {
        const fh = await open(join(snaps, d, f), 'r+')
        const size = (await fh.stat()).size
        const b = Buffer.alloc(1)
        await fh.read(b, 0, 1, size - 20)
        b[0] = (b[0] as number) ^ 1
        await fh.write(b, 0, 1, size - 20)
        await fh.close()
      }
    }
    v = await openVault({ home, wallet, label: 'one' })
    const doc = toHex(v.vault.docId(DOC_NAMES.session(SNAPPED as SessionKey)))
    await (await v.sessions.open(SNAPPED)).close()
    const damaged = await v.vault.store.damaged()
    const reasons = v.vault.quarantined().map(q => q.reason).sort()
    await v.close()

    // Nothing under data/ names them.
    const files = await allFiles(join(home, 'data'))
    expect(files.some(f => f.includes(join('data', 'quarantine')))).toBe(true)
    expect(files.some(f => f.includes(join('data', 'damaged')))).toBe(true)
    for (const f of files) {
      const text = await readFile(f)
      for (const m of MARKERS) expect(text.includes(Buffer.from(m)), `${m} in ${f}`).toBe(false)
    }
    // What they say instead: the schema path, and the document's hex id.
    expect(reasons).toEqual(['entries[*]: *: not JSON (a bigint)', 'entries[*]: key: not a string', 'sessions[*]: key: not a string', 'task.files[*]: not a number'])
    expect(damaged).toMatchObject([{ kind: 'snapshot', doc }])
    expect(damaged[0]?.reason).toContain(doc)
  })
})
