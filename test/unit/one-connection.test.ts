/** Which of two connections to one sibling is kept (src/node/one-connection.ts). */
import { describe, expect, it } from 'vitest'
import type { Connection } from '@libp2p/interface'
import { PAIR_PROTOCOL } from '../../protocols/membership/index.js'
import { SYNC_PROTOCOL } from '../../protocols/sync/index.js'
import { surplus } from '../../src/node/one-connection.js'

const conn = (name: string, opts: { relayed?: boolean, protocols?: string[], status?: string } = {}): Connection => ({
  id: name,
  status: opts.status ?? 'open',
  remoteAddr: { toString: () => opts.relayed === true ? '/ip4/10.0.0.1/tcp/1/p2p/QmRelay/p2p-circuit' : '/ip4/10.0.0.2/tcp/2' },
  streams: (opts.protocols ?? []).map(protocol => ({ protocol }))
}) as unknown as Connection

const ids = (cs: Connection[]): string[] => cs.map(c => c.id)

describe('surplus connections', () => {
  it('keeps the one sync runs on and closes the other', () => {
    expect(ids(surplus([conn('a', { protocols: [SYNC_PROTOCOL] }), conn('b')]))).toEqual(['b'])
    expect(ids(surplus([conn('a'), conn('b', { protocols: ['/ipfs/id/1.0.0', SYNC_PROTOCOL] })]))).toEqual(['a'])
  })

  it('closes nothing until sync runs on one, and nothing when one is open', () => {
    expect(surplus([conn('a'), conn('b')])).toEqual([])
    expect(surplus([conn('a', { protocols: [SYNC_PROTOCOL] }), conn('b', { status: 'closing' })])).toEqual([])
  })

  it('keeps a direct connection over a relayed one that carries sync (sync opens again on it)', () => {
    expect(ids(surplus([conn('r', { relayed: true, protocols: [SYNC_PROTOCOL] }), conn('d')]))).toEqual(['r'])
  })

  it('never closes one that carries a pairing or a relayed circuit', () => {
    expect(surplus([conn('a', { protocols: [SYNC_PROTOCOL] }), conn('b', { protocols: [PAIR_PROTOCOL] })])).toEqual([])
    expect(surplus([conn('a', { protocols: [SYNC_PROTOCOL] }), conn('b', { protocols: ['/libp2p/circuit/relay/0.2.0/stop'] })])).toEqual([])
  })
})
