/**
 * Bad input on a running daemon's control socket, sent as a client of the socket would (a real
 * `mesh join`, its real control.sock): a subscribe whose `after` is no seq was taken as no cursor
 * (the whole replay), session keys that are no strings were dropped unsaid, and an id that is no
 * whole number was taken. HTTP's /api/events refuses such a cursor; the socket now refuses all
 * three, with the same words (subscribe-input.ts) and the socket's error shape.
 */
import { describe, expect, it } from 'vitest'
import { daemonForFile } from '../helpers/daemons-for-file.js'
import { socketClient } from '../helpers/socket-client.js'
import { until } from '../helpers/wait.js'

const solo = daemonForFile()

/** Sends each line on one connection; the answers, parsed, once one has come for each id in `ids` (null: no id). */
async function exchange (lines: string[], ids: Array<number | null>): Promise<any[]> {
  const { sock, got, write } = await socketClient(solo.d.home)
  for (const l of lines) write(l)
  try {
    await until(() => ids.every(id => got.filter(m => m.id === id).length >= ids.filter(x => x === id).length), 'an answer to each request')
  } finally { sock.destroy() }
  return got
}

describe('the control socket refuses what HTTP refuses', () => {
  it('refuses an after that is no seq, in the words of /api/events', async () => {
    const got = await exchange(['{"id":6,"subscribe":{"after":-5}}', '{"id":7,"subscribe":{"after":"abc"}}', '{"id":8,"subscribe":{"after":1.5}}'], [6, 7, 8])
    expect(got.find(m => m.id === 6)).toEqual({ id: 6, error: expect.objectContaining({ code: 'INVALID_INPUT', message: 'after: not a seq (a whole number, 0 or more): -5' }) })
    expect(got.find(m => m.id === 7).error).toMatchObject({ code: 'INVALID_INPUT', message: 'after: not a seq (a whole number, 0 or more): "abc"' })
    expect(got.find(m => m.id === 8).error).toMatchObject({ code: 'INVALID_INPUT', message: 'after: not a seq (a whole number, 0 or more): 1.5' })
    expect(got.some(m => m.subscribed === true || m.event !== undefined)).toBe(false)
  }, 30_000)

  it('refuses session keys that are no strings', async () => {
    const got = await exchange(['{"id":9,"subscribe":{"after":"abc","sessions":[1,2]}}', '{"id":10,"subscribe":{"sessions":[1,2]}}'], [9, 10])
    expect(got.find(m => m.id === 9).error.code).toBe('INVALID_INPUT')
    expect(got.find(m => m.id === 10).error).toMatchObject({ code: 'INVALID_INPUT', message: 'sessions: not a list of session keys (strings): [1,2]' })
  }, 30_000)

  it('refuses an id that is no whole number, and answers a good one', async () => {
    const got = await exchange(['{"id":1.5,"method":"node.status"}', '{"id":2,"method":"node.status"}'], [null, 2])
    expect(got.find(m => m.id === null).error).toMatchObject({ code: 'INVALID_INPUT', message: 'a request needs an id that is a whole number' })
    expect(got.find(m => m.id === 2).result).toBeDefined()
    expect(got.some(m => m.id === 1.5)).toBe(false)
  }, 30_000)
})
