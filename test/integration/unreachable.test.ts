/**
 * A sibling this node remembers but cannot reach is told (the `unreachable` event, a line of
 * `mesh join`), once per absence: at its second failed dial in a row, again only after it was
 * proven and then lost; `mesh peers` shows its last failed dial until it is proven again. Two
 * real nodes on fixed loopback ports, restarted on their homes.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatEvent } from '../../src/cli/commands/join.js'
import { syncState } from '../../src/cli/commands/peer-lines.js'
import type { NodeEvent } from '../../src/node/mesh.js'
import { freePort } from '../helpers/free-port.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

type Unreachable = Extract<NodeEvent, { type: 'unreachable' }>
const unreachable = (n: TestNode): Unreachable[] => n.events.filter((e): e is Unreachable => e.type === 'unreachable')
const proven = (n: TestNode, label: string): number => n.events.filter(e => e.type === 'proven' && e.label === label).length

describe('a remembered sibling that cannot be reached', () => {
  it('is told once per absence, with its label and why', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const wallet = generateWallet()
    const [portA, portB] = [await freePort(), await freePort()]
    const running = new Set<TestNode>()
    cleanups.push(async () => { for (const n of running) await n.stop() })
    const start = async (label: string, port: number): Promise<TestNode> => {
      const n = await startNode({ home: join(t.dir, label), wallet, label, listen: [`/ip4/127.0.0.1/tcp/${port}`] })
      running.add(n)
      return n
    }
    const stop = async (n: TestNode): Promise<void> => { running.delete(n); await n.stop() }

    // A and B meet once: each remembers the other.
    let a = await start('A', portA)
    let b = await start('B', portB)
    await b.node.dial(a.node.addresses()[0] as string)
    await until(() => proven(a, 'B') > 0 && proven(b, 'A') > 0, 'A and B to prove each other')
    await stop(b)
    await stop(a)

    // A starts again while B is off: told once that B cannot be reached, by name, with the reason.
    a = await start('A', portA)
    await until(() => unreachable(a).length > 0, 'A to tell that B cannot be reached', 30_000)
    const [told] = unreachable(a)
    expect(told).toMatchObject({ label: 'B', via: 'remembered', retryMs: 2000 })
    expect(told?.reason).toMatch(/ECONNREFUSED|refused|dial/i)
    expect(formatEvent(told as NodeEvent)).toMatch(/^unreachable {3}B \(.+\), a sibling it knows: .+\. It keeps trying \(next in 2 s, then up to a minute apart\)/)

    // `mesh peers` says it too: B offline, and why its last dial failed.
    const offline = (await a.node.peers({ rtt: false })).find(p => p.label === 'B')
    expect(offline).toMatchObject({ state: 'offline', lastDialFailed: { error: told?.reason } })
    expect(syncState(offline as any)).toMatch(/; not reachable at .+: .*ECONNREFUSED/)

    // B comes back on its address: A's next redial reaches it, and nothing more was told meanwhile.
    b = await start('B', portB)
    await until(() => proven(a, 'B') > 0, 'A to reach B again', 30_000)
    expect(unreachable(a)).toHaveLength(1)
    expect((await a.node.peers({ rtt: false })).find(p => p.label === 'B')?.lastDialFailed).toBeUndefined()

    // Gone again after it was proven: a new absence, told again.
    await stop(b)
    await until(() => unreachable(a).length > 1, 'A to tell again that B cannot be reached', 30_000)
    expect(unreachable(a)[1]).toMatchObject({ label: 'B', via: 'remembered' })
    await stop(a)
  }, 90_000)
})
