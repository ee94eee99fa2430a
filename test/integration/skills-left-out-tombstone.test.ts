/**
 * A skill removed from mesh, met by `mesh agent skills sync` on a machine that never synced it
 * (no base: only the tombstone says which folder was removed), when the skill held a `.env`
 * (an older mesh's sync sent hidden files). A tombstone an older mesh wrote hashes every file:
 * a folder that is exactly that folder, `.env` and all, was all mesh's and goes whole. A
 * tombstone written now hashes what mesh carries: the skill's files go, a `.env` of the
 * machine's own stays and is said. A real vault on disk, its local API, real folders.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DOC_NAMES, folderHash, skillFolder } from '../../crdt/index.js'
import { createLocalApi } from '../../src/api/local.js'
import { syncSkills } from '../../src/agents/skills-sync.js'
import { tempDir } from '../helpers/tmp.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

const SKILL = '---\nname: tickets\ndescription: File tickets\n---\n\nSee notes.md.\n'
const FILES = [{ path: 'notes.md', text: 'Use the API.\n' }, { path: '.env', text: 'TOKEN=t-secret\n' }]

async function setup (): Promise<{ api: Awaited<ReturnType<typeof createLocalApi>>, v: Awaited<ReturnType<typeof newVault>>, skills: string, env: NodeJS.ProcessEnv }> {
  const v = await newVault()
  cleanups.push(v.cleanup)
  const api = await createLocalApi({ vault: v.vault })
  cleanups.push(async () => { await api.close() })
  const t = await tempDir()
  cleanups.push(t.cleanup)
  const claude = join(t.dir, 'user', '.claude')
  await mkdir(join(claude, 'skills', 'tickets'), { recursive: true })
  for (const f of [{ path: 'SKILL.md', text: SKILL }, ...FILES]) await writeFile(join(claude, 'skills', 'tickets', f.path), f.text)
  await v.vault.skills.add(SKILL, { source: 'older', files: FILES })
  return { api, v, skills: join(claude, 'skills'), env: { HOME: join(t.dir, 'user'), CLAUDE_CONFIG_DIR: claude, MESH_AGENT_SYNC: join(t.dir, 'user', 'agent-sync.json') } }
}

const files = async (dir: string): Promise<string[]> => (await readdir(dir, { recursive: true, withFileTypes: true })).filter(e => e.isFile()).map(e => relative(dir, join(e.parentPath, e.name))).sort()

describe('a removed skill that held a .env, met with no base', () => {
  it('an older mesh\'s tombstone (every file hashed): the folder that is exactly it goes whole', async () => {
    const { api, v, skills, env } = await setup()
    // As an older mesh removed it: the tombstone's folder hash over every file, .env too.
    await v.vault.withDoc(DOC_NAMES.skills, async r => await r.change(() => {
      r.doc.transact(() => {
        r.doc.getMap('skills').delete('tickets')
        r.doc.getMap('removed').set('tickets', { name: 'tickets', hash: 'sha256:00', folder: folderHash(skillFolder({ body: '', text: SKILL, files: FILES })), removedAt: 1, device: 'older' })
      })
    }))
    const report = await syncSkills(api, 'claude', { home: v.home, env })
    expect(report).toMatchObject({ deletedHere: ['tickets'], keptEdited: [], keptHere: [], pushed: [] })
    expect(await readdir(skills)).toEqual([])
  })

  it('a tombstone written now (carried files hashed): the skill\'s files go, the machine\'s .env stays and is said', async () => {
    const { api, v, skills, env } = await setup()
    await v.vault.skills.remove('tickets')
    expect((await v.vault.skills.tombstones())[0]?.folder).toBe(folderHash(skillFolder({ body: '', text: SKILL, files: FILES.filter(f => f.path !== '.env') })))
    await writeFile(join(skills, 'tickets', '.env'), 'TOKEN=this-machine\n')
    const report = await syncSkills(api, 'claude', { home: v.home, env })
    expect(report).toMatchObject({ deletedHere: ['tickets'], keptEdited: [], keptHere: [{ name: 'tickets', leftOut: [{ path: '.env', why: 'hidden' }] }], pushed: [] })
    expect(await files(join(skills, 'tickets'))).toEqual(['.env'])
  })
})
