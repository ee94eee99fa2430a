/**
 * The signature worker (src/identity/verify-pool.ts): it answers per signature, and on Linux its
 * thread runs below the event loop's priority (WORKER_NICE), so a catch-up's verifications wait
 * for a core before the loop does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DOMAIN, generateDeviceKey, signingInput, signWithDomain } from '../../src/identity/index.js'
import { verifyMany, WORKER_NICE } from '../../src/identity/verify-pool.js'

/** Each thread's nice value (field 19 of /proc/self/task/<tid>/stat), by thread id. */
function niceByThread (): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1')
      // Fields after the command name (which may hold spaces), from the state (field 3) on.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(tid, Number(fields[16]))
    } catch {}
  }
  return out
}

describe('the signature worker', () => {
  it('answers per signature, and runs below the event loop\'s priority on Linux', async () => {
    const s = (await generateDeviceKey()).signer
    const prefix = signingInput(DOMAIN.entry, new Uint8Array(0))
    const message = new TextEncoder().encode('an entry body')
    const signature = signWithDomain(s, DOMAIN.entry, message)
    const forged = new Uint8Array(signature)
    forged[0] = (forged[0] as number) ^ 1
    expect(await verifyMany(prefix, [
      { publicKey: s.publicKey, message, signature },
      { publicKey: s.publicKey, message, signature: forged },
      { publicKey: s.publicKey.subarray(1), message, signature }
    ])).toEqual([true, false, false])

    if (!existsSync('/proc/thread-self')) return
    const nice = niceByThread()
    const loop = nice.get(String(process.pid)) ?? 0
    // Run at nice 19 already (`nice -n 19 npm test`): there is no lower priority to take.
    if (loop >= 19) return
    // The worker is alive (it ends only after 10 s without work): one thread at the lowered priority.
    const want = Math.min(19, loop + WORKER_NICE)
    expect([...nice.values()].filter(n => n === want).length).toBeGreaterThanOrEqual(1)
    expect(loop).toBeLessThan(want)
  })
})
