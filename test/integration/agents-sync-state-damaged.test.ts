/**
 * The file where skills and memory syncs keep what each last saw (`~/.config/mesh/agent-sync.json`,
 * here $MESH_AGENT_SYNC) cut short or edited into something that is not JSON: every sync said only
 * "Unexpected end of JSON input". It now names the file, says nothing was synced and what to do,
 * and leaves the file as it is. Real `mesh` processes.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude'), MESH_AGENT_SYNC: join(d, 'agent-sync.json') }))

describe('a damaged agent-sync.json', () => {
  it('is named, with what to do, for a skills sync and a memory sync; the file is left as it is', async () => {
    await mkdir(join(h.dir, 'claude'), { recursive: true })
    const state = join(h.dir, 'agent-sync.json')
    await writeFile(state, '{"version":1,"scopes":{')
    for (const args of [['agent', 'skills', 'sync', 'claude'], ['agent', 'memory', 'sync', 'claude', '--cwd', h.dir]]) {
      const r = await h.mesh(...args)
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr).toMatch(new RegExp(`^mesh: ${state.replace(/[.]/g, '\\.')} does not read as JSON \\(.+\\): it holds what each skills and memory sync last saw, so nothing was synced\\. Move it aside`))
      const j = await h.mesh(...args, '--json')
      expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'HOME_CORRUPT', details: { path: state } })
    }
    expect(await readFile(state, 'utf8')).toBe('{"version":1,"scopes":{')
  }, 60_000)
})
