/**
 * sdk: what agents import. `open()` gives the same client whether or not `mesh join` runs for
 * the home: through the running daemon when one answers, otherwise owning the home (its vault,
 * and its node unless `node: false`) in this process, serving it to other commands meanwhile.
 *
 * @example
 * const mesh = await open({ home: './.mesh' })
 * await mesh.sessions.create({ key: 'agent:main:refactor', goal: 'split the parser' })
 * await mesh.sessions.resume({ key: 'refactor' })           // takes the driver lease
 * await mesh.sessions.append({ key: 'refactor', role: 'user', content: 'start with the lexer' })
 * const off = mesh.on(({ event }) => { if (event.type === 'message.appended') console.log(event.messages) }, { sessions: ['refactor'] })
 * off(); await mesh.close()
 */
import { resolve } from 'node:path'
import { DaemonNotRunningError } from '../errors.js'
import { expandHome, type Wallet } from '../identity/index.js'
import type { MeshNodeOptions } from '../node/mesh.js'
import { defaultHome } from '../store/index.js'
import { connectRpc, hostHome, meshClient, type MeshClient } from '../api/index.js'

export { openVault, MeshVault, Session, type OpenVaultOptions, type VaultInfo, type VaultStatus, type ResumeInfo, type SessionEvent, type LeaseView, type WriteOptions, LEASE_TTL_MS, LEASE_SKEW_MS } from '../api/index.js'
export { findWalletPath, resolveWallet, resolveOrGenerateWallet } from '../api/index.js'
export type { MeshClient, MeshApi, EventRecord, ApiEvent, MethodName, Input, Output } from '../api/index.js'

export interface OpenMeshOptions {
  /** The home directory. @default $MESH_HOME or ~/.local/share/mesh */
  home?: string
  /** A loaded wallet, or the path of a Solana keypair file; needed only to create the home. */
  wallet?: Wallet | string
  /**
   * A home this call sets up enrols as a read-only device. It says nothing of a home already set
   * up (its certificate says what it may do: `status().capabilities`), nor of a daemon's client.
   */
  readOnly?: boolean
  /** The label of a device this call sets up (its host name otherwise); like readOnly, only then. */
  label?: string
  /**
   * The node's options (listen, bootstrap, mdns, dht), or false to run without a node, when this
   * process owns the home; `open()` beside a running `mesh join` uses that daemon's node. @default {}
   */
  node?: MeshNodeOptions | false
}

const homeOf = (home?: string): string => resolve(expandHome(home ?? defaultHome()))

/** Owns the home in this process: its vault and (unless `node: false`) its node; other commands go through it meanwhile. */
export async function openMesh (opts: OpenMeshOptions = {}): Promise<MeshClient> {
  const host = await hostHome({ home: homeOf(opts.home), wallet: opts.wallet, readOnly: opts.readOnly, label: opts.label, node: opts.node ?? {} })
  return meshClient(host.api, 'in-process', host.close)
}

/** The client of the daemon (`mesh join`) of a home; DaemonNotRunningError when none runs. */
export async function connectMesh (opts: { home?: string } = {}): Promise<MeshClient> {
  const home = homeOf(opts.home)
  const rpc = await connectRpc(home)
  if (rpc === undefined) throw new DaemonNotRunningError(`no mesh daemon runs for home ${home}: start one with \`mesh join\`, or use open()`, { home })
  return meshClient(rpc, 'daemon')
}

/** The daemon's client when `mesh join` runs for the home, else `openMesh`. */
export async function open (opts: OpenMeshOptions = {}): Promise<MeshClient> {
  const rpc = await connectRpc(homeOf(opts.home))
  if (rpc !== undefined) return meshClient(rpc, 'daemon')
  return await openMesh(opts)
}
