/**
 * `mesh memory list --tag T` lists the entries with one tag (the API's memory.list takes one).
 * Given twice, it used to list by the first and drop the second unsaid: an answer to a question
 * that was not asked. It is refused as a usage error (exit 2) that names both values, and lists
 * nothing. `mesh memory set --tag` still takes several, each a tag of the entry.
 */
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome()

describe('mesh memory list --tag given twice', () => {
  it('is refused (exit 2), naming both tags and the usage, and lists nothing; set takes several', async () => {
    const set = await h.mesh('memory', 'set', 'editor', 'vim', '--tag', 'prefs', '--tag', 'tools')
    expect(set.code, set.stderr).toBe(0)
    expect((await h.mesh('memory', 'set', 'shell', 'zsh', '--tag', 'prefs')).code).toBe(0)

    const r = await h.mesh('memory', 'list', '--tag', 'prefs', '--tag', 'tools')
    expect(r.code, r.stdout).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe('mesh: --tag given twice ("prefs" and "tools"): memory list lists the entries with one tag; give it once. Usage: mesh memory list [--tag T]\n')
    const j = await h.mesh('memory', 'list', '--tag', 'prefs', '--tag', 'tools', '--json')
    expect(j.code).toBe(2)
    expect(j.stdout).toBe('')
    expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'USAGE' })

    // Once, it lists the entries with that tag; set kept both of the entry's tags.
    const one = await h.mesh('memory', 'list', '--tag', 'tools')
    expect(one.code, one.stderr).toBe(0)
    expect(one.stdout).toBe('editor\tvim\t[prefs, tools]\n')
  }, 60_000)
})
