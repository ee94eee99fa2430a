/**
 * A hostile host on the LAN (test/netns/pair.test.ts): dials a pairing candidate at the address
 * it announces by mDNS and runs `attempts` PAKE runs with random codes, one after another, as
 * fast as it can. Prints one JSON line: how many runs got a request out of the device (must be
 * 0), and how each ended.
 * Usage: node pair-hostile.js ATTEMPTS MULTIADDR
 */
import '../../src/polyfill.js'
import { randomBytes } from 'node:crypto'
import { findCandidate } from '../../src/node/pair-find.js'
import { CROCKFORD } from '../../src/identity/pair-code.js'

const attempts = Number(process.argv[2] ?? 100)
const addr = process.argv[3] as string
const outcomes: Record<string, number> = {}
let requests = 0
const random = (): string => [...randomBytes(8)].map(b => CROCKFORD[b & 31]).join('')
for (let i = 0; i < attempts; i++) {
  try {
    const f = await findCandidate({ code: random(), mdns: false, dial: [addr], timeoutMs: 5000 })
    // Keys confirmed with a random code: the device sent its request. Must never happen.
    requests++
    f.run.abort(new Error('hostile'))
    await f.close()
  } catch (err: any) {
    const reason = String(err?.details?.reason ?? err?.code) + ': ' + String(err?.message).slice(-150)
    outcomes[reason] = (outcomes[reason] ?? 0) + 1
  }
}
process.stdout.write(JSON.stringify({ attempts, requests, outcomes }) + '\n')
process.exit(0)
