/**
 * Two `mesh join` daemons (separate homes, one wallet) in a network namespace with multicast on
 * its loopback find each other by real mDNS and replicate both ways; `mesh session append` on
 * one, `mesh watch` on the other, all through the CLI. A sibling revoked while mDNS still
 * announces it is dialed by neither side again, nor by its own `mesh join` started again.
 */
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { loopbackNs, spawnIn, type Netns, type Proc } from '../helpers/netns.js'
import { walletLab } from '../helpers/wallet-lab.js'

const cleanups: Array<() => Promise<void> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** A namespace with multicast on its loopback, a wallet, two homes, and `start` for a daemon there (stopped by pid at the end). */
async function lan (): Promise<{ env: NodeJS.ProcessEnv, wallet: string, homeA: string, homeB: string, start: (home: string, label: string, extra?: string[]) => Proc }> {
  const ns: Netns = loopbackNs(); cleanups.push(ns.teardown)
  const { dir, env, wallet, mesh } = await walletLab(cleanups)
  const start = (home: string, label: string, extra = ['--listen', '/ip4/127.0.0.1/tcp/0', '--dht', 'off']): Proc => mesh(ns.names[0], ['join', '--home', home, '--wallet', wallet, '--label', label, ...extra])
  return { env, wallet, homeA: join(dir, 'a'), homeB: join(dir, 'b'), start }
}

describe('two daemons on one LAN (mDNS in a namespace)', () => {
  it('find each other, replicate both ways, and watch live', async () => {
    const { env, wallet, start, homeA, homeB } = await lan()
    const a = start(homeA, 'alpha')
    const b = start(homeB, 'beta')
    await a.waitFor(/^running/)
    await b.waitFor(/^running/)
    await a.waitFor(/peer proven\s+beta .* via mdns/)
    await b.waitFor(/peer proven\s+alpha .* via mdns/)

    const again = await runCli(['join', '--home', homeA, '--wallet', wallet], { env })
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/already running/)

    // Commands go through the daemons (the homes are locked by them).
    expect((await runCli(['session', 'new', 'agent:main:lan', '--home', homeA, '--goal', 'cross the LAN'], { env })).code).toBe(0)
    await b.waitFor(/synced\s+agent:main:lan from alpha/)
    const watch = spawnIn(undefined, process.execPath, [BIN, 'watch', 'lan', '--home', homeB], env)
    cleanups.push(async () => { await watch.stop('SIGKILL') })
    expect((await runCli(['session', 'append', 'lan', '--home', homeA, '--role', 'user', '--text', 'hello from alpha'], { env })).code).toBe(0)
    await watch.waitFor(/user \(.*\): hello from alpha/)
    expect((await runCli(['session', 'append', 'lan', '--home', homeB, '--role', 'assistant', '--text', 'hello from beta'], { env })).code).toBe(0)
    await watch.waitFor(/assistant \(.*\): hello from beta/)
    const shown = JSON.parse((await runCli(['session', 'show', 'lan', '--home', homeA, '--json'], { env })).stdout)
    expect(shown.messages.map((m: any) => m.content)).toEqual(['hello from alpha', 'hello from beta'])


    // Handoff: A drives and writes; B's resume says so, and takes over only with --take.
    expect((await runCli(['resume', 'lan', '--home', homeA, '--json'], { env })).code).toBe(0)
    expect((await runCli(['session', 'append', 'lan', '--home', homeA, '--role', 'assistant', '--text', 'last words of alpha'], { env })).code).toBe(0)
    await watch.waitFor(/last words of alpha/)
    const held = await runCli(['resume', 'lan', '--home', homeB], { env })
    expect(held.code).toBe(1)
    expect(held.stderr).toMatch(/being driven by alpha, last write \d+s ago, online now \(lease ends in [^)]*\)\. Run `mesh resume agent:main:lan --take`/)
    const taken = await runCli(['resume', 'lan', '--home', homeB, '--take', '--json'], { env })
    expect(taken.code).toBe(0)
    const info = JSON.parse(taken.stdout)
    expect(info.tookOverFrom).toBe('alpha')
    expect(info.lease.label).toBe('beta')
    expect(info.messages.at(-1).content).toBe('last words of alpha')

    const peers = JSON.parse((await runCli(['peers', '--home', homeA, '--json'], { env })).stdout)
    expect(peers).toHaveLength(1)
    expect(peers[0]).toMatchObject({ label: 'beta', state: 'connected', via: 'mdns', capabilities: ['read', 'write', 'admin'] })
    expect(typeof peers[0].rttMs).toBe('number')

    await watch.stop('SIGINT')
    expect(await a.stop('SIGINT')).toBe(0)
    expect(await b.stop('SIGTERM')).toBe(0)
    expect(a.lines.at(-1)).toMatch(/stopped; store flushed/)
    // After the daemons stopped, the CLI works on the store directly and sees the same data.
    const offline = JSON.parse((await runCli(['session', 'show', 'lan', '--home', homeB, '--json'], { env })).stdout)
    expect(offline.messages).toHaveLength(3)
  })
  it('a revoked sibling still answering mDNS is neither dialed nor reported found again', async () => {
    const { env, start, homeA, homeB } = await lan()
    const a = start(homeA, 'alpha')
    const b = start(homeB, 'beta')
    await a.waitFor(/peer proven\s+beta .* via mdns/)
    await b.waitFor(/peer proven\s+alpha .* via mdns/)
    const revoked = await runCli(['devices', 'revoke', 'beta', '--yes', '--home', homeA], { env })
    expect(revoked.code, revoked.stderr).toBe(0)
    await b.waitFor(/^REVOKED\s/, 30_000)
    // alpha says the cut-off once, as the revocation (its connection closing is part of that line).
    await a.waitFor(/^peer refused\s+beta \(.*\): revoked$/, 30_000)
    // Once beta was told (on a connection it had dialed before it knew; another opened then is
    // refused when membership's 5 s run out), mDNS keeps announcing each to the other in the
    // burst after the loss (queries every second for 30 s): neither dials the other again.
    await new Promise(resolve => setTimeout(resolve, 6000))
    const after = a.lines.length
    const afterB = b.lines.length
    await new Promise(resolve => setTimeout(resolve, 8000))
    const since = a.lines.slice(after)
    expect(since.filter(l => /^peer (found|proven|refused)/.test(l)), a.lines.join('\n')).toEqual([])
    expect(b.lines.slice(afterB).filter(l => /^peer (found|proven|refused)/.test(l)), b.lines.join('\n')).toEqual([])
    expect(await a.stop('SIGINT')).toBe(0)
    expect(await b.stop('SIGINT')).toBe(0)
  })
  it('a revoked device whose mesh join starts again dials no sibling it finds by mDNS', async () => {
    const { env, start, homeA, homeB } = await lan()
    const a = start(homeA, 'alpha')
    let b = start(homeB, 'beta')
    await b.waitFor(/peer proven\s+alpha .* via mdns/)
    const revoked = await runCli(['devices', 'revoke', 'beta', '--yes', '--home', homeA], { env })
    expect(revoked.code, revoked.stderr).toBe(0)
    await b.waitFor(/^REVOKED\s/, 30_000)
    expect(await b.stop('SIGINT')).toBe(0)
    // Started again, as a user tries: it knows from its own registry that it was revoked, says so
    // and dials no one (README, Threat model), alpha's mDNS answers included. It dialed alpha
    // before, found by mDNS while its node started, and was refused there.
    await new Promise(resolve => setTimeout(resolve, 1000))
    const after = a.lines.length
    // With the defaults, as a user starts it (listening on every interface, the DHT on).
    b = start(homeB, 'beta', [])
    await b.waitFor(/^running/)
    await b.waitFor(/^REVOKED\s/)
    await new Promise(resolve => setTimeout(resolve, 3000))
    expect(b.lines.filter(l => /^peer (found|proven|refused)/.test(l)), b.lines.join('\n')).toEqual([])
    expect(a.lines.slice(after).filter(l => /^peer (found|proven|refused)/.test(l)), a.lines.join('\n')).toEqual([])
    expect(await a.stop('SIGINT')).toBe(0)
    expect(await b.stop('SIGINT')).toBe(0)
  })
})
