/**
 * A sibling that stops answering is noticed and dropped by both ends, although only one end of a
 * connection pings (src/node/liveness.ts). Three `mesh join` daemons in a network namespace, a
 * ping every 2 s (config.json `pingInterval`). A frozen process (SIGSTOP) is the hard case: its
 * kernel still acknowledges every TCP segment, so only the ping and the silence can tell.
 * - the peer with the greatest PeerId freezes: the two ends that ping it get no answer;
 * - the peer with the smallest PeerId freezes: the one left hears nothing from it (it pinged, and
 *   is silent now) and closes the silent socket;
 * - it thaws: it finds its connection gone, redials and is proven again;
 * - it is killed (SIGKILL): its kernel closes the socket and the other side drops it at once.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { loopbackNs, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** Waits for a line matching `re` printed after the first `from` lines. */
async function after (p: Proc, from: number, re: RegExp, ms = 60_000): Promise<string> {
  const end = Date.now() + ms
  for (;;) {
    const hit = p.lines.slice(from).find(l => re.test(l))
    if (hit !== undefined) return hit
    if (Date.now() > end) throw new Error(`timed out waiting for ${String(re)}; output:\n${p.lines.join('\n')}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

describe('a sibling that stops answering', () => {
  it('is dropped by the end that pings it and by the end it pinged, then found again', async () => {
    const net: Netns = loopbackNs(); cleanups.push(net.teardown)
    const t = await tempDir(); cleanups.push(t.cleanup)
    const env = cliEnv(t.dir)
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const labels = ['a', 'b', 'c']
    const homes = labels.map(l => join(t.dir, l))
    for (const [i, home] of homes.entries()) {
      expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', labels[i] as string], { env })).code).toBe(0)
      await writeFile(join(home, 'config.json'), JSON.stringify({ pingInterval: 2000 }))
    }
    const daemons: Proc[] = homes.map(home => spawnIn(net.names[0], process.execPath, [BIN, 'join', '--home', home, '--wallet', wallet, '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0'], env))
    cleanups.push(async () => { for (const d of daemons) { d.child.kill('SIGCONT'); await d.stop('SIGKILL') } })
    const ids: string[] = []
    for (const d of daemons) ids.push(/^device:\s+(\S+)/.exec(await d.waitFor(/^device:/))?.[1] as string)
    for (const d of daemons) await d.waitFor(/^running/)
    for (const [i, d] of daemons.entries()) {
      for (const l of labels.filter((_, j) => j !== i)) await d.waitFor(new RegExp(`peer proven\\s+${l} `), 30_000)
    }
    // Ordered by PeerId: lo pings mid and hi, mid pings hi.
    const order = [0, 1, 2].sort((x, y) => (ids[x] as string) < (ids[y] as string) ? -1 : 1)
    const [lo, mid, hi] = order.map(i => ({ d: daemons[i] as Proc, label: labels[i] as string }))
    if (lo === undefined || mid === undefined || hi === undefined) throw new Error('three daemons')

    // The greatest freezes: both its pingers drop it for want of an answer.
    let mark = [lo.d.lines.length, mid.d.lines.length]
    hi.d.child.kill('SIGSTOP')
    await after(lo.d, mark[0] as number, new RegExp(`peer lost\\s+${hi.label} `))
    await after(mid.d, mark[1] as number, new RegExp(`peer lost\\s+${hi.label} `))
    await hi.d.stop('SIGKILL')

    // The smallest freezes: mid never pings it, and drops it for its silence.
    mark = [mid.d.lines.length]
    lo.d.child.kill('SIGSTOP')
    await after(mid.d, mark[0] as number, new RegExp(`peer lost\\s+${lo.label} `))

    // It thaws: its socket was closed meanwhile; it notices, redials and both prove each other again.
    mark = [lo.d.lines.length, mid.d.lines.length]
    lo.d.child.kill('SIGCONT')
    await after(lo.d, mark[0] as number, new RegExp(`peer proven\\s+${mid.label} `))
    await after(mid.d, mark[1] as number, new RegExp(`peer proven\\s+${lo.label} `))

    // Killed outright: its kernel closes the socket, and the survivor drops it.
    mark = [mid.d.lines.length]
    await lo.d.stop('SIGKILL')
    await after(mid.d, mark[0] as number, new RegExp(`peer lost\\s+${lo.label} `))
    expect(await mid.d.stop('SIGINT')).toBe(0)
  }, 240_000)
})
