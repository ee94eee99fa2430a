/**
 * Child process: connects to a node as `count` distinct PeerIds (a fresh key each), `parallel`
 * at a time, each holding its connection until the node closes it (strangers fail membership).
 * argv: multiaddr count parallel hosts: the connections come from `hosts` loopback addresses
 * (127.0.1.1 and on), as from that many machines. Prints `done N closed` at the end.
 */
import '../../src/polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

const [addr, countArg, parallelArg, hostsArg] = process.argv.slice(2)
const count = Number(countArg)
const parallel = Number(parallelArg)
const hosts = Number(hostsArg ?? 1)
let next = 0
let closedByNode = 0
const refused = new Map<string, number>()

async function one (i: number): Promise<void> {
  // The TCP transport hands dialOpts to net.connect, so a source address can be chosen.
  const dialOpts = { localAddress: `127.0.1.${1 + (i % hosts)}` } as Record<string, unknown>
  const n = await createLibp2p({ transports: [tcp({ dialOpts })], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  try {
    const conn = await n.dial(multiaddr(addr as string), { signal: AbortSignal.timeout(20_000) })
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 30_000) // a node that never closes it: counted as not closed
      n.addEventListener('connection:close', (e) => { if (e.detail.id === conn.id) { clearTimeout(t); closedByNode++; resolve() } })
      if (conn.status !== 'open') { clearTimeout(t); closedByNode++; resolve() }
    })
  } catch (err: any) {
    // Refused at dial (the node protecting itself): counted by reason.
    const why = String(err?.name ?? err)
    refused.set(why, (refused.get(why) ?? 0) + 1)
  } finally {
    await n.stop()
  }
}

await Promise.all(Array.from({ length: parallel }, async () => { while (next < count) await one(next++) }))
process.stdout.write(`done ${count} ${closedByNode}\n`)
if (refused.size > 0) process.stderr.write(`refused at dial: ${JSON.stringify(Object.fromEntries(refused))}\n`)
process.exit(0)
