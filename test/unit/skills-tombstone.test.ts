/** crdt/skills.ts tombstones: what a removal leaves, and how it meets a concurrent edit or a new add. */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { checkDoc, folderHash, skillFolder, SkillsDoc } from '../../crdt/index.js'

const text = (extra = ''): string => `---\nname: review\n---\nRead the diff.${extra}\n`
const sync = (from: Y.Doc, to: Y.Doc): void => { Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to))) }

describe('skill tombstones', () => {
  it('a removal leaves the folder hash of what was removed; adding the name again clears it', () => {
    const s = new SkillsDoc()
    const added = s.add(text(), { source: 't', fallbackName: 'x', device: 'd1', files: [{ path: 'run.sh', text: 'echo\n', exec: true }] })
    expect(s.remove('review', { device: 'd2', now: 5 })).toBe(true)
    expect(s.tombstones()).toEqual([{ name: 'review', hash: added.hash, folder: folderHash(skillFolder(added)), removedAt: 5, device: 'd2' }])
    expect(folderHash(skillFolder(added))).not.toBe(folderHash(skillFolder({ ...added, files: [{ path: 'run.sh', text: 'echo\n' }] })))
    expect(checkDoc('skills', s.doc)).toBeUndefined()
    s.add(text(' Again.'), { source: 't', fallbackName: 'x', device: 'd1' })
    expect(s.tombstones()).toEqual([])
  })

  it('a removal concurrent with an edit on another device keeps the edit', () => {
    const a = new SkillsDoc()
    a.add(text(), { source: 't', fallbackName: 'x', device: 'a' })
    const b = new SkillsDoc()
    sync(a.doc, b.doc)
    a.remove('review', { device: 'a' })
    b.add(text(' Edited.'), { source: 't', fallbackName: 'x', device: 'b' })
    sync(a.doc, b.doc)
    sync(b.doc, a.doc)
    for (const s of [a, b]) {
      expect(s.get('review')?.text).toBe(text(' Edited.'))
      expect(s.tombstones()).toEqual([])
    }
  })

  it('a tombstone of the wrong shape reads as absent and fails the schema check', () => {
    const s = new SkillsDoc()
    s.doc.getMap('removed').set('x', { name: 'x', hash: 1 })
    expect(s.tombstones()).toEqual([])
    expect(checkDoc('skills', s.doc)?.reason).toMatch(/removed\["x"\]/)
  })
})
