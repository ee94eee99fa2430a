/**
 * Pairing's edges, between real libp2p nodes on loopback (the style of pair.test.ts):
 * - a code whose nameplate is mistyped: the approver does not wait out its timeout in silence;
 *   after the short search (measured by an injected clock) it says no device here shows the code,
 *   that devices pairing here show another one, and what to check;
 * - an approver interrupted at its question (the caller gone: a Ctrl-C closes its control
 *   connection; or an abort) ends the run at once: the new device burns that code and shows a
 *   fresh one, instead of holding it for minutes, and nothing is granted.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Approvals } from '../../src/api/pairing.js'
import { toolError } from '../../src/api/mcp.js'
import { createLocalApi } from '../../src/api/local.js'
import { serveRpc, connectRpc } from '../../src/api/index.js'
import { startCandidate, type Candidate } from '../../src/node/pair.js'
import { findCandidate, SEARCH_MS } from '../../src/node/pair-find.js'
import { claims, kemOf } from '../../src/node/pair-home.js'
import { generateDeviceKey, type DeviceKey } from '../../src/identity/index.js'
import type { NewCodeReason, ShownCode } from '../../src/identity/pair-code.js'
import type { ResponderEvent } from '../../protocols/pair/index.js'
import { newVault } from '../helpers/vault.js'
import { until } from '../helpers/nodes.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

/** What an agent must never be told to run: a mesh command, or a flag. */
const CLI_WORDS = /`?mesh [a-z]|--[a-z]/
const textOf = (r: { content: unknown[] }): string => (r.content[0] as { text: string }).text

interface Shown { code: ShownCode, reason: NewCodeReason }

async function candidate (device: DeviceKey, o: { codes: string[], via?: string[] }): Promise<{ c: Candidate, shown: Shown[], events: ResponderEvent[], addr: string, grants: unknown[] }> {
  const shown: Shown[] = []
  const events: ResponderEvent[] = []
  const grants: unknown[] = []
  const c = await startCandidate({
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    via: o.via,
    codes: o.codes,
    onCode: (code, reason) => { shown.push({ code, reason }) },
    onEvent: (e) => { events.push(e) },
    request: () => ({ device: device.publicKey, kem: kemOf(device), label: 'laptop', ...claims(), meshVersion: '0.1.0', capabilities: 3, clock: BigInt(Date.now()) }) as any,
    sign: (m) => device.signer.sign(m),
    onGrant: async (g) => { grants.push(g) }
  })
  cleanups.push(async () => { await c.stop() })
  return { c, shown, events, addr: c.addresses()[0] as string, grants }
}

describe('pairing edges', () => {
  it('a mistyped nameplate: after the short search (by the injected clock) the approver says no device here shows the code, and why', async () => {
    let now = 5_000_000
    let advanced = false
    let listening!: (a: string) => void
    const at = new Promise<string>(resolve => { listening = resolve })
    // The owner typed ZZ… for K7…: the device reaches the approver (--via) and answers "not my nameplate".
    const finding = findCandidate({ code: 'ZZQM-2XDF', mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], clock: () => now, timeoutMs: 600_000, onListening: (a) => { listening(a[0] as string) } })
    const settled = finding.then(() => { throw new Error('found a device for a mistyped code') }, (err: unknown) => ({ err, advanced }))
    const device = await generateDeviceKey()
    const n = await candidate(device, { codes: ['K7QM2XDF'], via: [await at] })
    await until(() => n.events.some(e => e.type === 'refused' && e.reason === 'nameplate'), 'the device to refuse the nameplate')
    advanced = true
    now += SEARCH_MS
    const { err, advanced: after } = await settled
    // It ended only once the search time had passed, and says what to check.
    expect(after).toBe(true)
    expect(err).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'not-found', others: 1 } })
    expect((err as Error).message).toMatch(/no device here shows ZZQM-2XDF: 1 device pairing here shows another code\. Check the code/)
    // It was reached across networks already (--via this device's --listen): the code is what to check, not the network.
    const check = 'Check the code against the device\'s screen (its first two characters, ZZ, pick the device)'
    expect((err as Error).message).toBe(`no device here shows ZZQM-2XDF: 1 device pairing here shows another code. ${check}`)
    expect(textOf(toolError(err))).toBe(`PAIRING_FAILED: no device here shows ZZQM-2XDF: 1 device pairing here shows another code. ${check}`)
    expect(textOf(toolError(err))).not.toMatch(CLI_WORDS)
    // A wrong nameplate costs the device nothing: its code stands.
    expect(n.shown.map(s => s.reason)).toEqual(['first'])
  })

  it('no device answers in time: said with what to check, in the CLI\'s words or (as MCP renders it) in plain ones', async () => {
    const err = await findCandidate({ code: 'K7QM-2XDF', mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'], timeoutMs: 200 }).then(() => { throw new Error('found a device nobody runs') }, (e: unknown) => e)
    expect(err).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'not-found' } })
    expect((err as Error).message).toBe('no device showing K7QM-2XDF answered within 0 s (is `mesh pair` running on it, on this network or with --via this device? Where mDNS does not reach it, another subnet or a network without a multicast route, pass one of the addresses `mesh pair` printed with --dial ADDR)')
    expect(textOf(toolError(err))).toBe('PAIRING_FAILED: no device showing K7QM-2XDF answered within 0 s (is the new machine still pairing, on this network or through this device? Where mDNS does not reach it, another subnet or a network without a multicast route, the approval dials one of the addresses the new machine printed)')
    expect(textOf(toolError(err))).not.toMatch(CLI_WORDS)
  })

  it('the approver\'s caller goes away at the question (its control connection closes): the run ends at once, the device shows a fresh code, nothing is granted', async () => {
    const a = await newVault({ label: 'desktop' }); cleanups.push(a.cleanup)
    const api = await createLocalApi({ vault: a.vault })
    const rpc = await serveRpc(api, a.home)
    cleanups.push(async () => { await rpc.close(); await api.close() })
    const device = await generateDeviceKey()
    const n = await candidate(device, { codes: ['K7QM2XDF'] })
    const client = await connectRpc(a.home)
    if (client === undefined) throw new Error('no control socket')
    const review = await client.call('devices.approve', { code: 'K7QM-2XDF', mdns: false, dial: [n.addr] })
    expect(review.label).toBe('laptop')
    await until(() => n.events.some(e => e.type === 'confirmed'), 'keys to be confirmed on the device')
    // Ctrl-C at "Approve 'laptop'? [y/N]": the client process ends and its socket closes.
    await client.close()
    await until(() => n.shown.length === 2, 'the device to show a fresh code')
    expect(n.shown.map(s => s.reason)).toEqual(['first', 'abandoned'])
    expect(n.events.some(e => e.type === 'abandoned')).toBe(true)
    // Nothing was granted, and the pairing no longer waits for a decision.
    expect(n.grants).toEqual([])
    expect(a.vault.vault.certs.get(device.publicKey)).toBe(undefined)
    await expect(api.call('devices.decide', { pairing: review.pairing, approve: true })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('an abort of the caller (Approvals with an aborted client signal) ends the run the same way; a decision after it is refused', async () => {
    const a = await newVault({ label: 'desktop' }); cleanups.push(a.cleanup)
    const approvals = new Approvals(a.vault.vault)
    cleanups.push(async () => { await approvals.close() })
    const device = await generateDeviceKey()
    const n = await candidate(device, { codes: ['K7QM2XDF'] })
    const client = new AbortController()
    const review = await approvals.approve({ code: 'K7QM2XDF', mdns: false, dial: [n.addr] }, undefined, client.signal)
    client.abort()
    await until(() => n.shown.length === 2, 'the device to show a fresh code')
    expect(n.shown.at(-1)?.reason).toBe('abandoned')
    await expect(approvals.decide({ pairing: review.pairing, approve: true })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(a.vault.vault.certs.get(device.publicKey)).toBe(undefined)
  })
})
