/**
 * What a new device claims about itself is shown to the approver's owner for review, next to the
 * fingerprint they compare (protocols/pair/SPEC.md, Request). A claim holding terminal controls
 * (an escape sequence that hides lines or moves the cursor up to rewrite the fingerprint line) or
 * bidi controls is refused by the approver's protocol, and the CLI escapes such characters in
 * anything it shows of another device. Real libp2p nodes on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startCandidate } from '../../src/node/pair.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { claims, kemOf } from '../../src/node/pair-home.js'
import { generateDeviceKey } from '../../src/identity/index.js'
import { shown } from '../../src/cli/commands/pair.js'
import { printable } from '../../src/cli/printable.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

async function claiming (o: { label?: string, hostname?: string, os?: string, arch?: string, meshVersion?: string }): Promise<string> {
  const device = await generateDeviceKey()
  const c = await startCandidate({
    listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, codes: ['K7QM2XDF'],
    onCode: () => {},
    request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()), ...o }) as any,
    sign: (m) => device.signer.sign(m),
    onGrant: async () => {}
  })
  cleanups.push(async () => { await c.stop() })
  return c.addresses()[0] as string
}

describe('pairing: claims cannot forge the review', () => {
  const forged = [
    ['label', { label: 'laptop\x1b[1A\x1b[2K  fingerprint:  AbCdEfGh' }],
    ['hostname', { hostname: 'tux\x1b[8m' }],
    ['os', { os: 'linux\r' }],
    ['arch', { arch: 'x64\u202e' }],
    ['mesh version', { meshVersion: '0.1.0\u009b2A' }]
  ] as const
  for (const [name, claim] of forged) {
    it(`the ${name}, with control or bidi characters is refused by the approver`, async () => {
      const addr = await claiming(claim)
      const err = await findCandidate({ code: 'K7QM2XDF', mdns: false, dial: [addr], timeoutMs: 10_000 }).then(async f => { await f.close(); return undefined }, (e: unknown) => e)
      expect(err).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'invalid' } })
      expect((err as Error).message).toContain(`the request's ${name} holds control or bidi characters`)
    })
  }

  it('the CLI shows such characters escaped, never raw', () => {
    expect(shown('laptop')).toBe('laptop')
    expect(shown('lap\x1b[8mtop\u202e\u2066\x7f\u0085\n')).toBe('lap\\u{1b}[8mtop\\u{202e}\\u{2066}\\u{7f}\\u{85}\\u{a}')
    expect(shown('Zoë 💻')).toBe('Zoë 💻')
    // The writers make every line printable again: what shown() returns passes unchanged (no ^^[).
    const s = shown('lap\x1b[8mtop\u202e\n\u200f^[')
    expect(printable(s)).toBe(s)
    expect(s).toBe('lap\\u{1b}[8mtop\\u{202e}\\u{a}\\u{200f}^[')
  })
})
