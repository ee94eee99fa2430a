/**
 * "no session KEY" says what this device knows besides, before "create it": a session of a near
 * name held here (a typo), this node still catching up with a sibling that is online, siblings
 * that are not online, or no `mesh join` running on a device that has siblings. Told to create a
 * session that was on its way, a newcomer made a second one of the same key, and the two merged.
 * Only when every online sibling is in sync (or there is none) is "create it" the whole advice.
 * And a session made while a sibling that writes is not in sync says that the two would merge.
 * Real nodes on loopback; the last case through the CLI, without a daemon.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLocalApi } from '../../src/api/local.js'
import { isMeshError } from '../../src/errors.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { cutProxy } from '../helpers/cut-proxy.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** What a show of `key` on this API threw: its code, its fact, its CLI message and its details. */
async function missing (api: Awaited<ReturnType<typeof createLocalApi>>, key: string): Promise<{ code: string, message: string, mcp: string | undefined, details: Record<string, unknown> }> {
  const err = await api.call('sessions.show', { key }).then(() => undefined, (e: unknown) => e)
  if (!isMeshError(err)) throw new Error(`expected a mesh error, got ${String(err)}`)
  return { code: err.code, message: err.message, mcp: err.hint?.mcp, details: err.details }
}

describe('no such session, and what could still bring it', () => {
  it('a near name, a sibling still catching up, siblings offline, every sibling in sync', async () => {
    const wallet = generateWallet()
    const nodes: TestNode[] = []
    cleanups.push(async () => { for (const n of nodes.reverse()) await n.stop() })
    const a = await startNode({ wallet, label: 'A' }); nodes.push(a)
    const s = await a.vault.sessions.create('agent:main:fix-login')
    for (let i = 0; i < 24; i++) await s.append({ role: 'assistant', content: `${i} ${'x'.repeat(400_000)}` })
    await s.close()
    const apiA = await createLocalApi({ vault: a.vault, node: a.node })
    cleanups.push(async () => { await apiA.close() })

    // A typo of a session held here: did you mean it (CLI and MCP alike), in the details too.
    const typo = await missing(apiA, 'fix-logn')
    expect(typo.code).toBe('SESSION_NOT_FOUND')
    expect(typo.message).toBe('no session agent:main:fix-logn (did you mean `agent:main:fix-login`? `mesh sessions` lists them. If not: create it with `mesh session new agent:main:fix-logn`)')
    expect(typo.mcp).toBe('(did you mean agent:main:fix-login? sessions_list lists them. If not: create it with sessions_create)')
    expect(typo.details.near).toBe('agent:main:fix-login')
    expect(typo.details).not.toHaveProperty('mayCome')
    // Keys that differ in their digits alone are two sessions, not a typo of one.
    await (await a.vault.sessions.create('agent:main:task-3')).close()
    expect((await missing(apiA, 'task-4')).message).toBe('no session agent:main:task-4 (create it with `mesh session new agent:main:task-4`)')
    // No sibling at all: create it, as before.
    expect((await missing(apiA, 'brand-new')).message).toBe('no session agent:main:brand-new (create it with `mesh session new agent:main:brand-new`)')

    // B reaches A over a slow link: while it catches up, a session it lacks may be on its way.
    const port = Number(/\/tcp\/(\d+)/.exec(a.node.addresses()[0] as string)?.[1])
    const proxy = await cutProxy('127.0.0.1', port, { rateFromTarget: 2 * 1024 * 1024 })
    cleanups.push(async () => { await proxy.close() })
    const t = await tempDir(); cleanups.push(t.cleanup)
    const b = await startNode({ wallet, label: 'B', home: join(t.dir, 'b') }); nodes.push(b)
    const apiB = await createLocalApi({ vault: b.vault, node: b.node })
    cleanups.push(async () => { await apiB.close() })
    await b.node.dial(`/ip4/127.0.0.1/tcp/${proxy.port}/p2p/${a.node.libp2p.peerId.toString()}`)
    await until(async () => (await b.node.peers({ rtt: false })).some(p => p.state === 'connected' && p.transfers.length > 0), 'B to be receiving from A')
    const catching = await missing(apiB, 'later')
    expect(catching.message).toBe('no session agent:main:later (this device is still catching up with A: it may be on its way (`mesh peers` shows how far); if no device has it: create it with `mesh session new agent:main:later`)')
    expect(catching.details.mayCome).toEqual({ reason: 'catching-up', from: ['A'] })
    expect(catching.mcp).toMatch(/^\(this device is still catching up with A: it may be on its way \(sessions_wait waits for it\); if no device has it: create it with sessions_create\)$/)
    // Said while it caught up: the rest may come at once (at 2 MB/s throughout it took ~4 s more).
    proxy.setRate(undefined)

    // In sync with every online sibling: nothing else can bring it.
    await until(async () => (await b.node.peers({ rtt: false })).every(p => p.state === 'connected' && p.inSync), 'B to be in sync with A')
    expect((await missing(apiB, 'later')).message).toBe('no session agent:main:later (create it with `mesh session new agent:main:later`)')
    // A session made now needs no word of siblings: none could have made one of its key unseen.
    expect(await apiB.call('sessions.create', { key: 'made-in-sync' })).not.toHaveProperty('notSyncedWith')

    // A gone: it may be on A, and comes once both are online.
    await apiA.close()
    await a.stop()
    await until(async () => (await b.node.peers({ rtt: false })).every(p => p.state === 'offline'), 'B to see A offline')
    const away = await missing(apiB, 'later')
    expect(away.message).toBe('no session agent:main:later (A is not online now: the session may be there, and comes here once A is online; if no device has it: create it with `mesh session new agent:main:later`)')
    expect(away.details.mayCome).toEqual({ reason: 'offline', from: ['A'] })
    // Made while A is away: A may have made one of the same key, and the two would merge.
    expect(await apiB.call('sessions.create', { key: 'made-offline' })).toMatchObject({ key: 'agent:main:made-offline', notSyncedWith: ['A'] })

    // Without a daemon, on a device that has siblings: the CLI says no mesh join runs for it.
    await apiB.close()
    await b.stop()
    const cli = await runCli(['session', 'show', 'later', '--home', b.home], { env: cliEnv(t.dir) })
    expect(cli.code, cli.stderr).toBe(2)
    expect(cli.stderr).toBe('mesh: no session agent:main:later (no `mesh join` runs for this home: a session made on another device comes here only while one does; if no device has it: create it with `mesh session new agent:main:later`)\n')
    const json = await runCli(['session', 'show', 'later', '--json', '--home', b.home], { env: cliEnv(t.dir) })
    expect(JSON.parse(json.stderr).error.details).toMatchObject({ key: 'agent:main:later', mayCome: { reason: 'no-node', from: ['A'] } })
    const made = await runCli(['session', 'new', 'made-cli', '--home', b.home], { env: cliEnv(t.dir) })
    expect(made.code, made.stderr).toBe(0)
    expect(made.stdout).toBe('created session agent:main:made-cli\n')
    expect(made.stderr).toBe('note: not in sync with A now: if it made a session agent:main:made-cli too, the two merge into one once they sync (both transcripts kept, one title and goal)\n')
  }, 120_000)
})
