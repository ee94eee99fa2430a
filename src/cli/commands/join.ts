/**
 * mesh join: run this machine's node in the foreground. Sets the home up on first use
 * (generating a wallet when none is found), prints who it is and where it listens, then one
 * line per peer found, proven, refused or lost and per document synced. SIGINT/SIGTERM stop it
 * with the store flushed.
 */
import { hostname } from 'node:os'
import { DaemonRunningError } from '../../errors.js'
import { MeshNode, type NodeEvent } from '../../node/mesh.js'
import { parseDht } from '../../node/config.js'
import { openVault, resolveOrGenerateWallet } from '../../sdk/index.js'
import { isInitialized, readLockPid } from '../../store/index.js'
import { currentOut, stdout as out, untilStopped, type Globals } from '../context.js'
import { daemonRunning, serveControl, type Runner } from '../control.js'
import type { Command } from '../command.js'
import { explainGeneratedWallet } from './identity.js'

const short = (id: string): string => `${id.slice(0, 8)}…${id.slice(-6)}`

export function formatEvent (e: NodeEvent): string {
  switch (e.type) {
    case 'found': return `peer found    ${short(e.peerId)} via ${e.via}`
    case 'proven': return `peer proven   ${e.label} (${short(e.peerId)}) [${e.capabilities.join(', ')}] via ${e.via}`
    case 'refused': return `peer refused  ${short(e.peerId)}: ${e.reason}`
    case 'lost': return `peer lost     ${e.label} (${short(e.peerId)})`
    case 'synced': return e.snapshot ? `synced        ${e.doc} from ${e.label}: snapshot` : `synced        ${e.doc} from ${e.label}: +${e.entries} entries`
    case 'entry-refused': return `refused       from ${e.label}: ${e.reason}`
  }
}

let runner: Runner | undefined
/** main() registers how the daemon runs forwarded commands. */
export function setRunner (r: Runner): void { runner = r }

export const joinCmd: Command = {
  name: 'join',
  usage: 'mesh join [--read-only] [--label NAME] [--listen MULTIADDR]... [--announce MULTIADDR]... [--bootstrap MULTIADDR]... [--no-mdns] [--dht client|server|off]',
  summary: 'run this machine\'s mesh node in the foreground (sets up the home, and a wallet if none is found)',
  options: {
    'read-only': { type: 'boolean' },
    label: { type: 'string' },
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    'no-mdns': { type: 'boolean' },
    dht: { type: 'string' }
  },
  async run (g: Globals, _args, values) {
    if (await daemonRunning(g.home)) {
      throw new DaemonRunningError(`mesh join is already running for home ${g.home}${await pidNote(g.home)}`, { home: g.home })
    }
    const dht = values.dht !== undefined ? parseDht(values.dht) : undefined
    let wallet
    let generated = false
    if (g.wallet !== undefined || !(await isInitialized(g.home))) {
      ({ wallet, generated } = await resolveOrGenerateWallet({ path: g.wallet }))
    }
    if (generated && !g.json) explainGeneratedWallet(wallet?.path as string)
    const v = await openVault({ home: g.home, wallet, readOnly: values['read-only'] === true, label: (values.label as string | undefined) ?? hostname() })
    let node: MeshNode | undefined
    let control: { close: () => Promise<void> } | undefined
    try {
      node = await MeshNode.start(v.vault, {
        listen: values.listen as string[] | undefined,
        announce: values.announce as string[] | undefined,
        bootstrap: values.bootstrap as string[] | undefined,
        mdns: values['no-mdns'] === true ? false : undefined,
        dht
      })
      const info = v.info()
      const addrs = node.addresses()
      if (g.json) out.line(JSON.stringify({ event: 'started', ...info, walletPath: wallet?.path, walletGenerated: generated, listen: addrs, mdns: node.config.mdns, dht: node.config.dht }))
      else {
        out.line(`wallet:       ${info.wallet}`)
        out.line(`device:       ${info.deviceId} (${info.label})`)
        out.line(`capabilities: ${info.capabilities.join(', ')}`)
        out.line(`home:         ${info.home}`)
        for (const a of addrs) out.line(`listening:    ${a}`)
        out.line(`discovery:    mdns ${node.config.mdns ? 'on' : 'off'}, dht ${node.config.dht}`)
      }
      const mine = currentOut()
      node.on('event', (e) => { mine.line(g.json ? JSON.stringify({ event: e.type, ...e }) : formatEvent(e)) })
      if (runner === undefined) throw new Error('no command runner registered for the daemon')
      control = await serveControl(g.home, v, node, runner)
      if (!g.json) out.line('running; other mesh commands on this home now go through this node. Ctrl-C stops it')
      await untilStopped()
    } finally {
      await control?.close()
      await node?.stop()
      await v.close()
    }
    out.line(g.json ? JSON.stringify({ event: 'stopped' }) : 'stopped; store flushed')
    return 0
  }
}

async function pidNote (home: string): Promise<string> {
  const pid = await readLockPid(home)
  return pid !== undefined ? ` (pid ${pid})` : ''
}
