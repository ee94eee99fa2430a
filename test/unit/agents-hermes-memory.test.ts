/**
 * A Hermes memory entry from mesh that holds Hermes's separator ("\n§\n"), or that would make one
 * where it is joined, is not written into MEMORY.md: the file would read back as other entries,
 * fail Hermes's round-trip check, and Hermes would refuse its own memory writes (AGENT-FORMATS.md
 * §7). It stays in mesh and is reported, as an entry over the cap is.
 */
import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { MeshApi } from '../../src/api/api.js'
import { roundTrips, separable, syncHermesMemory, writeMemoryFile } from '../../src/agents/index.js'
import { tempDir } from '../helpers/tmp.js'

const keyOf = (entry: string): string => `hermes/MEMORY/${createHash('sha256').update(entry).digest('hex').slice(0, 16)}`

/** memory.list/set/delete over a map, as the daemon would answer them; `entries` as another machine's sync left them. */
function memoryApi (entries: string[]): { api: MeshApi, store: Map<string, string> } {
  const store = new Map(entries.map(e => [keyOf(e), e]))
  const call = async (method: string, args: any): Promise<unknown> => {
    if (method === 'memory.list') return [...store].filter(([k]) => k.startsWith(`hermes/${String(args.tag).slice('hermes:'.length)}/`)).map(([key, value], i) => ({ key, value, updatedAt: i + 1 }))
    if (method === 'memory.set') { store.set(args.key, args.value); return {} }
    if (method === 'memory.delete') { store.delete(args.key); return {} }
    throw new Error(`unexpected ${method}`)
  }
  return { api: { call } as unknown as MeshApi, store }
}

async function hermesHome (memory: string): Promise<{ env: NodeJS.ProcessEnv, file: string }> {
  const { dir, cleanup } = await tempDir()
  onTestFinished(cleanup)
  const env = { HOME: dir, HERMES_HOME: join(dir, '.hermes'), MESH_AGENT_SYNC: join(dir, 'sync.json') }
  await mkdir(join(dir, '.hermes', 'memories'), { recursive: true })
  const file = join(dir, '.hermes', 'memories', 'MEMORY.md')
  await writeFile(file, memory)
  return { env, file }
}

describe('Hermes memory entries from mesh', () => {
  it('one holding the separator is kept in mesh and reported; the file stays one Hermes reads back', async () => {
    const { env, file } = await hermesHome('likes tea')
    const { api, store } = memoryApi(['uses vim\n§\nlikes tea', 'uses zsh'])
    const [r] = await syncHermesMemory(api, { home: 'h', env })
    const text = await readFile(file, 'utf8')
    expect(text).toBe('likes tea\n§\nuses zsh')
    expect(roundTrips(text)).toBe(true)
    expect(r).toMatchObject({ fromMesh: 1, toMesh: 1, unseparable: ['uses vim\n§\nlikes tea'], written: true })
    expect(store.get(keyOf('uses vim\n§\nlikes tea'))).toBe('uses vim\n§\nlikes tea')
    // The next sync refuses it again, and writes nothing.
    const [again] = await syncHermesMemory(api, { home: 'h', env })
    expect(again).toMatchObject({ fromMesh: 0, unseparable: ['uses vim\n§\nlikes tea'], written: false })
    expect(await readFile(file, 'utf8')).toBe(text)
  })

  it('one that would make a separator where it is joined is refused too', async () => {
    // Hermes's own file may end with an entry ending in "\n§" (whole while it is last).
    const { env, file } = await hermesHome('likes tea\n§\nnotes:\n§')
    const { api } = memoryApi(['ends with\n§', 'uses zsh'])
    const [r] = await syncHermesMemory(api, { home: 'h', env })
    expect(r?.unseparable).toEqual(['ends with\n§', 'uses zsh'])
    expect(await readFile(file, 'utf8')).toBe('likes tea\n§\nnotes:\n§')
    expect(separable('a § b')).toBe(true)
    expect(separable('a\n§\nb')).toBe(false)
    expect(separable('a\n§')).toBe(false)
  })

  it('are never written as a file that would read back as other entries', async () => {
    const { file } = await hermesHome('likes tea')
    await expect(writeMemoryFile(file, ['likes tea', 'uses vim\n§\nlikes tea'])).rejects.toThrow(/would not read back/)
    expect(await readFile(file, 'utf8')).toBe('likes tea')
  })
})

describe('Hermes memory files that are not there', () => {
  it('are not read as every entry removed: mesh keeps them, and they come back into a new file', async () => {
    const { env, file } = await hermesHome('likes tea\n§\nuses vim')
    const { api, store } = memoryApi([])
    const [first] = await syncHermesMemory(api, { home: 'h', env })
    expect(first).toMatchObject({ toMesh: 2 })
    expect(store.size).toBe(2)
    // Hermes's folder moved aside and set up again (or made by a resume): no memory files.
    await rm(join(env.HERMES_HOME as string, 'memories'), { recursive: true })
    await mkdir(join(env.HERMES_HOME as string, 'state'), { recursive: true })
    const [second] = await syncHermesMemory(api, { home: 'h', env })
    expect(second).toMatchObject({ removedFromMesh: 0, fromMesh: 2, written: true })
    expect(store.size).toBe(2)
    expect(await readFile(file, 'utf8')).toBe('likes tea\n§\nuses vim')
    // An empty file is Hermes's own word that every entry was removed: that one is synced.
    await writeFile(file, '')
    const [third] = await syncHermesMemory(api, { home: 'h', env })
    expect(third).toMatchObject({ removedFromMesh: 2 })
    expect(store.size).toBe(0)
  })

  it('in a Hermes folder holding only what a resume made there are not synced: Hermes is not installed', async () => {
    const { dir, cleanup } = await tempDir()
    onTestFinished(cleanup)
    const env = { HOME: dir, HERMES_HOME: join(dir, '.hermes'), MESH_AGENT_SYNC: join(dir, 'sync.json') }
    await mkdir(join(dir, '.hermes', 'mesh-imports'), { recursive: true })
    const { api, store } = memoryApi(['likes tea'])
    await expect(syncHermesMemory(api, { home: 'h', env })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining("holds only mesh's own mesh-imports/") })
    expect(await readdir(join(dir, '.hermes'))).toEqual(['mesh-imports'])
    expect(store.size).toBe(1)
  })
})
