/**
 * `mesh pair` killed while it writes the new home (the power lost, a SIGKILL), just after the
 * vault's keys and before the certificate: the home was left refused for good ("lost its
 * certificate", and a paired device has no wallet to certify itself again). The pairing now marks
 * the home before it writes (pairing.partial): every other command says the pairing stopped, and
 * the next `mesh pair` takes the home up again, clears what the first one wrote, keeps what was
 * there before it (a config.json), and pairs, asking for the device the first approval made (the
 * approver listed a second device, never seen); one the approver revoked meanwhile is refused,
 * and the next code carries a new key. Real processes on loopback: an admin's `mesh join`,
 * `mesh pair` killed by its pid as the keys file appears.
 */
import { watch } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { connectMesh } from '../../src/index.js'
import { shortFingerprint } from '../../src/identity/pair-code.js'
import { BIN, runCli } from '../helpers/cli.js'
import { spawnIn, type Proc } from '../helpers/netns.js'
import { startPairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

/** A `mesh pair` into `home` killed by its pid the moment the vault's keys are in place (inotify), once approved. */
async function killedPairing (dir: string, home: string): Promise<Awaited<ReturnType<typeof startPairing>> & { first: string }> {
  const p = await startPairing(dir, { home, pairArgs: ['--label', 'laptop'] })
  cleanups.push(p.stop)
  const first = (p.candidate.lines.find(l => l.startsWith('waiting: this device will be ')) ?? '').match(/will be (\S+?);/)?.[1] as string
  expect(first).toMatch(/^12D3/)
  // Killed the moment the vault's keys are in place (inotify), before the rest of the home is.
  const watcher = watch(home, (_e, name) => { if (name === 'vault.keys') p.candidate.child.kill('SIGKILL') })
  cleanups.push(() => { watcher.close() })
  const approved = await runCli(['devices', 'approve', p.code, '--yes', '--no-mdns', '--dial', p.addr, '--home', p.admin.home], { env: p.env, timeoutMs: 60_000 })
  expect(approved.code, approved.stderr).toBe(0)
  // The grant reached it: it writes the home, and is killed there.
  expect(await p.candidate.exited).toBe(null)
  expect(p.candidate.child.signalCode).toBe('SIGKILL')
  watcher.close()
  return { ...p, first }
}

/** `mesh pair` again into `home`, its code and address once shown. */
async function pairAgain (env: NodeJS.ProcessEnv, home: string): Promise<{ proc: Proc, code: string, addr: string }> {
  const proc = spawnIn(undefined, process.execPath, [BIN, 'pair', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--label', 'laptop'], env)
  cleanups.push(async () => { await proc.stop('SIGKILL') })
  const code = (await proc.waitFor(/^pairing code: /)).match(/pairing code: (\S+)/)?.[1] as string
  const addr = (await proc.waitFor(/^waiting/)).match(/\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+/)?.[0].replace(/\)$/, '') as string
  return { proc, code, addr }
}

const devicesOf = async (env: NodeJS.ProcessEnv, home: string): Promise<Array<{ deviceId: string, label: string, self: boolean, revoked?: unknown }>> =>
  JSON.parse((await runCli(['devices', '--json', '--home', home], { env })).stdout)

describe('mesh pair killed while it writes the home', () => {
  it('leaves a home the next mesh pair takes up again, as the device the first approval made (no second one listed); other commands say the pairing stopped', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'n')
    // Written before pairing, for the `mesh join` to come: it stays through both pairings.
    await mkdir(home, { recursive: true, mode: 0o700 })
    await writeFile(join(home, 'config.json'), '{ "mdns": false }\n')
    const { env, admin, first } = await killedPairing(t.dir, home)
    const left = await readdir(home)
    expect(left).toContain('pairing.partial')
    expect(left).not.toContain('device.cert')

    const status = await runCli(['status', '--home', home], { env })
    expect(status.code).not.toBe(0)
    expect(status.stderr).toContain(`home ${home} is not set up: a pairing into it stopped before it finished (no certificate was written). Pair this machine again: \`mesh pair --home ${home}\``)
    expect(status.stderr).not.toMatch(/lost its certificate/)

    // Paired again into the same home, asking for the device the first approval made.
    const again = await pairAgain(env, home)
    expect(again.proc.lines.find(l => l.startsWith('an earlier pairing into '))).toContain(`stopped before it finished: what it wrote is cleared once this one is approved; this one asks for the device that one was granted (${first})`)
    // The owner says no once (through the admin's daemon, as the dashboard does): the next code
    // goes with the same key (only a revoked key is given up), and the same fingerprint.
    const mesh = await connectMesh({ home: admin.home })
    try {
      const review = await mesh.api.call('devices.approve', { code: again.code, dial: [again.addr], mdns: false })
      expect(review.deviceId).toBe(first)
      expect((await mesh.api.call('devices.decide', { pairing: review.pairing, approve: false })).approved).toBe(false)
    } finally { await mesh.close() }
    const next = (await again.proc.waitFor(/^the approver refused; new code: /)).match(/new code: (\S+).*this device: (\S+)$/)
    expect(next?.[2]).toBe(shortFingerprint(first))
    expect(again.proc.lines.filter(l => /this device will be/.test(l) && !l.startsWith('waiting'))).toEqual([])
    const ok = await runCli(['devices', 'approve', next?.[1] as string, '--yes', '--no-mdns', '--dial', again.addr, '--home', admin.home], { env, timeoutMs: 60_000 })
    expect(ok.code, ok.stderr).toBe(0)
    expect(await again.proc.exited).toBe(0)

    const st = await runCli(['status', '--home', home, '--json'], { env })
    expect(st.code, st.stderr).toBe(0)
    expect(JSON.parse(st.stdout)).toMatchObject({ label: 'laptop', deviceId: first })
    expect(await readdir(home)).not.toContain('pairing.partial')
    expect(await readFile(join(home, 'config.json'), 'utf8')).toBe('{ "mdns": false }\n')
    // One device for this machine on the approver, not a second one never seen.
    expect((await devicesOf(env, admin.home)).filter(d => !d.self).map(d => [d.deviceId, d.label])).toEqual([[first, 'laptop']])
  }, 180_000)

  it('asks again with a new key when the approver revoked the device of the first approval meanwhile', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const home = join(t.dir, 'n')
    await mkdir(home, { recursive: true, mode: 0o700 })
    const { env, admin, first } = await killedPairing(t.dir, home)
    const revoked = await runCli(['devices', 'revoke', first, '--yes', '--home', admin.home], { env })
    expect(revoked.code, revoked.stderr).toBe(0)

    const again = await pairAgain(env, home)
    const refused = await runCli(['devices', 'approve', again.code, '--yes', '--no-mdns', '--dial', again.addr, '--home', admin.home, '--json'], { env, timeoutMs: 60_000 })
    expect(refused.code).not.toBe(0)
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'PAIRING_FAILED', details: { reason: 'revoked', deviceId: first } })
    const renewed = await again.proc.waitFor(/^the approver revoked the device of the earlier pairing: this device will be /)
    const second = renewed.match(/will be (\S+)$/)?.[1] as string
    expect(second).not.toBe(first)
    // The new code goes with the new key's fingerprint, as the approver's review will show it.
    const shownNext = (await again.proc.waitFor(/^the approver refused; new code: /)).match(/new code: (\S+).*this device: (\S+)$/)
    expect(shownNext?.[2]).toBe(shortFingerprint(second))
    const code = shownNext?.[1] as string
    const ok = await runCli(['devices', 'approve', code, '--yes', '--no-mdns', '--dial', again.addr, '--home', admin.home], { env, timeoutMs: 60_000 })
    expect(ok.code, ok.stderr).toBe(0)
    expect(await again.proc.exited).toBe(0)
    expect(JSON.parse((await runCli(['status', '--home', home, '--json'], { env })).stdout)).toMatchObject({ label: 'laptop', deviceId: second })
  }, 180_000)
})
