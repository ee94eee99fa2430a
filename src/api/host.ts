/**
 * Owning a home: open its vault (creating it with the wallet on first use), optionally start its
 * node, and serve the API on the home's socket so that every other command and SDK client goes
 * through this process instead of opening the home itself. `mesh join`, `mesh watch` and
 * `mesh mcp` without a daemon, and the SDK's `openMesh` all own a home this way. `close()`
 * stops in order: the socket, the API, the node, then the vault (its store flushed).
 */
import type { MeshNode, MeshNodeOptions, NodeEvent } from '../node/mesh.js'
import type { Wallet } from '../identity/index.js'
import { createLocalApi, type LocalApi } from './local.js'
import { serveRpc } from './rpc.js'
import { openVault, type MeshVault } from './vault.js'

export interface HostOptions {
  home: string
  /** A loaded wallet or the path of one; needed only to create the home. */
  wallet?: Wallet | string
  readOnly?: boolean
  /** A set-up home that cannot be written is opened only to read (VaultOptions.readIfNotWritable); never with `serve` (no socket can be made there). */
  readIfNotWritable?: boolean
  label?: string
  /** Start this home's libp2p node with these options; false: no node (local changes only). */
  node?: MeshNodeOptions | false
  /** Serve the API on the home's socket. @default true */
  serve?: boolean
  /** Called when a client asks the daemon to stop (`mesh stop`). */
  onStop?: () => void
  /**
   * Called for every node event, from the node's start on (events of the start itself, such as a
   * sibling proven meanwhile, are replayed to the listeners present when it returns).
   */
  onNodeEvent?: (e: NodeEvent) => void
  /** What `node.status` says about the HTTP API, when one is served. */
  http?: () => string | undefined
}

export interface Host {
  readonly vault: MeshVault
  readonly node?: MeshNode
  readonly api: LocalApi
  close: () => Promise<void>
}

export async function hostHome (opts: HostOptions): Promise<Host> {
  const vault = await openVault({ home: opts.home, wallet: opts.wallet, readOnly: opts.readOnly, label: opts.label, readIfNotWritable: opts.readIfNotWritable })
  let node: MeshNode | undefined
  let api: LocalApi | undefined
  let server: { close: () => Promise<void> } | undefined
  const close = async (): Promise<void> => {
    await server?.close()
    await api?.close()
    await node?.stop()
    await vault.close()
  }
  try {
    if (opts.node !== false && opts.node !== undefined) {
      const { MeshNode } = await import('../node/mesh.js')
      node = await MeshNode.start(vault.vault, opts.node)
      if (opts.onNodeEvent !== undefined) node.on('event', opts.onNodeEvent)
    }
    // A home opened for one command is no daemon; one served to others is.
    api = await createLocalApi({ vault, node, onStop: opts.onStop, daemon: opts.serve !== false ? { pid: process.pid, http: opts.http } : undefined })
    if (opts.serve !== false) server = await serveRpc(api, vault.info().home)
  } catch (err) {
    await close()
    throw err
  }
  let closing: Promise<void> | undefined
  return { vault, node, api, close: async () => { closing ??= close(); await closing } }
}
