/**
 * mesh join: run this machine's node in the foreground, the daemon that owns the home and serves
 * the API to every other command. Sets the home up on first use (generating a wallet when none
 * is found), prints who it is and where it listens, then one line per peer found, proven, refused
 * or lost and per document synced. SIGINT/SIGTERM or `mesh stop` stop it with the store flushed.
 * mesh stop: asks the running daemon to stop.
 */
import { createServer } from 'node:net'
import { DaemonNotRunningError, DaemonRunningError, UsageError } from '../../errors.js'
import { connectRpc, DaemonForeignError } from '../../api/rpc-client.js'
import type { NodeEvent } from '../../node/mesh.js'
import { formatProgress } from './peer-lines.js'
import { Coalesce } from '../coalesce.js'
import { LiveLine } from '../live-line.js'
import { multiaddrs } from '../multiaddr-flags.js'
import { checkHomeForSocket } from '../socket-home.js'
import { checkLabelFlag } from '../label.js'
import { draw, localTime, revokedWords, notTakenWords, stdout as out, untilStopped, whenHomeFree, type Globals } from '../context.js'
import type { Command } from '../command.js'
import { enrolHome, explainGeneratedWallet, setAsideWords } from './identity.js'
import type { Follower, Released } from '../../agents/index.js'
import { daemonHeap } from '../daemon-heap.js'
import { plural } from '../wording.js'

const short = (id: string): string => `${id.slice(0, 8)}…${id.slice(-6)}`

/**
 * A node event as its line on the terminal. Labels and reasons come from peers: the writers
 * (LiveLine, Out.line) make the line printable, as they do every line.
 */
export function formatEvent (e: NodeEvent): string | undefined {
  switch (e.type) {
    case 'found': return `peer found    ${short(e.peerId)} via ${e.via}`
    case 'proven': return `peer proven   ${e.label} (${short(e.peerId)}) [${e.capabilities.join(', ')}] via ${e.via}`
    case 'refused': return `peer refused  ${e.label !== undefined ? `${e.label} (${short(e.peerId)})` : short(e.peerId)}: ${e.reason}`
    case 'lost': return `peer lost     ${e.label} (${short(e.peerId)})`
    case 'synced': return e.snapshot ? `synced        ${e.doc} from ${e.label}: snapshot` : `synced        ${e.doc} from ${e.label}: +${plural(e.entries, 'entry', 'entries')}`
    case 'enrolled': return e.was === undefined
      ? `device added  ${e.label} (${short(e.deviceId)}) [${e.capabilities.join(', ')}], enrolled by ${e.by}${e.self ? ' (this device)' : ''}`
      // A device known already, certified again: said as what changed, not as a new device.
      : e.was.label !== e.label
        ? `device relabelled  ${e.was.label} → ${e.label} (${short(e.deviceId)}) [${e.capabilities.join(', ')}], re-certified by ${e.by}${e.self ? ' (this device)' : ''}`
        : `device re-certified  ${e.label} (${short(e.deviceId)}) [${e.capabilities.join(', ')}], by ${e.by}${e.self ? ' (this device)' : ''}`
    case 'entry-refused': return `refused       from ${e.label}: ${e.reason}`
    case 'incompatible': return `incompatible  ${e.label} (${short(e.peerId)}): ${e.reason}`
    case 'mdns': return e.sending
      ? 'mdns          queries go out again: siblings on this LAN can find this device'
      : `mdns          cannot send on this network (${e.reason ?? 'unknown'}: no multicast route or interface?): siblings on this LAN cannot find this device by mDNS, nor it them; it keeps trying. Reach one directly with --bootstrap ADDR (or pair with mesh devices approve CODE --dial ADDR)`
    case 'peers-file': return `peers.json    ${e.path} ${e.reason}`
    case 'unreachable': return `unreachable   ${e.label !== undefined ? `${e.label} (${short(e.peerId)})` : short(e.peerId)}, ${e.via === 'bootstrap' ? 'a bootstrap peer' : 'a sibling it knows'}: ${e.reason}. It keeps trying (next in ${Math.round(e.retryMs / 1000)} s, then up to a minute apart): the machine may be off, asleep or on another network`
    case 'revoked': return `REVOKED       ${revokedWords(e)}${e.from !== undefined ? `, as ${short(e.from)} showed` : ''}: it keeps what it holds, can write nothing, and dials no sibling from now on${e.notTaken !== undefined ? `. ${notTakenWords(e.notTaken)}` : ''}`
    default: return undefined
  }
}


/** Whether a TCP port is free to listen on (on every IPv4 interface, as mesh listens). */
async function portFree (port: number): Promise<boolean> {
  return await new Promise<boolean>(resolve => {
    const s = createServer()
    s.once('error', () => { resolve(false) })
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => { s.close(() => { resolve(true) }) })
  })
}

export const joinCmd: Command = {
  name: 'join',
  arity: 0,
  usage: 'mesh join [--read-only] [--label NAME] [--listen MULTIADDR]... [--announce MULTIADDR]... [--bootstrap MULTIADDR]... [--no-mdns] [--dht client|server|off] [--relay] [--relay-via MULTIADDR]... [--mirror] [--http PORT|off] [--follow claude,codex,openclaw,hermes]',
  summary: 'run this machine\'s mesh node in the foreground (sets up the home, and a wallet if none is found); every other command goes through it while it runs',
  flags: {
    '--bootstrap MULTIADDR': 'a member to dial first, across networks (its address ends in /p2p/ and its peer id)',
    '--relay': 'relay connections for the members of this mesh, only them: for an always-on machine with a public address',
    '--relay-via MULTIADDR': 'behind a NAT: be reachable through that member\'s relay',
    '--mirror': 'run as a blind mirror (set up by mesh pair --mirror or mesh init --mirror): it holds entries it cannot read, and no vault key',
    '--follow claude,codex,openclaw,hermes': 'also capture those agents\' sessions live as they are written (OpenClaw and Hermes from their SQLite stores, read-only)',
    '--label NAME': 'this device\'s name, when this run sets the home up',
    '--read-only': 'a device that reads and never writes, when this run sets the home up',
    '--listen MULTIADDR': 'where to listen (default /ip4/0.0.0.0/tcp/PORT: the port this home used last, else a free one)',
    '--announce MULTIADDR': 'an address peers are told to dial besides those it listens on (a public one, a forwarded port)',
    '--no-mdns': 'neither look for siblings on the local network nor answer them (mDNS)',
    '--dht client|server|off': 'how it takes part in the DHT that finds members across networks (default server)',
    '--http PORT|off': 'the local API and dashboard on 127.0.0.1 (default 7433; 0 any free port; off none)'
  },
  examples: [
    'mesh join',
    'mesh join                            # after mesh pair: no wallet needed on this machine',
    'mesh join --bootstrap /ip4/192.0.2.7/tcp/4001/p2p/12D3KooW…   # a member to dial first',
    'mesh join --follow claude,codex      # also capture Claude Code and Codex sessions live as they are written',
    'mesh join --follow openclaw,hermes   # and OpenClaw and Hermes sessions from their SQLite stores, read-only',
    'mesh join --mirror --relay           # a home server or VPS, after mesh pair --mirror there: a blind mirror that holds no vault key, and a relay',
    'mesh join --relay                    # on an always-on machine with a public address: relays members, only them',
    'mesh join --relay-via /ip4/192.0.2.7/tcp/4001/p2p/12D3KooW…   # behind a NAT: reachable through that member\'s relay'
  ],
  options: {
    'read-only': { type: 'boolean' },
    label: { type: 'string' },
    listen: { type: 'string', multiple: true },
    announce: { type: 'string', multiple: true },
    bootstrap: { type: 'string', multiple: true },
    'no-mdns': { type: 'boolean' },
    dht: { type: 'string' },
    http: { type: 'string' },
    follow: { type: 'string' },
    relay: { type: 'boolean' },
    mirror: { type: 'boolean' },
    'relay-via': { type: 'string', multiple: true }
  },
  async run (g: Globals, _args, values) {
    daemonHeap()
    const { parseDht, readConfig } = await import('../../node/config.js')
    const { parseHttpFlag, startHttp } = await import('../../api/http.js')
    const dht = values.dht !== undefined ? parseDht(values.dht) : undefined
    parseHttpFlag(values.http as string | undefined) // a bad --http is exit 2 before anything starts
    const followList = values.follow as string | undefined
    // Imported here, not at the top: every command loads this module, and the agents' code brings
    // zod, Yjs and the SQLite readers (a command that talks to a daemon loads none of them).
    const { followNames, followSources, holdFollowing } = await import('../../agents/index.js')
    // An unknown agent, or a bad MESH_FOLLOW_RELEASE_MS, is refused before anything starts.
    if (followList !== undefined) { followSources(followList); (await import('./agent-live.js')).releaseQuietMs() }
    const listenFlag = await multiaddrs('--listen', values.listen)
    const announce = await multiaddrs('--announce', values.announce)
    const bootstrap = await multiaddrs('--bootstrap', values.bootstrap, true)
    const relayVia = await multiaddrs('--relay-via', values['relay-via'], true)
    if (relayVia?.some(a => a.includes('/p2p-circuit')) === true) throw new UsageError('--relay-via takes the relay\'s own address (…/p2p/<relay id>), not a relayed one')
    await checkLabelFlag(values.label)
    // Before the home is set up: its daemon could not bind its socket there.
    checkHomeForSocket(g.home)
    // A mirror's home runs as a mirror whether or not --mirror is repeated: it has no vault key to run otherwise.
    const { isMirrorHome } = await import('../../node/mirror.js')
    const mirrorHome = await isMirrorHome(g.home)
    const asMirror = values.mirror === true || mirrorHome
    if (asMirror) await refuseForMirror(g, values, mirrorHome)
    // Flags are checked first: a mistyped flag is a usage error (exit 2) whether or not a daemon runs.
    const running = await connectRpc(g.home)
    if (running !== undefined) {
      const s = await running.call('node.status', {}).catch(() => undefined)
      await running.close()
      throw new DaemonRunningError(`mesh join is already running for home ${g.home}${s?.daemon.pid !== undefined ? ` (pid ${s.daemon.pid})` : ''}`, { home: g.home })
    }
    const nodeOptions = { listen: listenFlag, announce, bootstrap, mdns: values['no-mdns'] === true ? false : undefined, dht, relay: values.relay === true ? true : undefined, relayVia }
    if (asMirror) {
      const { runMirror } = await import('./mirror-join.js')
      return await runMirror(g, { label: values.label as string | undefined, node: nodeOptions, format: formatEvent })
    }

    // A short command (or `mesh watch` reading the home between two daemons) may hold the home
    // for a moment: waited for, as short commands wait for each other.
    const daemonUp = async (): Promise<boolean> => { const rpc = await connectRpc(g.home); await rpc?.close(); return rpc !== undefined }
    const r = await whenHomeFree(async () => await enrolHome(g, { label: values.label as string | undefined, readOnly: values['read-only'] === true ? true : undefined }), daemonUp)
    if (r.walletGenerated && !g.json) explainGeneratedWallet(r.walletPath as string)
    if (r.walletPath !== undefined && !r.walletGenerated && !g.json) out.line(`wallet file:  ${r.walletPath}`)
    if (r.changed.label !== undefined && !g.json) out.line(`label changed: ${r.changed.label.from} → ${r.changed.label.to}`)
    if (r.changed.readOnly !== undefined && !g.json) out.line(`now ${r.changed.readOnly.to ? 'read-only' : 'read+write'}`)

    // The port this home used last, unless something else took it meanwhile.
    let listen = listenFlag
    const config = await readConfig(g.home)
    if (listen === undefined && (config.listen ?? []).length === 0 && config.port !== undefined && !(await portFree(config.port))) {
      listen = ['/ip4/0.0.0.0/tcp/0']
      if (!g.json) out.line(`port ${config.port} (used last time) is busy: listening on a free port instead`)
    }

    const { hostHome } = await import('../../api/host.js')
    let stop!: () => void
    const stopped = new Promise<void>(resolve => { stop = resolve })
    let http: Awaited<ReturnType<typeof startHttp>> | undefined
    let follower: Follower | undefined
    let started = false
    const early: NodeEvent[] = []
    // Every line from here on goes above the transfer bar, if one is on screen.
    const live = new LiveLine(!g.json && process.stdout.isTTY === true, s => { draw('stdout', s) })
    // Entries synced, per peer and document: at most a line a second (a catch-up of forty entries is not forty lines).
    const synced = new Coalesce<string, Extract<NodeEvent, { type: 'synced' }>>(1000, (e, n) => { live.line(formatEvent({ ...e, entries: n }) as string) })
    // A sibling revoked here is cut off at once: its connection closing is part of the line that
    // said so (`peer refused  laptop (…): revoked`), not a `peer lost` of its own.
    const cutOff = new Set<string>()
    const print = (e: NodeEvent): void => {
      if (g.json) { out.line(JSON.stringify({ ...e, event: e.type })); return }
      if (e.type === 'synced' && !e.snapshot) { synced.add(`${e.peerId} ${e.doc}`, e.entries, e); return }
      if (e.type === 'refused' && e.reason === 'revoked') cutOff.add(e.peerId)
      if (e.type === 'lost' && cutOff.delete(e.peerId)) return
      const line = formatEvent(e)
      if (line !== undefined) live.line(line)
    }
    // One follower per home (agents/follow/follow-lock.ts): a `mesh agent follow` running already
    // is said before the node starts, and the lock is held until the follower stops.
    const followLock = followList !== undefined ? await holdFollowing(g.home, { agents: followNames(followList), kind: 'join' }) : undefined
    const host = await whenHomeFree(async () => await hostHome({
      home: g.home,
      node: { listen, announce, bootstrap, mdns: values['no-mdns'] === true ? false : undefined, dht, relay: values.relay === true ? true : undefined, relayVia },
      onStop: () => { stop() },
      http: () => http?.server?.url,
      // Printed as they come: the lines of the start (a sibling proven meanwhile) follow the banner.
      onNodeEvent: (e) => {
        if (!started) { early.push(e); return }
        print(e)
      }
    }), daemonUp).catch(async (err: unknown) => { await followLock?.release(); throw err })
    try {
      // Ctrl-C and SIGTERM are taken from here on: one that comes while the banner is printed (a
      // script that stops the node once it read a line) stops it as cleanly as one later.
      const stopping = untilStopped(stopped)
      http = await startHttp(host.api, g.home, values.http as string | undefined)
      const node = host.node as NonNullable<typeof host.node>
      const info = host.vault.info()
      const addrs = node.addresses()
      const roles = node.status()
      // mDNS off and nothing to dial (no bootstrap or relay, by flag or config.json, no sibling remembered with an
      // address: a device paired by an approval that ran without a daemon has none): said, rather
      // than a node that waits in silence for a sibling to dial it. Not to a revoked device, which looks for no one.
      const nothingToDial = node.revoked === undefined && !node.config.mdns && node.config.bootstrap.length === 0 && node.config.relayVia.length === 0 &&
        (await node.peers({ rtt: false })).every(p => p.addrs.length === 0)
      // Said at start as `mesh status` says it: a cut log tail took writes with it, and nothing else would tell.
      const setAside = await host.vault.vault.setAsideCounts()
      if (g.json) out.line(JSON.stringify({ event: 'started', ...info, setAside, walletPath: r.walletPath, walletGenerated: r.walletGenerated, listen: addrs, mdns: node.config.mdns, dht: node.config.dht, relay: node.config.relay, relayVia: roles.relayVia ?? [], http: http.server?.url ?? null, pid: process.pid }))
      else {
        out.line(`wallet:       ${info.wallet}`)
        out.line(`device:       ${info.deviceId} (${info.label})`)
        // As `mesh status` says it: a revoked device's certificate still lists what it once had.
        const revoked = host.vault.vault.certs.revocationOf(host.vault.vault.identity.device.publicKey) !== undefined
        out.line(`capabilities: ${revoked ? 'none (revoked)' : info.capabilities.join(', ')}`)
        out.line(`home:         ${info.home}`)
        const aside = setAsideWords(setAside)
        if (aside !== undefined) out.line(`set aside:    ${aside}`)
        for (const a of addrs) out.line(`listening:    ${a}`)
        // One line, with what that leaves when it is nothing. A `listening:` address ends in /p2p/ and the device id already: given as printed.
        out.line(`discovery:    mdns ${node.config.mdns ? 'on' : 'off'}, dht ${node.config.dht}${nothingToDial ? '; nothing to find siblings with: no sibling is known by an address. Give one with --bootstrap /ip4/…/tcp/…/p2p/… (a sibling\'s `listening:` address as it prints it), or give a sibling this device\'s `listening:` address the same way' : ''}`)
        if (node.config.relay) out.line('relay:        serving members only (circuit relay v2, no limits); strangers cannot reserve')
        for (const v of roles.relayVia ?? []) out.line(`relay via:    ${v.relay} ${node.revoked !== undefined ? 'not dialed: this device was revoked' : v.state === 'reserved' ? 'reserved' : `not reserved yet (${v.lastError ?? 'trying'}); retrying in the background`}`)
        out.line(http.line)
      }
      node.on('progress', (p) => {
        if (g.json) { out.line(JSON.stringify({ ...p, event: 'progress' })); return }
        live.bar(formatProgress(p), p.done)
      })
      // A device revoked before this start dials no one (MeshNode.afterStart), as its REVOKED
      // line says: not the --bootstrap addresses either, which every member refuses.
      for (const a of node.revoked === undefined ? bootstrap ?? [] : []) {
        void node.dial(a).catch((err: any) => {
          const reason = String(err?.message ?? err).split('\n')[0]
          if (g.json) out.line(JSON.stringify({ event: 'bootstrap-unreachable', addr: a, reason }))
          else live.line(`bootstrap     ${a} unreachable (${reason}); retrying in the background`)
        })
      }
      if (nothingToDial && g.json) out.line(JSON.stringify({ event: 'nothing-to-dial' }))
      started = true
      for (const e of early.splice(0)) print(e)
      if (followList !== undefined) {
        const { formatCapture, formatHeldBack, startFollowing } = await import('./agent-live.js')
        // Through the API like every front-end: the same calls `mesh agent follow` makes over the socket.
        follower = startFollowing(host.api, g, followList, {
          print: c => { if (g.json) out.line(JSON.stringify({ ...c, event: 'captured' })); else live.line(formatCapture(c)) },
          held: h => { if (g.json) out.line(JSON.stringify({ ...h, event: 'held-back' })); else live.line(formatHeldBack(h)) },
          log: line => { if (g.json) out.line(JSON.stringify({ event: 'follow-note', line })); else live.line(`follow        ${line}`) },
          // A lease let go is an event of its own in --json, as `mesh agent follow --json` says it (in words, a follow note).
          ...(g.json ? { released: (r: Released) => { out.line(JSON.stringify({ event: 'released', ...r })) } } : {})
        })
        if (!g.json) live.line(`following     ${followNames(followList).join(',')}`)
      }
      if (!g.json) live.line(`running (pid ${process.pid}); other mesh commands on this home now go through this node. Ctrl-C or \`mesh stop\` stops it`)
      await stopping
    } finally {
      // Ended by an error as well: the signal handlers and the keep-alive go (stopping settles).
      stop()
      // A second Ctrl-C while the store flushes is answered, not obeyed: nothing is cut short.
      synced.stop()
      live.clear()
      const patience = (): void => { out.err('stopping: flushing the store…') }
      process.on('SIGINT', patience)
      process.on('SIGTERM', patience)
      try {
        try { await follower?.stop() } finally { await followLock?.release() }
        await http?.server?.close()
        await host.close()
      } finally {
        process.off('SIGINT', patience)
        process.off('SIGTERM', patience)
      }
    }
    out.line(g.json ? JSON.stringify({ event: 'stopped' }) : 'stopped; store flushed')
    return 0
  }
}

/**
 * What a member's flags ask of a mirror, which holds no vault key: refused (exit 2) rather than
 * dropped, as a mirror would otherwise start without them and say nothing.
 */
async function refuseForMirror (g: Globals, values: Record<string, unknown>, mirrorHome: boolean): Promise<void> {
  const refused = (flag: string, why: string): UsageError => new UsageError(values.mirror === true ? `--mirror and ${flag}: ${why}` : `home ${g.home} is a blind mirror's (mesh join runs it as one) and takes no ${flag}: ${why}`)
  if (values['read-only'] === true) throw refused('--read-only', 'a mirror reads nothing (it holds no vault key); drop --read-only')
  if (values.follow !== undefined) throw refused('--follow', `a mirror holds no vault key, so it cannot capture agent sessions; drop --follow, and run \`mesh join --follow ${String(values.follow)}\` on a member device`)
  if (values.http !== undefined && values.http !== 'off') throw refused('--http', 'a mirror serves no HTTP API or dashboard (it can read nothing it holds); drop --http')
  const label = values.label as string | undefined
  if (label === undefined || !mirrorHome) return
  const { loadMirrorIdentity } = await import('../../node/mirror.js')
  // Its label is in the certificate the wallet (or an admin device) signed, which join does not rewrite (as mesh init --mirror says).
  const now = (await loadMirrorIdentity(g.home)).certificate.label
  if (label !== now) throw new UsageError(`this mirror is called ${now} in its certificate, which join does not reissue: drop --label, or for another label set up a new mirror home (and revoke this one: mesh devices revoke ${now})`)
}

/** Resolves true once no process has this pid (polled), false after `ms`. */
async function exited (pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  for (;;) {
    try { process.kill(pid, 0) } catch (err: any) { if (err?.code === 'ESRCH') return true }
    if (Date.now() >= end) return false
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/**
 * Stops a `mesh join` that holds the home but does not speak this mesh's protocol (another
 * version: DaemonForeignError): SIGTERM to the lock's holder, once the lock proves it is that
 * process (lockHolder), then waits until it has let the home go and ended (60 s at most), as a
 * stop over the socket waits for the process to end.
 */
async function stopForeign (g: Globals, err: DaemonForeignError): Promise<number> {
  const { lockHolder } = await import('../../store/lock.js')
  const holder = await lockHolder(g.home)
  if (holder === undefined) {
    if (g.json) out.json({ stopped: true })
    else out.line(`mesh join (pid ${String(err.details.pid)}) has stopped`)
    return 0
  }
  const { pid } = holder
  if (!holder.sure) throw new DaemonRunningError(`a mesh join (pid ${pid}) holds home ${g.home} but does not answer this mesh, and its lock does not prove that pid is still its holder: stop it where it runs (\`kill ${pid}\` once you have checked it is mesh)`, { home: g.home, pid })
  try { process.kill(pid, 'SIGTERM') } catch (e: any) { if (e?.code !== 'ESRCH') throw e }
  const end = Date.now() + 60_000
  let gone = false
  for (;;) {
    gone = (await lockHolder(g.home))?.pid !== pid
    if (gone || Date.now() >= end) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  // The home let go, the process may still be leaving: waited for, as a stop over the socket waits.
  if (gone) gone = await exited(pid, Math.max(0, end - Date.now()))
  if (g.json) out.json({ stopped: gone, pid })
  else out.line(gone ? `stopped mesh join (pid ${pid}, another version of mesh): start it again with this mesh (\`mesh join\`)` : `mesh join (pid ${pid}) is stopping; it has not ended after 60 s`)
  return gone ? 0 : 1
}

export const stopCmd: Command = {
  name: 'stop',
  arity: 0,
  usage: 'mesh stop [--json]',
  summary: 'stop the running mesh join of this home (its store flushed)',
  examples: [
    'mesh stop',
    'mesh stop --home ~/other-mesh                # the mesh join of another home'
  ],
  options: {},
  async run (g) {
    const rpc = await connectRpc(g.home).catch(async (err: unknown) => {
      if (err instanceof DaemonForeignError) return await stopForeign(g, err)
      throw err
    })
    if (typeof rpc === 'number') return rpc
    if (rpc === undefined) throw new DaemonNotRunningError(`no mesh join runs for home ${g.home}`, { home: g.home })
    try {
      const s = await rpc.call('node.status', {})
      const r = await rpc.call('node.stop', {})
      if (!r.stopping) throw new DaemonNotRunningError(`the process serving home ${g.home} (pid ${s.daemon.pid}) is not a mesh join: stop it where it runs`, { home: g.home })
      await rpc.closed()
      // Its socket closes before the process has flushed its store and left: wait for that.
      const pid = s.daemon.pid
      const gone = pid === undefined || await exited(pid, 60_000)
      if (g.json) out.json({ stopped: gone, pid })
      else out.line(gone ? `stopped mesh join (pid ${pid})` : `mesh join (pid ${pid}) is stopping; still flushing its store after 60 s`)
      return gone ? 0 : 1
    } finally {
      await rpc.close()
    }
  }
}
