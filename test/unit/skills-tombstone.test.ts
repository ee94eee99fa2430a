/**
 * crdt/skills.ts tombstones: what a removal leaves, and how it meets a concurrent edit or a new
 * add. And how a SKILL.md's front matter is read: as YAML (it was read line by line, so that
 * `description: |` was stored as "|", a quoted "\n" kept its backslash, `'it''s'` both quotes and
 * `# a comment` stayed in the value), and its bytes only when they are UTF-8.
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { checkDoc, folderHash, parseSkill, skillFolder, SkillsDoc, skillText } from '../../crdt/index.js'

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

describe('a SKILL.md\'s front matter', () => {
  const fm = (lines: string): string => `---\n${lines}\n---\nBody.\n`
  const read = (lines: string): ReturnType<typeof parseSkill> => parseSkill(fm(lines), 'fallback')

  it('is read as YAML: block scalars, quoting and escapes, comments; version as written', () => {
    expect(read('name: review\ndescription: |\n  Review a diff.\n  Then say what is wrong.')).toEqual({ name: 'review', version: '0.0.0', description: 'Review a diff.\nThen say what is wrong.\n', body: 'Body.\n' })
    expect(read('description: >\n  Review a diff\n  and say what is wrong.').description).toBe('Review a diff and say what is wrong.\n')
    expect(read('description: "one\\ntwo \\"quoted\\""').description).toBe('one\ntwo "quoted"')
    expect(read("description: 'it''s \"fine\"'").description).toBe('it\'s "fine"')
    expect(read('name: review # the folder\'s name too\ndescription: Review it # why: see below').description).toBe('Review it')
    expect(read('name: review # the folder\'s name too').name).toBe('review')
    expect(read('description: "Use it when: asked"').description).toBe('Use it when: asked')
    // 1.0 is "1.0" (not the number 1), 1.10 is not 1.1, true stays "true": the text written.
    expect(read('version: 1.0').version).toBe('1.0')
    expect(read('version: 1.10').version).toBe('1.10')
    expect(read('version: 2').version).toBe('2')
    // Keys whatever their case, as before; an empty value is none given.
    expect(read('Name: review\nDescription: Review it')).toMatchObject({ name: 'review', description: 'Review it' })
    expect(read('name:\nversion:\ndescription:')).toMatchObject({ name: 'fallback', version: '0.0.0', description: '' })
    // Fields other than these (the agents' own: allowed-tools, metadata) may be anything.
    expect(read('name: review\nallowed-tools: [Read, Grep]\nmetadata:\n  owner: me')).toMatchObject({ name: 'review', description: '' })
    expect(parseSkill('No front matter.\n', 'plain')).toEqual({ name: 'plain', version: '0.0.0', description: '', body: 'No front matter.\n' })
  })

  it('that is not YAML is read line by line, as agents load it; a list or map is none given; only a name that is none is refused', () => {
    // An unquoted ": " in a description: not YAML, often written, and loaded by agents.
    expect(read('name: review\ndescription: Use it when: the user asks')).toMatchObject({ name: 'review', description: 'Use it when: the user asks' })
    expect(read('name: review\ndescription: "half').description).toBe('half')
    expect(read('name: a\nname: b').name).toBe('b')
    expect(read('just a line')).toMatchObject({ name: 'fallback', description: '' })
    expect(read('description:\n  - one\n  - two').description).toBe('')
    expect(read('name:\n  first: x').name).toBe('fallback')
    expect(() => read('name: "bad\\nname"')).toThrow('invalid skill name "bad\\nname"')
    // Added, its text byte for byte.
    const s = new SkillsDoc()
    const text = fm('description: Use it when: asked')
    expect(s.add(text, { source: 't', fallbackName: 'x', device: 'd' })).toMatchObject({ name: 'x', description: 'Use it when: asked', text })
  })

  it('is taken only from UTF-8 bytes: others are refused naming the file and line, a byte order mark kept', () => {
    const latin1 = Buffer.concat([Buffer.from('---\nname: caf'), Buffer.from([0xe9]), Buffer.from('\n---\n')])
    expect(() => skillText(latin1, '/x/SKILL.md')).toThrow(/^\/x\/SKILL\.md is not UTF-8 text \(line 2 holds bytes that are not\)/)
    expect(() => skillText(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'a.md')).toThrow(/^a\.md is not UTF-8 text \(line 1/)
    const bom = Buffer.from('\ufeff# Title\n')
    expect(Buffer.from(skillText(bom, 'b.md'), 'utf8').equals(bom)).toBe(true)
  })
})
