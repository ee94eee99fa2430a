/**
 * mesh: an agent's session, memory and skills as end-to-end-encrypted Yjs documents that follow
 * their owner from machine to machine.
 *
 * @example
 * import { openVault } from '@mesh-agent/mesh'
 * const vault = await openVault({ wallet: 'wallet.json' })
 * const session = await vault.sessions.openOrCreate('my-task', { goal: 'ship it' })
 * await session.append({ role: 'assistant', content: 'on it' })
 * await session.close(); await vault.close()
 */
import './polyfill.js'
export * from './errors.js'
export * from './sdk/index.js'
export { parseSessionKey, type Message, type NewMessage, type TaskState, type TaskUpdate, type Lease, type SessionMeta, type MemoryEntry, type Skill, type SessionSummary } from '../crdt/index.js'
export { generateWallet, loadWallet, parseWalletFile, writeNewWallet, type Wallet } from './identity/index.js'
export { MeshNode, type MeshNodeOptions, type NodeEvent, type PeerStatus } from './node/mesh.js'
