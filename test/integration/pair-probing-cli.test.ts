/**
 * `mesh pair` says when someone is probing for its code, in text and as --json events, rather
 * than showing new codes without a word: a sender refused after a few wrong nameplates (no code
 * replaced, and the owner approving from that address is told why it is cut off), and new attempts
 * paused after codes burned fast (the code shown then stands). Real
 * processes on loopback: `mesh pair --no-mdns`, probed by the approver's own code.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findCandidate } from '../../src/node/pair-find.js'
import { CROCKFORD } from '../../src/identity/pair-code.js'
import { BIN, cliEnv } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/nodes.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

async function pair (json: boolean): Promise<{ p: Proc, code: string, addr: string }> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const p = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', join(t.dir, 'n'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', ...(json ? ['--json'] : [])], cliEnv(t.dir))
  cleanups.push(async () => { await p.stop('SIGKILL') })
  if (json) {
    const code = JSON.parse(await p.waitFor(/"event":"code"/)).code as string
    const waiting = JSON.parse(await p.waitFor(/"event":"waiting"/))
    return { p, code, addr: (waiting.addresses as string[]).find(a => a.startsWith('/ip4/127.0.0.1/')) as string }
  }
  const code = (await p.waitFor(/^pairing code: /)).match(/pairing code: (\S+)/)?.[1] as string
  const addr = (await p.waitFor(/^waiting/)).match(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+/)?.[0] as string
  return { p, code, addr }
}

const probe = async (code: string, addr: string): Promise<string> =>
  await findCandidate({ code, mdns: false, dial: [addr], timeoutMs: 5000 }).then(async f => { await f.close(); return 'found' }, (e: any) => String(e?.details?.reason))

describe('mesh pair: someone probing for the code', () => {
  it('wrong nameplates from one address: a line says so and until when it is refused; no code is replaced', async () => {
    const { p, code, addr } = await pair(false)
    for (let i = 0; i < 24; i++) {
      const np = (CROCKFORD[i >> 5] as string) + (CROCKFORD[i & 31] as string)
      if (np === code.slice(0, 2)) continue
      expect(await probe(`${np}QM2XDF`, addr)).not.toBe('found')
    }
    await p.waitFor(/^someone is probing for the code: 4 failed attempts from 127\.0\.0\.1; refusing it until \d{4}-\d{2}-\d{2}/)
    expect(p.lines.filter(l => /new code: /.test(l))).toEqual([])
    // The owner, approving from that address with the right code now, is told why it is cut off, not only the reset,
    // with a reason of its own (`refused`, not `not-found`): the reset comes in Noise or, when first, in the TCP connect.
    const right = await findCandidate({ code, mdns: false, dial: [addr], timeoutMs: 5000 }).then(async f => { await f.close(); return undefined }, (e: any) => e)
    expect(right?.details?.reason).toBe('refused')
    // How the cut shows depends on the race with the handshake (a reset connect, a reset or ended handshake): each is `refused`.
    expect(right?.fact).toMatch(/^cannot reach \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+: (read ECONNRESET|connection error 127\.0\.0\.1:\d+: connect ECONNRESET 127\.0\.0\.1:\d+|Encryption failed|.*Unexpected EOF.*)$/)
    expect(right?.message.slice(right?.fact.length)).toMatch(/^\. The device took the connection and closed it: a pairing device does so for a minute to an address that tried wrong codes \(its `mesh pair` then says "refusing it until …"\)\. Check the code on its screen and approve again once that time is past/)
  })

  it('--json: codes burned fast pause new attempts, said as a probing event; the code shown last stands', async () => {
    const { p, code, addr } = await pair(true)
    const codes = (): Array<{ code: string, reason: string }> => p.lines.filter(l => /"event":"code"/.test(l)).map(l => JSON.parse(l))
    let current = code
    for (let i = 0; i < 3; i++) {
      const wrong = current.slice(0, 2) + (current.slice(2, 4) === 'ZZ' ? 'YY' : 'ZZ') + current.slice(4)
      expect(await probe(wrong, addr)).toBe('wrong-code')
      await until(() => codes().length === i + 2, 'the new code')
      current = codes().at(-1)?.code as string
    }
    expect(codes().map(c => c.reason)).toEqual(['first', 'wrong-code', 'wrong-code', 'wrong-code'])
    const paused = JSON.parse(await p.waitFor(/"event":"probing"/))
    expect(paused).toMatchObject({ event: 'probing', kind: 'paused', burned: 3 })
    expect(paused.until).toBeGreaterThan(Date.now())
    // During the pause the live code is refused as busy, and stands.
    expect(await probe(current, addr)).toBe('busy')
    // So while it also looks elsewhere (listening for the device here): the busy device dialed is
    // said at once, not after the search's timeout as a device not found.
    const alsoListening = await findCandidate({ code: current, mdns: false, dial: [addr], listen: ['/ip4/127.0.0.1/tcp/0'], timeoutMs: 60_000 }).then(async f => { await f.close(); return 'found' }, (e: any) => String(e?.details?.reason))
    expect(alsoListening).toBe('busy')
    expect(codes().length).toBe(4)
  })
})
