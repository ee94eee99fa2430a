/** Which of two connections to one sibling is kept (src/node/one-connection.ts). */
import { describe, expect, it } from 'vitest'
import type { Connection } from '@libp2p/interface'
import { MEMBERSHIP_PROTOCOL, PAIR_PROTOCOL } from '../../protocols/membership/index.js'
import { surplus } from '../../src/node/one-connection.js'

const conn = (name: string, opts: { relayed?: boolean, protocols?: string[], status?: string } = {}): Connection => ({
  id: name,
  status: opts.status ?? 'open',
  remoteAddr: { toString: () => opts.relayed === true ? '/ip4/10.0.0.1/tcp/1/p2p/QmRelay/p2p-circuit' : '/ip4/10.0.0.2/tcp/2' },
  streams: (opts.protocols ?? []).map(protocol => ({ protocol }))
}) as unknown as Connection

/** The sync session runs on the connection named `on`. */
const syncOn = (on: string) => (c: Connection): boolean => c.id === on
const ids = (s: { close: Connection[] }): string[] => s.close.map(c => c.id)

describe('surplus connections', () => {
  it('keeps the one sync runs on and closes the other', () => {
    expect(ids(surplus([conn('a'), conn('b')], syncOn('a')))).toEqual(['b'])
    expect(ids(surplus([conn('a'), conn('b', { protocols: ['/ipfs/id/1.0.0'] })], syncOn('b')))).toEqual(['a'])
  })

  it('closes nothing until sync runs on one, and nothing when one is open', () => {
    expect(surplus([conn('a'), conn('b')], () => false)).toEqual({ close: [], later: false })
    expect(surplus([conn('a'), conn('b', { status: 'closing' })], syncOn('a'))).toEqual({ close: [], later: false })
  })

  it('keeps a direct connection over a relayed one that carries sync (sync opens again on it)', () => {
    expect(ids(surplus([conn('r', { relayed: true }), conn('d')], syncOn('r')))).toEqual(['r'])
  })

  it('never closes one that carries a pairing or a relayed circuit', () => {
    expect(surplus([conn('a'), conn('b', { protocols: [PAIR_PROTOCOL] })], syncOn('a'))).toEqual({ close: [], later: false })
    expect(surplus([conn('a'), conn('b', { protocols: ['/libp2p/circuit/relay/0.2.0/stop'] })], syncOn('a'))).toEqual({ close: [], later: false })
  })

  it('waits for one still in its membership handshake (closed then, the peer would read as refused)', () => {
    expect(surplus([conn('a'), conn('b', { protocols: [MEMBERSHIP_PROTOCOL] })], syncOn('a'))).toEqual({ close: [], later: true })
    expect(ids(surplus([conn('a'), conn('b')], syncOn('a')))).toEqual(['b'])
  })
})
