/**
 * `mesh join --mirror`: run this home as a blind mirror, an always-on node that holds no vault
 * key and stores and forwards what members write (src/node/mirror.ts). The home is created on
 * first use with the wallet (a device key and a certificate, never vault keys); afterwards the
 * wallet is not needed. Prints who it is, where it listens and its roles, then one line per peer
 * and per document it takes, until SIGINT/SIGTERM or `mesh stop`.
 */
import type { NodeEvent } from '../../node/mesh.js'
import type { MeshNodeOptions } from '../../node/mesh.js'
import { stdout as out, untilStopped, userWallet, type Globals } from '../context.js'

export async function runMirror (g: Globals, opts: { label?: string, node: MeshNodeOptions, format: (e: NodeEvent) => string | undefined }): Promise<number> {
  const { hostMirror } = await import('../../api/mirror.js')
  let stop!: () => void
  const stopped = new Promise<void>(resolve => { stop = resolve })
  let started = false
  const early: NodeEvent[] = []
  const print = (e: NodeEvent): void => {
    if (g.json) { out.line(JSON.stringify({ ...e, event: e.type })); return }
    const line = opts.format(e)
    if (line !== undefined) out.line(line)
  }
  let walletPath: string | undefined
  const host = await hostMirror({
    home: g.home,
    label: opts.label,
    node: opts.node,
    wallet: async () => {
      const w = await userWallet(g.wallet)
      walletPath = w?.path
      return w
    },
    onStop: () => { stop() },
    onNodeEvent: (e) => { if (!started) early.push(e); else print(e) }
  })
  try {
    const id = host.mirror.identity
    const st = host.node.status()
    if (g.json) out.line(JSON.stringify({ event: 'started', mirror: true, home: host.mirror.home, wallet: id.wallet, deviceId: id.device.deviceId, label: id.certificate.label, created: host.created, walletPath, listen: st.addresses, relay: host.node.config.relay, relayVia: st.relayVia ?? [], pid: process.pid }))
    else {
      if (host.created) out.line(`mirror home created, certified by the wallet in ${walletPath ?? 'the wallet given'}: it holds no vault key, and needs the wallet no more`)
      out.line(`wallet:       ${id.wallet}`)
      out.line(`device:       ${id.device.deviceId} (${id.certificate.label})`)
      out.line('role:         blind mirror: stores and forwards sealed entries, checks every signature and certificate, holds no vault key, never writes')
      out.line(`home:         ${host.mirror.home}`)
      for (const a of st.addresses) out.line(`listening:    ${a}`)
      out.line(`discovery:    mdns ${host.node.config.mdns ? 'on' : 'off'}, dht ${host.node.config.dht}`)
      if (host.node.config.relay) out.line('relay:        serving members only (circuit relay v2, no limits); strangers cannot reserve')
      for (const v of st.relayVia ?? []) out.line(`relay via:    ${v.relay} ${v.state === 'reserved' ? 'reserved' : `not reserved yet (${v.lastError ?? 'trying'}); retrying in the background`}`)
    }
    started = true
    for (const e of early.splice(0)) print(e)
    if (!g.json) out.line(`running (pid ${process.pid}); Ctrl-C or \`mesh stop\` stops it`)
    await untilStopped(stopped)
  } finally {
    await host.close()
  }
  out.line(g.json ? JSON.stringify({ event: 'stopped' }) : 'stopped; store flushed')
  return 0
}
