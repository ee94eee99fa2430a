/**
 * What a "no session KEY" says beyond the fact, where the vault alone (vault.ts `howToMake`)
 * cannot know it: a session of a near name this device holds (a typo), and whether it could still
 * be on its way here: this node catching up with a sibling that is online, siblings that are not
 * online, or no `mesh join` running at all. Only when every online sibling is in sync with this
 * one is "create it" the whole advice: told to create a session that is on its way, a person makes
 * a second one of the same key, and the two merge.
 */
import { SessionNotFoundError, type Hint } from '../errors.js'
import type { Certificate } from '../identity/index.js'
import type { PeerStatus } from '../node/mesh-types.js'
import { nearest } from './nearest.js'

/** How the session might still come here: undefined when it cannot (every online sibling is in sync). */
function stillComing (peers: readonly PeerStatus[] | undefined): Hint | undefined {
  if (peers === undefined) {
    return { cli: 'no `mesh join` runs for this home: a session made on another device comes here only while one does', mcp: 'this device\'s node is not running: a session made on another device comes only while it is' }
  }
  const catching = peers.filter(p => p.state === 'connected' && !p.inSync).map(p => p.label)
  if (catching.length > 0) {
    const who = catching.join(', ')
    return { cli: `this device is still catching up with ${who}: it may be on its way (\`mesh peers\` shows how far)`, mcp: `this device is still catching up with ${who}: it may be on its way (sessions_wait waits for it)` }
  }
  if (peers.length > 0 && !peers.some(p => p.state === 'connected')) {
    const who = peers.map(p => p.label).join(', ')
    return { cli: `no sibling is online now (${who}): it may be on one of them, and comes once both are online`, mcp: `no sibling is online now (${who}): it may be on one of them, and comes once both are online (sessions_wait waits for it)` }
  }
  return undefined
}

/** The hint's words without the parentheses a hint of sep ' ' is written in. */
const bare = (s: string | undefined): string | undefined => s?.replace(/^\((.*)\)$/s, '$1')

/**
 * The not-found error `err` (vault.ts: no session KEY, with how to make it) with what this device
 * knows besides: `listed`, the session keys it holds; `peers`, its node's siblings (undefined: no
 * node runs on a device that has siblings; empty: none that could have it). An error without a
 * hint (a revoked device's) is returned as it is.
 */
export function notHere (err: SessionNotFoundError, key: string, listed: readonly string[], peers: readonly PeerStatus[] | undefined): SessionNotFoundError {
  if (err.hint === undefined) return err
  const near = nearest(key, listed.filter(k => k !== key))
  if (near !== undefined) {
    return new SessionNotFoundError(err.fact, { ...err.details, near }, {
      hint: { sep: ' ', cli: `(did you mean \`${near}\`? \`mesh sessions\` lists them)`, mcp: `(did you mean ${near}? sessions_list lists them)` }
    })
  }
  const coming = stillComing(peers)
  if (coming === undefined) return err
  return new SessionNotFoundError(err.fact, err.details, {
    hint: { sep: ' ', cli: `(${coming.cli as string}; if no device has it: ${bare(err.hint.cli) ?? ''})`, mcp: `(${coming.mcp as string}; if no device has it: ${bare(err.hint.mcp) ?? ''})` }
  })
}

/**
 * The siblings that write which this device is not known to be in sync with now (offline, or still
 * catching up; without a node, every one): a session one of them made under a key this device
 * creates too merges with it once they sync (both transcripts kept, one goal and title).
 * `peers`: the node's (undefined: none runs); `others`: the devices of the vault but this one.
 */
export function notSyncedWith (peers: readonly PeerStatus[] | undefined, others: readonly Certificate[], revoked: (c: Certificate) => boolean): string[] {
  const writers = others.filter(c => c.capabilities.includes('write') && !revoked(c))
  if (peers === undefined) return writers.map(c => c.label)
  const synced = new Set(peers.filter(p => p.inSync).map(p => p.label))
  return writers.map(c => c.label).filter(l => !synced.has(l))
}
