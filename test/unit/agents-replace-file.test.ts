/** replace-file.ts on real files: atomic, mode-keeping, and never over an edit made since the read. */
import { chmod, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ChangedUnderfootError, hashOf, removeFileIf, replaceFile } from '../../src/agents/index.js'
import { tempDir } from '../helpers/tmp.js'

let cleanup: (() => Promise<void>) | undefined
afterEach(async () => { await cleanup?.(); cleanup = undefined })
async function tmp (): Promise<string> { const t = await tempDir(); cleanup = t.cleanup; return t.dir }

describe('replaceFile', () => {
  it('keeps the mode of the file it replaces, gives a new file the mode asked, leaves no temp file', async () => {
    const d = await tmp()
    const p = join(d, 'CLAUDE.md')
    await writeFile(p, 'old\n')
    await chmod(p, 0o640)
    await replaceFile(p, 'new\n', { mode: 0o600, expect: await hashOf(p), checkExpect: true })
    expect(await readFile(p, 'utf8')).toBe('new\n')
    expect((await stat(p)).mode & 0o777).toBe(0o640)
    await replaceFile(join(d, 'sub', 'n.md'), 'x', { mode: 0o600 })
    expect((await stat(join(d, 'sub', 'n.md'))).mode & 0o777).toBe(0o600)
    expect((await readdir(d)).sort()).toEqual(['CLAUDE.md', 'sub'])
  })

  it('refuses when the file changed (or appeared) since it was read, and leaves it and no temp file', async () => {
    const d = await tmp()
    const p = join(d, 'MEMORY.md')
    await writeFile(p, 'read by sync\n')
    const h = await hashOf(p)
    await writeFile(p, 'edited by the user meanwhile\n')
    await expect(replaceFile(p, 'from mesh\n', { expect: h, checkExpect: true })).rejects.toBeInstanceOf(ChangedUnderfootError)
    expect(await readFile(p, 'utf8')).toBe('edited by the user meanwhile\n')
    const q = join(d, 'new.md')
    await writeFile(q, 'created meanwhile\n')
    await expect(replaceFile(q, 'from mesh\n', { expect: undefined, checkExpect: true })).rejects.toBeInstanceOf(ChangedUnderfootError)
    await expect(removeFileIf(p, h as string)).rejects.toBeInstanceOf(ChangedUnderfootError)
    expect((await readdir(d)).sort()).toEqual(['MEMORY.md', 'new.md'])
  })

  it('never replaces a symlink', async () => {
    const d = await tmp()
    await writeFile(join(d, 'AGENTS.md'), 'shared\n')
    await symlink('AGENTS.md', join(d, 'CLAUDE.md'))
    await expect(replaceFile(join(d, 'CLAUDE.md'), 'x')).rejects.toBeInstanceOf(ChangedUnderfootError)
    expect(await readFile(join(d, 'AGENTS.md'), 'utf8')).toBe('shared\n')
  })
})
