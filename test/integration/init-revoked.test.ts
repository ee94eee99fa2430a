/**
 * `mesh init` on a paired device's home: a new label, then a revocation. One pairing serves both.
 *
 * A new label keeps the device's rights: `mesh init --label NAME --wallet W` on a device paired
 * read+write made it an admin (read, write, admin: it could then enrol and revoke devices), said
 * only as "label changed"; a paired writer now stays a writer, the wallet's own admin an admin.
 *
 * A revoked device: a newcomer's revoked tablet, given the vault's wallet, took
 * `mesh init --label tablet3 --wallet W`: exit 0, "label changed", "kept: … stay valid on every
 * node" and "capabilities: read, write, admin" (it had been read+write), while every peer went on
 * refusing it and the next `mesh status` said `none (revoked)`. Revocation is terminal per device
 * key: init refuses (DEVICE_REVOKED, exit 2), says who revoked it and when as `mesh status` does,
 * and how to bring the machine back (a new device key in a new home), and leaves the home as it
 * was. Real processes on loopback: an admin's `mesh join`, a tablet paired to it by code.
 *
 * The admin's `mesh join` logged the relabelled tablet's new certificate as `device added
 * tablet2 …, enrolled by wallet`, a device that already existed: now `device relabelled tablet →
 * tablet2 …, re-certified by wallet`. A revoke of two devices said "the revoked device can read
 * nothing": now "the 2 revoked devices".
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { startPairing, type Pairing } from '../helpers/pairing.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown> | void> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

let t: { dir: string }
let tab: string
let p: Pairing
let before: { deviceId: string }

describe('mesh init on a paired device', () => {
  beforeAll(async () => {
    const d = await tempDir(); cleanups.push(d.cleanup); t = d
    tab = join(t.dir, 'tab')
    const s = await startPairing(t.dir, { home: tab, pairArgs: ['--label', 'tablet'] })
    cleanups.push(s.stop); p = s
    const approved = await runCli(['devices', 'approve', p.code, '--dial', p.addr, '--yes', '--no-mdns', '--home', p.admin.home], { env: p.env, timeoutMs: 60_000 })
    expect(approved.code, approved.stderr).toBe(0)
    expect(await p.candidate.exited).toBe(0)
  }, 120_000)

  it('a new label keeps the device\'s capabilities: a paired writer relabelled with the wallet is not made an admin', async () => {
    const { env, wallet } = p
    const relabel = await runCli(['init', '--label', 'tablet2', '--wallet', wallet, '--home', tab], { env, timeoutMs: 60_000 })
    expect(relabel.code, relabel.stderr).toBe(0)
    expect(relabel.stdout).toMatch(/^label changed: tablet → tablet2$/m)
    expect(relabel.stdout).toMatch(/^capabilities: read, write$/m)
    const s = await runCli(['status', '--json', '--home', tab], { env })
    expect(JSON.parse(s.stdout)).toMatchObject({ label: 'tablet2', capabilities: ['read', 'write'] })
    before = JSON.parse(s.stdout)
    const notAdmin = await runCli(['devices', 'revoke', 'alpha', '--yes', '--home', tab], { env, timeoutMs: 60_000 })
    expect(notAdmin.code).toBe(2)
    expect(JSON.parse((await runCli(['devices', 'revoke', 'alpha', '--yes', '--json', '--home', tab], { env, timeoutMs: 60_000 })).stderr.trim().split('\n').pop() as string).error.code).toBe('NOT_ADMIN')
  }, 120_000)

  it('revoked, it refuses any re-certification (label, role, with or without the wallet, its node running or not), says by whom and when and how to bring the machine back; the home is left as it was', async () => {
    const { env, wallet, admin: a } = p
    // A second device of the wallet (phone), met by alpha once, so the revoke below cuts off two.
    const phone = join(t.dir, 'phone')
    expect((await runCli(['init', '--label', 'phone', '--wallet', wallet, '--home', phone], { env, timeoutMs: 60_000 })).code).toBe(0)
    const joinArgs = (home: string): string[] => [BIN, 'join', '--home', home, '--bootstrap', a.addr, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off']
    const node = spawnIn(undefined, process.execPath, joinArgs(tab), env)
    const other = spawnIn(undefined, process.execPath, joinArgs(phone), env)
    cleanups.push(async () => await node.stop('SIGKILL'), async () => await other.stop('SIGKILL'))
    await Promise.all([node.waitFor(/^peer proven +alpha /, 30_000), other.waitFor(/^peer proven +alpha /, 30_000)])
    // alpha knew tablet: its new certificate is said as the relabelling it is, not a device added.
    await a.proc.waitFor(/^device relabelled +tablet → tablet2 \(\S+\) \[read, write\], re-certified by wallet$/, 30_000)
    await a.proc.waitFor(/^device added +phone /, 30_000)
    expect(a.proc.lines.filter(l => /^device added +tablet2 /.test(l))).toEqual([])
    expect(await other.stop('SIGINT')).toBe(0)
    const revoked = await runCli(['devices', 'revoke', '--all-but-this', '--reason', 'lost', '--yes', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(revoked.code, revoked.stderr).toBe(0)
    // Two revoked: said so (it said "the revoked device").
    const lines = revoked.stdout.trim().split('\n')
    expect(lines.slice(0, 2).map(l => l.split(' ')[1]).sort()).toEqual(['phone', 'tablet2'])
    expect(lines.slice(2)).toEqual(['vault key rotated (rotation 1): the 2 revoked devices can read nothing written from now on'])
    await node.waitFor(/^REVOKED +this device was revoked by alpha/, 30_000)

    const said = new RegExp(`^mesh: this device \\(tablet2, home ${esc(tab)}\\) was revoked by alpha at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} \\S+ \\(lost\\): its key can never be certified again, so this home cannot be given another label or role\\. To bring this machine back, give it a new device key in a new home: pair it \\(\`mesh pair --home NEWDIR\`, approved on an admin device\\), or with the wallet \`mesh init --home NEWDIR --wallet PATH\``)
    // Its node running: said at once, not "stop mesh join first" (which would lead nowhere).
    const running = await runCli(['init', '--label', 'tablet3', '--wallet', wallet, '--home', tab], { env, timeoutMs: 60_000 })
    expect(running.code, running.stderr).toBe(2)
    expect(running.stderr).toMatch(said)
    expect(running.stdout).toBe('')
    expect(await node.stop('SIGINT')).toBe(0)

    const cert = await readFile(join(tab, 'device.cert'))
    // The newcomer's command: no label changed, no "kept", no admin.
    const relabel = await runCli(['init', '--label', 'tablet3', '--wallet', wallet, '--home', tab], { env, timeoutMs: 60_000 })
    expect(relabel.code, relabel.stderr).toBe(2)
    expect(relabel.stderr).toMatch(said)
    expect(relabel.stdout).toBe('')
    const json = await runCli(['init', '--label', 'tablet3', '--wallet', wallet, '--json', '--home', tab], { env, timeoutMs: 60_000 })
    expect(json.code).toBe(2)
    expect(JSON.parse(json.stderr.trim().split('\n').pop() as string).error).toMatchObject({ code: 'DEVICE_REVOKED', details: { home: tab, revokedBy: ['alpha'], reason: 'lost' } })
    // A role, with the wallet; a label without it (it was paired: not "revoke it, then pair again"); nothing at all.
    for (const args of [['--read-only', '--wallet', wallet], ['--read-write', '--wallet', wallet], ['--label', 'tablet3'], []]) {
      const r = await runCli(['init', ...args, '--home', tab], { env, timeoutMs: 60_000 })
      expect(r.code, `mesh init ${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr, `mesh init ${args.join(' ')}`).toMatch(said)
      expect(r.stdout).toBe('')
    }
    // mesh join asked for a new label re-certifies the same way: refused before any node starts.
    const joinLabel = await runCli(['join', '--label', 'tablet3', '--wallet', wallet, '--no-mdns', '--dht', 'off', '--listen', '/ip4/127.0.0.1/tcp/0', '--http', 'off', '--home', tab], { env, timeoutMs: 60_000 })
    expect(joinLabel.code, joinLabel.stderr).toBe(2)
    expect(joinLabel.stderr).toMatch(said)

    // Nothing changed: the same certificate, still revoked under its old label.
    expect(await readFile(join(tab, 'device.cert'))).toEqual(cert)
    const after = await runCli(['status', '--json', '--home', tab], { env })
    expect(JSON.parse(after.stdout)).toMatchObject({ label: 'tablet2', capabilities: ['read', 'write'], revoked: { by: ['alpha'], reason: 'lost' } })

    // What the message offers works: the machine set up again in a new home, with a new key.
    const fresh = await runCli(['init', '--label', 'tablet3', '--wallet', wallet, '--json', '--home', join(t.dir, 'tab2')], { env, timeoutMs: 60_000 })
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(JSON.parse(fresh.stdout).deviceId).not.toBe(before.deviceId)
  }, 180_000)

  it('a new label keeps the wallet\'s own admin an admin (its node stopped first: init re-certifies only then)', async () => {
    const { env, wallet, admin: a } = p
    expect(await a.proc.stop('SIGINT')).toBe(0)
    const desk = await runCli(['init', '--label', 'desk', '--wallet', wallet, '--json', '--home', a.home], { env, timeoutMs: 60_000 })
    expect(desk.code, desk.stderr).toBe(0)
    expect(JSON.parse(desk.stdout)).toMatchObject({ label: 'desk', capabilities: ['read', 'write', 'admin'] })
  }, 60_000)
})
