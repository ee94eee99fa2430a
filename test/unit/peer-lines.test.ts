import { describe, expect, it } from 'vitest'
import { peerLines } from '../../src/cli/commands/peer-lines.js'
import { localTime } from '../../src/cli/context.js'

const peer = { peerId: '12D3KooWexample', label: 'desktop', capabilities: ['read', 'write'], addrs: [], connections: [], via: 'mdns', behind: {}, inFlight: {}, lacking: {}, inSync: false, diskFull: false, transfers: [] }

describe('peer lines', () => {
  it('say when an offline peer was last seen instead of saying offline twice', () => {
    const at = Date.UTC(2026, 11, 3, 9, 20, 47)
    expect(peerLines({ ...peer, state: 'offline', lastSeen: at })).toEqual([`desktop\t12D3KooWexample\t[read, write]\toffline\tvia mdns\tlast seen ${localTime(at)}`])
    expect(peerLines({ ...peer, state: 'offline' })[0]).toMatch(/\toffline\tvia mdns\tnever seen$/)
    expect(peerLines({ ...peer, state: 'connected', inSync: true, lastSeen: at })[0]).toMatch(/\tconnected\tvia mdns\tin sync$/)
  })

  it('show a tab or a line break in a peer\'s label (another device\'s text), so the peer stays one line of its columns', () => {
    expect(peerLines({ ...peer, label: 'a\tb\nc', state: 'offline' })[0]).toMatch(/^a\^Ib⏎c\t12D3KooWexample\t\[read, write\]\toffline\t/)
  })

  it('say which of what a peer lacks is still in flight to it', () => {
    const row = { ...peer, state: 'connected' as const, behind: { 'agent:main:fix': 3, memory: 1, skills: 2, 'session list': 0 }, inFlight: { 'agent:main:fix': 3, memory: 1, skills: 1 } }
    expect(peerLines(row)[0]).toMatch(/\tit lacks: agent:main:fix \(3 entries, all in flight\), memory \(1 entry, it is in flight\), skills \(2 entries, 1 in flight\)$/)
  })
})
