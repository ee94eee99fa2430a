/**
 * A memory key is anyone's text, and `mesh agent memory sync` makes a file of it: a key whose
 * name holds a NUL, or a name over 255 bytes (127 CJK characters), passed the path check, and
 * opening the file threw out of the whole sync, on every device, for good.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isPathOfNames, isSkillFilePath } from '../../crdt/index.js'
import type { MeshApi } from '../../src/api/api.js'
import { syncFiles, type Place } from '../../src/agents/file-sync.js'
import { tempDir } from '../helpers/tmp.js'

const LONG = '日'.repeat(100) + '.md' // 303 bytes of UTF-8

describe('a path of names is names a file system takes', () => {
  it('no NUL, no name over 255 bytes', () => {
    expect(isPathOfNames('a\0b.md')).toBe(false)
    expect(isPathOfNames(`dir/${LONG}`)).toBe(false)
    expect(isPathOfNames('x'.repeat(255))).toBe(true)
    expect(isPathOfNames('x'.repeat(256))).toBe(false)
    expect(isPathOfNames('日'.repeat(85))).toBe(true) // 255 bytes
    expect(isSkillFilePath('a\0b')).toBe(false)
    expect(isPathOfNames('notes/today.md')).toBe(true)
  })
})

describe('memory sync', () => {
  it('reports a file it cannot open and syncs the others', async () => {
    const t = await tempDir()
    try {
      const dir = join(t.dir, 'memory')
      await mkdir(dir)
      await writeFile(join(dir, 'local.md'), 'mine')
      const set: string[] = []
      const api = { call: async (method: string, input: { key: string }) => { if (method === 'memory.set') set.push(input.key); return {} } } as unknown as MeshApi
      const place = (name: string): Place => ({ path: join(dir, name), tags: [], mode: 0o600 })
      const places = new Map<string, Place>([['m/a.md', place('a.md')], ['m/a\0b.md', place('a\0b.md')], [`m/${LONG}`, place(LONG)], ['m/local.md', place('local.md')]])
      const mesh = new Map([['m/a.md', 'good'], ['m/a\0b.md', 'evil'], [`m/${LONG}`, 'long']])
      const report = await syncFiles(api, places, mesh, new Map())
      expect(report.pulled).toEqual(['m/a.md'])
      expect(report.pushed).toEqual(['m/local.md'])
      expect(set).toEqual(['m/local.md'])
      expect(report.skipped.map(s => s.key).sort()).toEqual([`m/${LONG}`, 'm/a\0b.md'].sort())
      expect(report.skipped.every(s => s.why.startsWith('cannot read it here'))).toBe(true)
      expect(await readFile(join(dir, 'a.md'), 'utf8')).toBe('good')
    } finally {
      await t.cleanup()
    }
  })
})
