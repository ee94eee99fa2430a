/**
 * src/api/not-here.ts: what "no session KEY" says beyond the fact. A device that cannot create
 * sessions (read-only) is told only where sessions come from, as the vault says; what could still
 * bring the session is in the error's details for it too (`mayCome`). A script asking for a session
 * this device is still catching up on gets exit 1 (ask again), as for one arriving.
 */
import { describe, expect, it } from 'vitest'
import { notHere } from '../../src/api/not-here.js'
import { exitCodeFor } from '../../src/cli/exit-codes.js'
import { SessionNotFoundError } from '../../src/errors.js'
import type { PeerStanding } from '../../src/node/mesh-status.js'

const vaultSays = (): SessionNotFoundError => new SessionNotFoundError('no session agent:main:x', { key: 'agent:main:x' }, {
  hint: { sep: ' ', cli: '(sessions come from devices that write)', mcp: '(sessions come from devices that write)' }
})
const siblings = [{ deviceId: '12D3KooWdesktop', label: 'desktop' }]

describe('no session KEY on a device that cannot create it', () => {
  it('keeps the vault\'s words, and says in the details what could still bring it', () => {
    const err = notHere(vaultSays(), 'agent:main:x', [], siblings, undefined, false)
    expect(err.message).toBe('no session agent:main:x (sessions come from devices that write)')
    expect(err.details).toEqual({ key: 'agent:main:x', mayCome: { reason: 'no-node', from: ['desktop'] } })
  })

  it('a writable device is told in words too', () => {
    const err = notHere(vaultSays(), 'agent:main:x', [], siblings, undefined, true)
    expect(err.message).toMatch(/^no session agent:main:x \(no `mesh join` runs for this home: /)
    expect(err.details.mayCome).toEqual({ reason: 'no-node', from: ['desktop'] })
  })

  it('with nothing that could bring it and no near name, the error is the vault\'s, as it was', () => {
    const given = vaultSays()
    expect(notHere(given, 'agent:main:x', [], [], undefined, false)).toBe(given)
  })
})

describe('a near name', () => {
  it('is the same session id under another agent first: a bare id names agent:main:, where an agent\'s session is agent:<agent>:', () => {
    const listed = ['agent:claude:1af7fc5e-aa', 'agent:main:1af7fc5e-ab', 'agent:codex:other']
    const err = notHere(vaultSays(), 'agent:main:1af7fc5e-aa', listed, [], undefined, true)
    expect(err.message).toBe('no session agent:main:x (did you mean `agent:claude:1af7fc5e-aa`? `mesh sessions` lists them. If not: sessions come from devices that write)')
    expect(err.details.near).toBe('agent:claude:1af7fc5e-aa')
    // Otherwise a typo, as before.
    expect(notHere(vaultSays(), 'agent:main:1af7fc5e-ac', listed, [], undefined, true).details.near).toBe('agent:main:1af7fc5e-ab')
    // `codex:ID` typed bare is agent:main:codex:ID: the session is agent:codex:ID.
    expect(notHere(vaultSays(), 'agent:main:codex:other', listed, [], undefined, true).details.near).toBe('agent:codex:other')
    // Ids that differ in their digits alone are two sessions, under any agent, however long.
    expect(notHere(vaultSays(), 'agent:main:task-4', ['agent:claude:task-3'], [], undefined, true).details).not.toHaveProperty('near')
    expect(notHere(vaultSays(), 'agent:main:nightly-build-run-17', ['agent:claude:nightly-build-run-18'], [], undefined, true).details).not.toHaveProperty('near')
    // An agent's id copied without its last character.
    expect(notHere(vaultSays(), 'agent:main:5b0c3a1e-9d2f-4b7a-8c1e-2f4d8b6c1a9', ['agent:codex:5b0c3a1e-9d2f-4b7a-8c1e-2f4d8b6c1a97'], [], undefined, true).details.near).toBe('agent:codex:5b0c3a1e-9d2f-4b7a-8c1e-2f4d8b6c1a97')
  })
})

describe('the exit code of no session KEY', () => {
  const peer = (over: Partial<PeerStanding>): PeerStanding => ({ peerId: '12D3KooWdesktop', connected: true, catching: false, ...over })
  const codeWith = (peers: PeerStanding[] | undefined): number => {
    const err = notHere(vaultSays(), 'agent:main:x', [], siblings, peers, true)
    return exitCodeFor(err.code, err.details)
  }

  it('is 1 while this device still takes in what an online sibling has: the session may be in it', () => {
    expect(codeWith([peer({ catching: true })])).toBe(1)
  })

  it('is 2 where waiting alone brings nothing: the sibling offline, no node here, or every sibling in sync', () => {
    expect(codeWith([peer({ connected: false })])).toBe(2)
    expect(codeWith(undefined)).toBe(2)
    expect(codeWith([peer({})])).toBe(2)
  })
})
