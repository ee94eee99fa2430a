/**
 * `mesh agent memory sync hermes` judges Hermes's memory files as Hermes's own drift guard does
 * (tools/memory_tool.py `_detect_external_drift`: the file, stripped, must equal its entries,
 * each stripped, empty ones dropped, joined by "\n§\n"), as a user meets it: real `mesh`
 * processes, a HERMES_HOME of its own. A trailing newline an editor adds is no drift (Hermes
 * accepts it); a file that is drifted is left alone, and the refusal names what to fix.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome(d => ({ HERMES_HOME: join(d, 'hermes') }))

describe('mesh agent memory sync hermes, a file edited by hand', () => {
  it('takes a file ending with a newline, says a file of one entry as such, and names what a drifted file must have fixed', async () => {
    const mem = join(h.dir, 'hermes', 'memories')
    await mkdir(mem, { recursive: true })
    const memory = join(mem, 'MEMORY.md')
    await writeFile(memory, 'Prefers pnpm\n§\nDeploys on Fridays are banned\n')
    await writeFile(join(mem, 'USER.md'), 'Name is Alice')

    const ok = await h.mesh('agent', 'memory', 'sync', 'hermes')
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toContain(`${memory}: 2 entries, `)
    expect(ok.stdout).toContain(`${join(mem, 'USER.md')}: 1 entry, 13/1375 chars; 1 to mesh`)
    expect(ok.stdout).toMatch(/MEMORY\.md: 2 entries, \d+\/2200 chars; 2 to mesh/)

    const cases: Array<[string, RegExp]> = [
      ['Prefers pnpm\n\n§\nDeploys on Fridays are banned', /the entry before the § on line 3 ends with a blank line/],
      ['Prefers pnpm\n§\n Deploys on Fridays are banned', /the entry after the § on line 2 starts with a space/],
      ['Prefers pnpm\n§\n\n§\nDeploys on Fridays are banned', /an empty entry between the § on line 2 and the one on line 4/],
      ['Prefers pnpm\n§\nDeploys on Fridays are banned\n§\n', /an empty entry after the § on line 4, at the end of the file/]
    ]
    for (const [text, said] of cases) {
      await writeFile(memory, text)
      const r = await h.mesh('agent', 'memory', 'sync', 'hermes')
      expect(r.code, JSON.stringify(text)).toBe(1)
      expect(r.stdout).toMatch(said)
      expect(r.stdout).toContain(`${memory}: edited outside Hermes's memory tool: `)
      expect(r.stdout).toContain('left untouched, nothing synced')
      expect(await readFile(memory, 'utf8')).toBe(text)
      const j = JSON.parse((await h.mesh('agent', 'memory', 'sync', 'hermes', '--json')).stdout)
      expect(j[0]).toMatchObject({ file: memory, drift: true })
      expect(j[0].why).toMatch(said)
    }
  }, 60_000)
})
