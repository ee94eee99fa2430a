/**
 * What a "no session KEY" says beyond the fact, where the vault alone (vault.ts `howToMake`)
 * cannot know it: a session of a near name this device holds (a typo, or the same session id
 * under another agent: `agent:claude:ID` for a bare `ID`), and whether it could still
 * be on its way here: a sibling that writes is offline, this node is still taking in what one has,
 * or no `mesh join` runs at all. Only when every sibling that writes is online and has nothing
 * more for this one (or there is none) is "create it" the whole advice: told to create a session
 * that is on its way, a person makes a second one of the same key, and the two merge.
 */
import { SessionNotFoundError } from '../errors.js'
import { equals, type Certificate } from '../identity/index.js'
import type { PeerStanding } from '../node/mesh-status.js'
import { nearest } from './nearest.js'
import { labelList as list } from './words.js'

/** A device of the vault, other than this one, that writes and is not revoked: one that can make sessions. */
export interface Sibling { deviceId: string, label: string }

/** What siblingsOf reads of a vault. */
interface VaultView {
  certs: { all: () => readonly Certificate[], isRevoked: (deviceKey: Uint8Array) => boolean }
  identity: { device: { publicKey: Uint8Array } }
}

/**
 * The siblings that could have made a session (by the registry), and where the node's peers
 * stand (undefined: no node runs): asked on every "no session KEY", which a `mesh watch` waiting
 * for one asks each second, so the node's cheap standings, not its per-document report.
 */
export async function siblingsOf (vault: VaultView, node: { standings: () => PeerStanding[] } | undefined): Promise<{ siblings: Sibling[], peers: PeerStanding[] | undefined }> {
  const me = vault.identity.device.publicKey
  const siblings = vault.certs.all()
    .filter(c => !equals(c.deviceKey, me) && c.capabilities.includes('write') && !vault.certs.isRevoked(c.deviceKey))
    .map(c => ({ deviceId: c.deviceId as string, label: c.label }))
  return { siblings, peers: siblings.length > 0 && node !== undefined ? node.standings() : undefined }
}

/** Where the siblings stand for this device: undefined without a node (nothing is known of any). */
interface Standing { offline: string[], catching: string[] }

/**
 * The siblings whose sessions this device may not have yet, by label: those not connected now,
 * and those it is still taking something in from (entries it lacks there, a transfer in). A
 * sibling that is only behind this device (it wrote just now), whose disk is full or whose
 * content differs has nothing more for it. Undefined when no node runs (`peers` undefined).
 */
function standing (siblings: readonly Sibling[], peers: readonly PeerStanding[] | undefined): Standing | undefined {
  if (peers === undefined) return undefined
  const byId = new Map(peers.map(p => [p.peerId, p]))
  const out: Standing = { offline: [], catching: [] }
  for (const s of siblings) {
    const p = byId.get(s.deviceId)
    if (p === undefined || !p.connected) out.offline.push(s.label)
    else if (p.catching) out.catching.push(s.label)
  }
  return out
}

/** The labels of the siblings this device may not have everything of now (every one, without a node). */
export function notSyncedWith (siblings: readonly Sibling[], peers: readonly PeerStanding[] | undefined): string[] {
  const s = standing(siblings, peers)
  return s === undefined ? siblings.map(x => x.label) : [...s.catching, ...s.offline]
}

/**
 * Why the session may still come, for a script (the error's `details.mayCome`): no node runs here
 * (`from`: every sibling that writes), this node is still taking in what `from` have, or `from`
 * are offline.
 */
export interface MayCome { reason: 'no-node' | 'catching-up' | 'offline', from: string[] }

/** How the session might still come here, for each front-end; undefined when nothing could bring it. */
function stillComing (siblings: readonly Sibling[], peers: readonly PeerStanding[] | undefined): { cli: string, mcp: string, why: MayCome } | undefined {
  if (siblings.length === 0) return undefined
  const s = standing(siblings, peers)
  if (s === undefined) {
    return { cli: 'no `mesh join` runs for this home: a session made on another device comes here only while one does', mcp: 'this device\'s node is not running: a session made on another device comes only while it is', why: { reason: 'no-node', from: siblings.map(x => x.label) } }
  }
  if (s.catching.length > 0) {
    const who = list(s.catching)
    return { cli: `this device is still catching up with ${who}: it may be on its way (\`mesh peers\` shows how far)`, mcp: `this device is still catching up with ${who}: it may be on its way (sessions_wait waits for it)`, why: { reason: 'catching-up', from: s.catching } }
  }
  if (s.offline.length > 0) {
    const one = s.offline.length === 1
    const words = one
      ? `${s.offline[0] as string} is not online now: the session may be there, and comes here once ${s.offline[0] as string} is online`
      : `${list(s.offline)} are not online now: the session may be on one of them, and comes here once that one is online`
    return { cli: words, mcp: `${words} (sessions_wait waits for it)`, why: { reason: 'offline', from: s.offline } }
  }
  return undefined
}

/** The hint's words without the parentheses a hint of sep ' ' is written in. */
const bare = (s: string | undefined): string => s?.replace(/^\((.*)\)$/s, '$1') ?? ''
/** An agent's id (a UUID, or the hex of one): copied rather than typed, its digits no numbering. */
const AGENT_ID = /^[0-9a-f-]{16,}$/i
/** A key's part after its agent id: `agent:claude:s1` -> `s1`. */
const sessionPart = (k: string): string => k.split(':').slice(2).join(':')
/**
 * The key whose session id is a typo of `part` (an id copied without its last character), under
 * any agent. Ids that differ in their digits alone are two sessions (task-3, task-4,
 * run-2024-01); an agent's id (AGENT_ID, mostly digits) is copied, not numbered: a near one is a typo.
 */
function nearestByPart (part: string, keys: readonly string[]): string | undefined {
  const byPart = new Map(keys.map(k => [sessionPart(k), k]))
  const p = nearest(part, byPart.keys(), AGENT_ID.test(part) ? () => false : digitsOnly(part))
  return p === undefined ? undefined : byPart.get(p)
}
/** Keys that differ only in their digits are two sessions (task-3, task-4), not a typo of one. */
const digitsOnly = (a: string) => (b: string): boolean => a.replace(/\d/g, '') === b.replace(/\d/g, '')

/**
 * The not-found error `err` (vault.ts: no session KEY, with how to make it) with what this device
 * knows besides: `listed`, the session keys it holds; `siblings`, the devices that could have
 * made it; `peers`, its node's (undefined: no node runs); `writable`, whether this device could
 * create it (one that cannot is told only where sessions come from, as the vault says). Its
 * details gain `near` and `mayCome` (MayCome). An error without a hint (a revoked device's) is
 * returned as it is.
 */
export function notHere (err: SessionNotFoundError, key: string, listed: readonly string[], siblings: readonly Sibling[], peers: readonly PeerStanding[] | undefined, writable: boolean): SessionNotFoundError {
  if (err.hint === undefined) return err
  // The same session under another agent first: `mesh resume 1af7fc5e-…` (the id Codex showed)
  // names agent:main:1af7fc5e-…, where the session is agent:codex:1af7fc5e-…; and `codex:ID`
  // (agent:main:codex:ID) is agent:codex:ID. Then a typo of the whole key, or of the id alone.
  const others = listed.filter(k => k !== key)
  const part = sessionPart(key)
  const near = others.filter(k => sessionPart(k) === part || k.slice('agent:'.length) === part).sort()[0] ??
    nearest(key, others, digitsOnly(key)) ??
    nearestByPart(part, others)
  // A device that cannot create it is told only where sessions come from (the vault's words);
  // what could still bring it is in the details either way.
  const mayCome = stillComing(siblings, peers)
  const coming = writable ? mayCome : undefined
  if (near === undefined && mayCome === undefined) return err
  const details = { ...err.details, ...(near !== undefined ? { near } : {}), ...(mayCome !== undefined ? { mayCome: mayCome.why } : {}) }
  if (near === undefined && coming === undefined) return new SessionNotFoundError(err.fact, details, { hint: err.hint })
  const rest = (front: 'cli' | 'mcp'): string => coming !== undefined ? `${coming[front]}; if no device has it: ${bare(err.hint?.[front])}` : bare(err.hint?.[front])
  const hint = near !== undefined
    ? { sep: ' ', cli: `(did you mean \`${near}\`? \`mesh sessions\` lists them. If not: ${rest('cli')})`, mcp: `(did you mean ${near}? sessions_list lists them. If not: ${rest('mcp')})` }
    : { sep: ' ', cli: `(${rest('cli')})`, mcp: `(${rest('mcp')})` }
  return new SessionNotFoundError(err.fact, details, { hint })
}
