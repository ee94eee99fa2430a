/**
 * Times in errors the CLI passes on, said in this machine's zone as the rest of the CLI says them
 * (`mesh session show`'s lease, `mesh status`'s revocation). The API's own messages say them in
 * UTC, on purpose (a daemon makes them for clients anywhere); main.ts already said LEASE_HELD's
 * lease end again here. But `mesh agent import --all` passed a LEASE_HELD on as a `skipped:` line
 * in UTC, `mesh agent hook`'s error line was the API's message as it was, and DEVICE_REVOKED's
 * time (and "already revoked at" of a revoke again) was UTC everywhere. In-process nodes of one wallet on loopback make the state (a laptop
 * drives a Claude session the desktop holds; a tablet's home knows it was revoked); every
 * command is a real `mesh` run with TZ=Asia/Tokyo.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deviceKem, generateDeviceKey } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { cliEnv, runCli, type RunResult } from '../helpers/cli.js'
import { generateWallet, startNode, until } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const SID = '5c0ffee0-7c1d-4e0f-9a8b-1c2d3e4f5a6b'
/** A time as localTime says it in Tokyo (GMT+9, no summer time). */
const inTokyo = (ts: number): string => `${new Date(ts + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ')} GMT+9`

let dir: string
let desktop: string
let tablet: string
let leaseEnd: number
let env: NodeJS.ProcessEnv
const mesh = async (home: string, args: string[], input?: string): Promise<RunResult> => await runCli([...args, '--home', home], { env, input })

beforeAll(async () => {
  const t = await tempDir(); cleanups.push(t.cleanup)
  dir = t.dir
  env = { ...cliEnv(dir), TZ: 'Asia/Tokyo' }
  const wallet = generateWallet()
  desktop = join(dir, 'desktop')
  const a = await startNode({ wallet, home: desktop, label: 'desktop' }); cleanups.push(a.stop)
  const v = a.vault.vault
  const enrol = async (label: string, revoke = false): Promise<string> => {
    const device = await generateDeviceKey()
    const { certificate } = await v.enrolDevice({ deviceKey: device.publicKey, kemKey: deviceKem(device.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label })
    if (revoke) await v.revoke([device.publicKey], { reason: 'lost' })
    const home = join(dir, label)
    await writeEnrolledHome(home, { wallet: v.identity.wallet, device, certificate: certificate.bytes, keys: v.identity.keys, records: v.certs.records() })
    return home
  }
  // The laptop drives agent:claude:SID; the desktop hears of it.
  const b = await startNode({ wallet, home: await enrol('laptop'), label: 'laptop' }); cleanups.push(b.stop)
  await b.node.dial(a.node.addresses()[0] as string)
  await until(() => b.node.libp2p.services.membership.isProven(a.node.libp2p.peerId), 'membership')
  const s = await b.vault.sessions.create(`agent:claude:${SID}`, {})
  leaseEnd = (await s.takeLease()).lease.expiresAt
  await s.close()
  await until(async () => {
    if (!(await a.vault.sessions.exists(`agent:claude:${SID}`))) return false
    const x = await a.vault.sessions.open(`agent:claude:${SID}`)
    try { return x.lease()?.label === 'laptop' } finally { await x.close() }
  }, 'the laptop\'s lease on the desktop')
  await b.stop()
  // The tablet, revoked; its home holds the revocation.
  tablet = await enrol('tablet', true)
  await a.stop()
}, 60_000)

describe('a time in an error the CLI passes on', () => {
  it('mesh agent import --all says a LEASE_HELD\'s lease end in this zone on its skipped line; --json keeps the API\'s UTC', async () => {
    const project = join(dir, '.claude', 'projects', '-proj')
    await mkdir(project, { recursive: true })
    await writeFile(join(project, `${SID}.jsonl`), JSON.stringify({ parentUuid: null, isSidechain: false, userType: 'external', cwd: dir, sessionId: SID, version: '2.1.97', type: 'user', message: { role: 'user', content: 'hi' }, uuid: '5c0ffee0-0000-4000-8000-000000000000', timestamp: new Date().toISOString() }) + '\n', { mode: 0o600 })
    const r = await mesh(desktop, ['agent', 'import', 'claude', '--all'])
    expect(r.code, r.stderr).toBe(1)
    const skipped = r.stderr.split('\n').filter(l => l.startsWith('skipped: '))
    expect(skipped).toHaveLength(1)
    expect(skipped[0]).toContain('driven by laptop')
    expect(skipped[0]).toContain(`at ${inTokyo(leaseEnd).slice(0, 16)}`)
    expect(skipped[0]).not.toContain('UTC')
    // Taken over as the run's own error line says it (`mesh lease take KEY --take`), not by `mesh resume`, which would write no agent files.
    expect(skipped[0]).toContain(`take it over with \`mesh lease take agent:claude:${SID} --take\``)
    expect(r.stderr).toContain('after `mesh lease take KEY --take`')
    const json = await mesh(desktop, ['agent', 'import', 'claude', '--all', '--json'])
    const event = json.stderr.split('\n').filter(l => l.startsWith('{')).map(l => JSON.parse(l)).find(e => e.event === 'skipped')
    expect(event.code).toBe('LEASE_HELD')
    expect(event.message).toMatch(/at \d\d:\d\d UTC/)
  })

  it('DEVICE_REVOKED says when in this zone, from a command and from Claude Code\'s hook, as a revoke of it again does; --json keeps UTC', async () => {
    const status = await mesh(tablet, ['status', '--json'])
    const revokedAt = JSON.parse(status.stdout).revoked.at as number
    const when = `revoked by desktop at ${inTokyo(revokedAt)} (lost)`
    const made = await mesh(tablet, ['session', 'new', 'notes'])
    expect(made.code).not.toBe(0)
    expect(made.stderr).toContain(when)
    expect(made.stderr).not.toContain('UTC')
    const hook = await mesh(tablet, ['agent', 'hook', 'claude'], JSON.stringify({ session_id: SID, hook_event_name: 'SessionStart', cwd: dir }))
    expect(hook.code).toBe(1)
    expect(hook.stderr).toMatch(/^mesh hook: DEVICE_REVOKED: /)
    expect(hook.stderr).toContain(when)
    expect(hook.stderr).not.toContain('UTC')
    expect(JSON.parse((await mesh(tablet, ['session', 'new', 'notes', '--json'])).stderr).error.message).toMatch(/ UTC \(lost\)/)
    // And a revoke of it again, from the desktop: "already revoked at …", in this zone too.
    const again = await mesh(desktop, ['devices', 'revoke', 'tablet', '--yes'])
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(`mesh: tablet was already revoked at ${inTokyo(revokedAt)} by desktop (lost): nothing to do\n`)
  })
})
