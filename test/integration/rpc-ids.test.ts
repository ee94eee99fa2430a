/**
 * Ids on the control socket, met as a client meets them (the real server on a real unix socket,
 * over an API that counts what it holds): a subscribe that reused the id of a live subscription
 * replaced it in the server's table without unsubscribing it, so it was never unsubscribed, not
 * even when the client went; a call reusing the id of one not yet answered lost that one's
 * cancel and its abort when the client went. Both are now refused, and the holder goes on.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MeshApi } from '../../src/api/api.js'
import { serveRpc } from '../../src/api/rpc.js'
import { socketClient } from '../helpers/socket-client.js'
import { tempDir } from '../helpers/tmp.js'
import { until } from '../helpers/wait.js'

const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

/** An API that holds each subscription and each call (until aborted), counting them. */
function countingApi (): { api: MeshApi, live: { subs: number, calls: number } } {
  const live = { subs: 0, calls: 0 }
  const api = {
    call: async (_method: string, _params: unknown, opts: { signal?: AbortSignal } = {}) => {
      live.calls++
      await new Promise<void>(resolve => { opts.signal?.addEventListener('abort', () => { resolve() }) })
      live.calls--
      return {}
    },
    subscribe: (_fn: unknown, o: { ready?: (err?: Error) => void } = {}) => {
      live.subs++
      setImmediate(() => { o.ready?.() }) // in place once subscribe() has returned, as the real API says it
      return () => { live.subs-- }
    },
    close: async () => {}
  } as unknown as MeshApi
  return { api, live }
}

async function serve (): Promise<{ home: string, live: { subs: number, calls: number } }> {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const { api, live } = countingApi()
  const server = await serveRpc(api, t.dir)
  cleanups.push(async () => { await server.close() })
  return { home: t.dir, live }
}

describe('an id reused on the control socket', () => {
  it('is refused for a second subscription, and no subscription outlives the client', async () => {
    const { home, live } = await serve()
    const c = await socketClient(home)
    c.send({ id: 1, subscribe: {} })
    expect(await c.next(m => m.id === 1 && m.subscribed === true)).toEqual({ id: 1, subscribed: true })
    c.send({ id: 1, subscribe: { sessions: [] } })
    const refused = await c.next(m => m.id === 1 && m.error !== undefined)
    expect(refused.error).toMatchObject({ code: 'INVALID_INPUT', details: { id: 1 } })
    expect(refused.error.message).toMatch(/id 1 is in use on this connection by a subscription/)
    expect(live.subs).toBe(1)
    // Unsubscribed, the id is free again.
    c.send({ id: 1, unsubscribe: true })
    await until(() => live.subs === 0, 'the subscription gone')
    c.send({ id: 1, subscribe: {} })
    await until(() => live.subs === 1, 'the id subscribed again')
    c.sock.destroy()
    await until(() => live.subs === 0, 'every subscription gone with the client')
  })

  it('is refused for a call while one holds it, which is still cancelled when the client goes', async () => {
    const { home, live } = await serve()
    const c = await socketClient(home)
    c.send({ id: 7, method: 'sessions.wait', params: {} })
    await until(() => live.calls === 1, 'the first call running')
    c.send({ id: 7, method: 'sessions.wait', params: {} })
    const refused = await c.next(m => m.id === 7 && m.error !== undefined)
    expect(refused.error).toMatchObject({ code: 'INVALID_INPUT' })
    expect(refused.error.message).toMatch(/call not yet answered/)
    c.send({ id: 7, subscribe: {} })
    await c.next(m => m.id === 7 && m.error !== undefined && /call not yet answered/.test(m.error.message) && m !== refused)
    expect(live).toEqual({ subs: 0, calls: 1 })
    c.sock.destroy()
    await until(() => live.calls === 0, 'the call aborted with the client')
  })
})

describe('an answer no JSON holds', () => {
  it('fails that call as INTERNAL (a BigInt read from a document once ended the daemon), and the socket goes on', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const rejections: unknown[] = []
    const onRejection = (err: unknown): void => { rejections.push(err) }
    process.on('unhandledRejection', onRejection)
    cleanups.push(() => { process.off('unhandledRejection', onRejection) })
    const api = {
      call: async (method: string) => method === 'memory.list' ? [{ key: 'k', value: 'v', extra: 10n }] : { ok: true },
      subscribe: () => () => {},
      close: async () => {}
    } as unknown as MeshApi
    const server = await serveRpc(api, t.dir)
    cleanups.push(async () => { await server.close() })
    const c = await socketClient(t.dir)
    c.send({ id: 1, method: 'memory.list', params: {} })
    const failed = await c.next(m => m.id === 1)
    expect(failed.error).toMatchObject({ code: 'INTERNAL' })
    expect(failed.error.message).toMatch(/the answer could not be encoded: .*BigInt/)
    c.send({ id: 2, method: 'node.status', params: {} })
    expect(await c.next(m => m.id === 2)).toEqual({ id: 2, result: { ok: true } })
    expect(rejections).toEqual([])
    c.sock.destroy()
  })
})

describe('a home too long for a unix socket', () => {
  it('is refused by name before anything is bound (the system said EINVAL, or ENOENT on a cut path)', async () => {
    const t = await tempDir(); cleanups.push(t.cleanup)
    const { mkdir } = await import('node:fs/promises')
    const { join } = await import('node:path')
    const home = join(t.dir, 'h'.repeat(Math.max(1, 110 - t.dir.length)))
    await mkdir(home)
    const api = { call: async () => ({}), subscribe: () => () => {}, close: async () => {} } as unknown as MeshApi
    await expect(serveRpc(api, home)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/home path too long for a unix socket \(\d+ > 10[37] bytes\)/) })
  })
})
