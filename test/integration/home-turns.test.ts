/**
 * In-process calls of one process take the home in turns, the opening handed from one to the
 * next (src/cli/context.ts HomeTurns). A turn that ended in an error before its holder got the
 * home (its --wallet moved away mid-burst) left that opening to nobody: the home stayed locked
 * for as long as the process ran, and `mesh status` from another process gave HOME_IN_USE. It is
 * closed now when no one else waits. A wait for the home (in line, or for another process to let
 * go of it) ends when its signal aborts, at once and with no further try; a follower closed with
 * a burst of calls waiting ends them all, without Node warning of a listener leak on stderr.
 * One ended by its caller's AbortSignal.timeout says it timed out (`details.reason` 'timeout',
 * as a call's own timeout says it), where it said "stopped waiting" as for a cancel.
 */
import { spawn } from 'node:child_process'
import { rename } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { whenHomeFree, withApi } from '../../src/cli/context.js'
import { DaemonFollower } from '../../src/cli/follow.js'
import { HomeInUseError, type MeshError } from '../../src/errors.js'
import { cliEnv, ROOT, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
let env: NodeJS.ProcessEnv
beforeAll(async () => { t = await tempDir(); env = cliEnv(t.dir) })
afterAll(async () => { await t.cleanup() })

describe('the home\'s turns in one process', () => {
  it('a turn that fails before it gets the home closes the opening handed to it: another process can use the home', async () => {
    const wallet = join(t.dir, 'wallet.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const home = join(t.dir, 'h')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'h'], { env })).code).toBe(0)
    const g = { home, wallet, json: true }
    const first = withApi(g as any, async api => {
      await api.call('node.status', {})
      await rename(wallet, `${wallet}.moved`)
    })
    const second = withApi(g as any, async api => await api.call('node.status', {}))
    await first
    expect(await second.then(() => undefined, (err: unknown) => err)).toMatchObject({ code: 'WALLET_NOT_FOUND' })
    const r = await runCli(['status', '--home', home, '--json'], { env, timeoutMs: 40_000 })
    expect(r.code, r.stderr).toBe(0)
  }, 60_000)
})

describe('waiting for the home, given up', () => {
  it('ends a wait for a home another process holds when its signal aborts, with no further try', async () => {
    const ac = new AbortController()
    let tries = 0
    const waited = whenHomeFree(async () => {
      tries++
      ac.abort() // given up while the first try finds the home held
      throw new HomeInUseError('home h is in use by pid 1', { home: 'h' })
    }, undefined, ac.signal)
    expect(await waited.then(() => undefined, (err: unknown) => err)).toMatchObject({ code: 'ABORTED', message: 'stopped waiting for the home', details: { home: 'h' } })
    expect(tries).toBe(1)
  })

  it('a call whose AbortSignal.timeout ends its wait for the home says it timed out, waiting in line or for the other process', async () => {
    const wallet = join(t.dir, 'wallet-timeout.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const home = join(t.dir, 'timeout')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 't'], { env })).code).toBe(0)
    const holder = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'hold-home.js'), home], { stdio: ['ignore', 'pipe', 'inherit'] })
    const gone = new Promise(resolve => holder.once('exit', resolve))
    const follower = new DaemonFollower({ home, json: true } as any)
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('holding')) resolve() })
        holder.once('exit', (c) => { reject(new Error(`holder exited ${String(c)}`)) })
      })
      // As `mesh mcp` calls, each with its own timeout: the first waits for the other process
      // (whenHomeFree), the second in this process's line behind it (HomeTurns).
      const calls = [0, 1].map(async () => await follower.call('sessions.list', {}, { signal: AbortSignal.timeout(500) }).then(() => 'answered', (err: unknown) => err as MeshError))
      for (const err of await Promise.all(calls)) {
        expect(err).toMatchObject({ code: 'ABORTED', message: 'timed out waiting for the home', details: { reason: 'timeout' } })
      }
      // A cancel is still said as one.
      const ac = new AbortController()
      const cancelled = follower.call('sessions.list', {}, { signal: ac.signal }).then(() => 'answered', (err: unknown) => err as MeshError)
      setTimeout(() => { ac.abort() }, 300)
      const c = await cancelled as MeshError
      expect({ code: c.code, message: c.message, reason: c.details.reason }).toEqual({ code: 'ABORTED', message: 'stopped waiting for the home', reason: undefined })
    } finally {
      await follower.close()
      holder.kill('SIGTERM')
      await gone
    }
  }, 60_000)

  it('a follower closed while a burst of calls waits for the home ends them all, and Node warns of no listener leak', async () => {
    const wallet = join(t.dir, 'wallet-burst.json')
    expect((await runCli(['wallet', 'new', '--out', wallet], { env })).code).toBe(0)
    const home = join(t.dir, 'burst')
    expect((await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'b'], { env })).code).toBe(0)
    // Another process holds the home: every call waits for it.
    const holder = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'hold-home.js'), home], { stdio: ['ignore', 'pipe', 'inherit'] })
    const gone = new Promise(resolve => holder.once('exit', resolve))
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('holding')) resolve() })
        holder.once('exit', (c) => { reject(new Error(`holder exited ${String(c)}`)) })
      })
      const warnings: string[] = []
      const onWarning = (w: Error): void => { warnings.push(`${w.name}: ${w.message}`) }
      process.on('warning', onWarning)
      try {
        const follower = new DaemonFollower({ home, json: true } as any)
        // As `mesh mcp` calls: each with a signal of its own.
        const calls = Array.from({ length: 12 }, async () => await follower.call('sessions.list', {}, { signal: new AbortController().signal }).then(() => 'answered', (err: unknown) => (err as { code?: string }).code))
        await new Promise(resolve => setTimeout(resolve, 300)) // all of them in line or trying by now
        await follower.close()
        expect(await Promise.all(calls)).toEqual(Array(12).fill('ABORTED'))
        await new Promise(resolve => setImmediate(resolve)) // a warning is emitted on the next tick
      } finally {
        process.off('warning', onWarning)
      }
      expect(warnings.filter(w => w.startsWith('MaxListenersExceededWarning'))).toEqual([])
      expect(holder.exitCode).toBeNull() // ended by the close, not by getting the home
    } finally {
      holder.kill('SIGTERM')
      await gone
    }
  }, 60_000)
})
