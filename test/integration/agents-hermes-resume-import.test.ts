/**
 * What `mesh agent resume agent:hermes:<id>` tells the user to do next, through real `mesh`
 * processes on a home of their own (no daemon). A released Hermes takes its own export back only
 * through its dashboard's import (AGENT-FORMATS.md §3.3): `hermes sessions import` has
 * `--from claude|codex` alone, so a `--from hermes` command fails there. The resume names the
 * dashboard's step for the file it wrote, then the `hermes --resume` that continues the session;
 * `--json` says the two apart (`importFirst`, `command`). Run again, it finds its own file under
 * mesh-imports/ as it would write it and leaves it alone, as it does a file named with --out.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const H1 = '20261120_080000_a1b2c3'
const KEY = `agent:hermes:${H1}`

const h = cliHome(d => ({ HERMES_HOME: join(d, 'hermes') }))
beforeAll(async () => {
  const imp = await h.mesh('agent', 'import', 'hermes', '--file', join(FIX, 'hermes', 'export.jsonl'))
  expect(imp.code, imp.stderr).toBe(0)
}, 60_000)

describe('mesh agent resume of a Hermes session', () => {
  it('says the dashboard import of the file it wrote, then `hermes --resume`, and no `sessions import --from hermes`', async () => {
    const cwd = join(h.dir, 'work', 'app')
    await mkdir(cwd, { recursive: true })
    const path = join(h.dir, 'hermes', 'mesh-imports', `${H1}.jsonl`)
    const step = `import ${path} in Hermes's dashboard: run \`hermes dashboard\`, open Sessions, click "Import sessions" and choose the file`

    const r = await h.mesh('agent', 'resume', KEY, '--cwd', cwd)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).not.toContain('--from hermes')
    expect(r.stdout).toContain(`first, ${step}; then\ncontinue it with:\n  cd ${cwd} && hermes --resume ${H1}\n`)

    const j = await h.mesh('agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(j.code, j.stderr).toBe(0)
    expect(JSON.parse(j.stdout)).toMatchObject({ path, importFirst: step, command: `cd ${cwd} && hermes --resume ${H1}` })
  }, 60_000)

  it('run again, leaves its own file under mesh-imports/ alone when it is as it would write it, and says so', async () => {
    const cwd = join(h.dir, 'work', 'again')
    await mkdir(cwd, { recursive: true })
    const path = join(h.dir, 'hermes', 'mesh-imports', `${H1}.jsonl`)
    const first = await h.mesh('agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(first.code, first.stderr).toBe(0)
    const before = await stat(path)

    const again = await h.mesh('agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ path, unchanged: true })
    const text = await h.mesh('agent', 'resume', KEY, '--cwd', cwd)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`${path} is already as mesh would write it: left as it is`)
    const after = await stat(path)
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs])

    // Its own file changed since (not as it would write it): replaced, as before.
    await writeFile(path, 'not the session\n')
    const over = await h.mesh('agent', 'resume', KEY, '--cwd', cwd, '--json')
    expect(over.code, over.stderr).toBe(0)
    expect(JSON.parse(over.stdout).unchanged).toBeUndefined()
  }, 60_000)
})
