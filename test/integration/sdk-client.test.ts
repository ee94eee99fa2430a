/**
 * The SDK's client as a developer meets it, in both of its modes (this process owning the home,
 * and through a running `mesh join`): a call's every failure is a MeshError with a stable code,
 * an AbortSignal already aborted included; close() ends what waits for a session, and a call
 * after close() says the client was closed.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AbortedError, ClosedError, connectMesh, DaemonNotRunningError, generateWallet, InvalidInputError, MeshError, NotFoundError, openMesh } from '../../src/index.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { until } from '../helpers/wait.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
let wallet: string
let daemon: Daemon

beforeAll(async () => {
  t = await tempDir()
  env = cliEnv(t.dir)
  wallet = join(t.dir, 'wallet.json')
  expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
  daemon = await startDaemon({ home: join(t.dir, 'desk'), wallet, label: 'desk', env })
})
afterAll(async () => {
  await daemon?.stop('SIGINT')
  await t.cleanup()
})

describe('the SDK client', () => {
  it('refuses a call whose signal is already aborted with ABORTED, in the process and through the daemon', async () => {
    const local = await openMesh({ home: join(t.dir, 'solo'), wallet: generateWallet(), label: 'solo', node: false })
    const remote = await connectMesh({ home: daemon.home })
    try {
      for (const mesh of [local, remote]) {
        const err = await mesh.sessions.list({}, { signal: AbortSignal.abort() }).catch((e: unknown) => e)
        expect(err, mesh.mode).toBeInstanceOf(AbortedError)
        expect((err as MeshError).code).toBe('ABORTED')
        expect((err as MeshError).message).toContain('sessions.list')
      }
    } finally {
      await local.close()
      await remote.close()
    }
  })

  it('says a wait its caller\'s AbortSignal.timeout ended timed out (reason timeout), not that it was cancelled, in the process and through the daemon', async () => {
    const local = await openMesh({ home: join(t.dir, 'timeout'), wallet: generateWallet(), label: 'timeout', node: false })
    const remote = await connectMesh({ home: daemon.home })
    try {
      for (const mesh of [local, remote]) {
        const err = await mesh.sessions.find('never-arrives', { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e)
        expect(err, mesh.mode).toBeInstanceOf(AbortedError)
        // The same error either way (a script reads one).
        expect({ message: (err as MeshError).message, details: (err as MeshError).details }, mesh.mode).toEqual({ message: 'sessions.wait timed out', details: { method: 'sessions.wait', reason: 'timeout' } })
        // A plain abort is still a cancel, said the same either way too.
        const ac = new AbortController()
        const cancelled = mesh.sessions.find('never-arrives', { signal: ac.signal }).catch((e: unknown) => e) as Promise<MeshError>
        setTimeout(() => { ac.abort() }, 100)
        const c = await cancelled
        expect({ code: c.code, message: c.message, details: c.details }, mesh.mode).toEqual({ code: 'ABORTED', message: 'sessions.wait was cancelled', details: { method: 'sessions.wait' } })
      }
    } finally {
      await local.close()
      await remote.close()
    }
  })

  it('says a pairing its caller\'s AbortSignal.timeout ended timed out, the same in the process and through the daemon (not a pairing that failed)', async () => {
    const local = await openMesh({ home: join(t.dir, 'approver'), wallet: generateWallet(), label: 'approver', node: false })
    const remote = await connectMesh({ home: daemon.home })
    // A search that waits: listening for a device that never comes, mDNS off.
    const input = { code: 'ZZ1H-CCSF', mdns: false, listen: ['/ip4/127.0.0.1/tcp/0'] }
    try {
      for (const mesh of [local, remote]) {
        const err = await mesh.api.call('devices.approve', input, { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e) as MeshError
        expect({ code: err.code, message: err.message, details: err.details }, mesh.mode).toEqual({ code: 'ABORTED', message: 'devices.approve timed out', details: { method: 'devices.approve', reason: 'timeout' } })
        const ac = new AbortController()
        const cancelled = mesh.api.call('devices.approve', input, { signal: ac.signal }).catch((e: unknown) => e) as Promise<MeshError>
        setTimeout(() => { ac.abort() }, 300)
        const c = await cancelled
        expect({ code: c.code, message: c.message, details: c.details }, mesh.mode).toEqual({ code: 'ABORTED', message: 'devices.approve was cancelled', details: { method: 'devices.approve' } })
      }
    } finally {
      await local.close()
      await remote.close()
    }
  })

  it('refuses a timeoutMs longer than a timer can hold, instead of giving up at once as if it had waited that long', async () => {
    const local = await openMesh({ home: join(t.dir, 'timer'), wallet: generateWallet(), label: 'timer', node: false })
    try {
      const err = await local.sessions.wait({ key: 'never-arrives', timeoutMs: 3_000_000_000 }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(InvalidInputError)
      expect((err as MeshError).message).toMatch(/timeoutMs/)
      // The longest one is taken (and a caller's signal still ends it).
      const longest = await local.sessions.wait({ key: 'never-arrives', timeoutMs: 2_147_483_647 }, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e)
      expect((longest as MeshError).code).toBe('ABORTED')
      expect((longest as MeshError).message).not.toMatch(/within/)
    } finally {
      await local.close()
    }
  })

  it('gives an error from the daemon the stack of the call that got it (a line of the caller\'s code)', async () => {
    const remote = await connectMesh({ home: daemon.home })
    try {
      const err = await remote.sessions.show({ key: 'not-there' }).catch((e: unknown) => e) as MeshError
      expect(err.code).toBe('SESSION_NOT_FOUND')
      expect(err.stack).toMatch(/^SessionNotFoundError: no session agent:main:not-there/)
      expect(err.stack).toContain('sdk-client.test')
    } finally {
      await remote.close()
    }
  })

  it('ends what waits for a session when the client closes, with CLOSED, instead of leaving it pending for ever', async () => {
    const local = await openMesh({ home: join(t.dir, 'waiter'), wallet: generateWallet(), label: 'waiter', node: false })
    const remote = await connectMesh({ home: daemon.home })
    for (const mesh of [local, remote]) {
      const settled = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (e: unknown) => e)
      const found = settled(mesh.sessions.find('never-arrives'))
      const waited = settled(mesh.sessions.wait({ key: 'never-arrives' }))
      await new Promise(resolve => setTimeout(resolve, 200))
      await mesh.close()
      const timeout = new Promise(resolve => setTimeout(() => { resolve('still pending') }, 5_000))
      for (const p of [found, waited]) {
        const err = await Promise.race([p, timeout])
        expect(err, mesh.mode).toBeInstanceOf(ClosedError)
        expect((err as MeshError).code).toBe('CLOSED')
      }
    }
  })

  it('refuses sessions.show after a message id the session does not hold with NOT_FOUND naming it, through the daemon and its HTTP API (404), instead of the whole transcript', async () => {
    const remote = await connectMesh({ home: daemon.home })
    const key = 'agent:main:after'
    try {
      await remote.sessions.create({ key })
      const [one] = await remote.sessions.append({ key, messages: [{ role: 'user', content: 'one' }, { role: 'user', content: 'two' }] })
      expect((await remote.sessions.show({ key, after: one?.id as string })).messages.map(m => m.content)).toEqual(['two'])

      const err = await remote.sessions.show({ key, after: 'no-such-message' }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(NotFoundError)
      expect((err as MeshError).details).toEqual({ key, after: 'no-such-message' })
      expect((err as MeshError).message).toMatch(/^session agent:main:after holds no message no-such-message/)

      const { url } = JSON.parse(await readFile(join(daemon.home, 'api.json'), 'utf8')) as { url: string }
      const token = (await readFile(join(daemon.home, 'api.token'), 'utf8')).trim()
      const res = await fetch(`${url}/api/sessions/${encodeURIComponent(key)}?after=no-such-message`, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(404)
      expect((await res.json() as any).error).toEqual({ code: 'NOT_FOUND', message: (err as MeshError).message, details: { key, after: 'no-such-message' } })
    } finally {
      await remote.close()
    }
  })

  it('tells a subscriber whose daemon died, with DAEMON_NOT_RUNNING through onError, instead of going quiet', async () => {
    const doomed = await startDaemon({ home: join(t.dir, 'doomed'), wallet, label: 'doomed', env })
    const mesh = await connectMesh({ home: doomed.home })
    let restoreUncaught = (): void => {}
    try {
      await mesh.sessions.create({ key: 'watched' })
      const told: Array<{ who: string, err: MeshError }> = []
      let toldOnce!: () => void
      const wasTold = new Promise<void>(resolve => { toldOnce = resolve })
      const onError = (who: string) => (err: MeshError): void => { told.push({ who, err }); toldOnce() }
      // A subscriber whose onError throws, first: the others are told all the same, and its
      // error is thrown afterwards, on its own (caught here in place of the runner's handler).
      const thrown: unknown[] = []
      const runners = process.listeners('uncaughtException')
      process.removeAllListeners('uncaughtException')
      process.on('uncaughtException', (err) => { thrown.push(err) })
      restoreUncaught = () => { process.removeAllListeners('uncaughtException'); for (const l of runners) process.on('uncaughtException', l) }
      mesh.on(() => {}, { onError: () => { throw new Error('a careless onError') } })
      await new Promise<void>((resolve, reject) => {
        mesh.on(() => {}, { sessions: ['watched'], ready: (err) => { if (err === undefined) resolve(); else reject(err) }, onError: onError('subscriber') })
      })
      // One its caller ended is no error when the daemon goes.
      mesh.on(() => {}, { onError: onError('unsubscribed') })()

      await doomed.stop('SIGKILL')
      const timeout = new Promise(resolve => setTimeout(() => { resolve('never told') }, 10_000))
      expect(await Promise.race([wasTold, timeout])).toBeUndefined()
      expect(told.map(x => x.who)).toEqual(['subscriber'])
      await until(() => thrown.length === 1, 'the careless onError\'s error to be thrown')
      expect((thrown[0] as Error).message).toBe('a careless onError')
      expect(told[0]?.err).toBeInstanceOf(DaemonNotRunningError)
      expect(told[0]?.err.code).toBe('DAEMON_NOT_RUNNING')
      // Subscribing again says the same at once.
      expect(() => mesh.on(() => {})).toThrow(DaemonNotRunningError)
    } finally {
      restoreUncaught()
      await mesh.close()
      await doomed.stop('SIGKILL')
    }
  })

  it('does not call onError for the subscriptions of a client its caller closed', async () => {
    const mesh = await connectMesh({ home: daemon.home })
    const told: MeshError[] = []
    await new Promise<void>((resolve, reject) => {
      mesh.on(() => {}, { ready: (err) => { if (err === undefined) resolve(); else reject(err) }, onError: (err) => { told.push(err) } })
    })
    // close() resolves once the connection has closed, and with it every subscription.
    await mesh.close()
    expect(told).toEqual([])
  })

  it('says a call after close() was made on a closed client, not that the daemon stopped', async () => {
    const remote = await connectMesh({ home: daemon.home })
    await remote.close()
    const err = await remote.sessions.list({}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ClosedError)
    expect((err as MeshError).code).toBe('CLOSED')
  })
})
