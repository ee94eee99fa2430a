/**
 * Owning a blind mirror's home (`mesh join --mirror`): open its keyless vault (creating the home
 * with the wallet on first use), start its node, and serve the part of the API a mirror can
 * answer on the home's socket: `node.status` (with the mirror role), `node.stop`, `peers.list`.
 * Every other method needs the vault key and is refused with MISSING_CAPABILITY.
 */
import { MissingCapabilityError } from '../errors.js'
import { isExpired, type Wallet } from '../identity/index.js'
import type { MeshNode, MeshNodeOptions, NodeEvent } from '../node/mesh.js'
import { diskReport } from '../node/disk-report.js'
import { enrolMirror, isMirrorHome, MirrorVault } from '../node/mirror.js'
import { isInitialized } from '../store/index.js'
import type { MeshApi } from './api.js'
import type { Input, MethodName, Output } from './schema.js'
import { serveRpc } from './rpc.js'

export interface MirrorHostOptions {
  home: string
  /** Needed only to create the mirror's home. */
  wallet?: () => Promise<Wallet | undefined>
  label?: string
  node: MeshNodeOptions
  onStop?: () => void
  onNodeEvent?: (e: NodeEvent) => void
  /** Serve the API on the home's socket. @default true */
  serve?: boolean
}

export interface MirrorHost {
  readonly mirror: MirrorVault
  readonly node: MeshNode
  readonly api: MeshApi
  /** The home was created now. */
  readonly created: boolean
  close: () => Promise<void>
}

export async function hostMirror (opts: MirrorHostOptions): Promise<MirrorHost> {
  let created = false
  if (!(await isInitialized(opts.home)) || !(await isMirrorHome(opts.home))) {
    const wallet = await opts.wallet?.()
    if (wallet === undefined && !(await isInitialized(opts.home))) throw new MissingCapabilityError(`home ${opts.home} is not set up: a mirror is certified once by the wallet`, { home: opts.home }, { hint: { sep: ' ', cli: '(pass --wallet PATH)', mcp: '(a person sets it up with the wallet, on this machine)' } })
    // A member's home is refused here (it holds vault keys): enrolMirror says so.
    if (wallet !== undefined) { await enrolMirror(opts.home, wallet, { label: opts.label }); created = true }
  }
  const mirror = await MirrorVault.open({ home: opts.home })
  let node: MeshNode | undefined
  let server: { close: () => Promise<void> } | undefined
  const close = async (): Promise<void> => {
    await server?.close()
    await node?.stop()
    await mirror.close()
  }
  try {
    const { MeshNode } = await import('../node/mesh.js')
    node = await MeshNode.start(mirror, opts.node)
    if (opts.onNodeEvent !== undefined) node.on('event', opts.onNodeEvent)
    const api = mirrorApi(mirror, node, opts.onStop)
    if (opts.serve !== false) server = await serveRpc(api, opts.home)
    let closing: Promise<void> | undefined
    return { mirror, node, api, created, close: async () => { closing ??= close(); await closing } }
  } catch (err) {
    await close()
    throw err
  }
}

function mirrorApi (mirror: MirrorVault, node: MeshNode, onStop?: () => void): MeshApi {
  const handlers: Partial<{ [M in MethodName]: (input: Input<M>) => Promise<Output<M>> }> = {
    'node.status': async () => {
      const id = mirror.identity
      const s = mirror.store.stats()
      const st = node.status()
      // A mirror never takes a snapshot: none waits.
      const { full, ...disk } = await diskReport(mirror.store)
      return {
        home: mirror.home,
        wallet: id.wallet,
        deviceId: id.device.deviceId,
        label: id.certificate.label,
        capabilities: [...id.certificate.capabilities],
        // Documents cannot be named or counted by kind without the key.
        sessions: 0,
        memory: 0,
        skills: 0,
        devices: mirror.certs.all().length,
        store: { docs: s.docs, entries: s.entries, snapshots: s.snapshots, logBytes: s.logBytes },
        // A mirror checks nothing it cannot open: only its own store's damage is its to tell.
        setAside: { damaged: (await mirror.store.damaged()).length, quarantined: 0, forks: 0, unmoved: 0 },
        diskFull: full,
        disk,
        certificate: { version: id.certificate.version, writable: false, expiresAt: id.certificate.expiresAt, expired: isExpired(id.certificate, Date.now(), 0), superseded: false },
        daemon: { running: true, pid: process.pid, listen: st.addresses, peers: st.peers, mirror: true, relay: st.relay, relayVia: st.relayVia }
      }
    },
    'node.stop': async () => {
      if (onStop === undefined) return { stopping: false }
      setImmediate(onStop)
      return { stopping: true }
    },
    'peers.list': async (input) => {
      const peers = await node.peers({ rtt: input.rtt })
      return peers.map(p => ({ ...p, via: String(p.via), transfers: [] }))
    }
  }
  return {
    call: async (method, input) => {
      const h = handlers[method] as ((i: typeof input) => Promise<any>) | undefined
      if (h === undefined) throw new MissingCapabilityError(`this home is a blind mirror: it holds no vault key, so \`${method}\` cannot run here (run it on a member device)`, { method, reason: 'mirror' })
      return await h(input)
    },
    subscribe: () => () => {},
    close: async () => {}
  }
}
