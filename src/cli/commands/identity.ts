/** mesh wallet new|show, mesh init, mesh status (mesh devices: devices.ts). */
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { DaemonRunningError, InvalidInputError, UsageError, WalletMismatchError, WalletNotFoundError } from '../../errors.js'
import { connectRpc } from '../../api/rpc-client.js'
import { homeArg, refuseEmpty, localTime, revokedWords, notTakenWords, stdout as out, userWallet, withApi, type Globals } from '../context.js'
import { peerLines } from './peer-lines.js'
import { diskLines } from './status-disk.js'
import { subcommandOf, type Command } from '../command.js'
import { plural } from '../wording.js'
import { checkLabelFlag } from '../label.js'
import { checkHomeForSocket } from '../socket-home.js'

export const walletCmd: Command = {
  name: 'wallet',
  arity: { new: 1, show: 1 },
  usage: 'mesh wallet new [--out PATH] | mesh wallet show',
  summary: 'create a wallet (Solana keypair file, mode 0600) or show its address',
  subSummaries: {
    new: 'create a wallet: a Solana keypair file, mode 0600 (refuses to overwrite one), at --out PATH, else where every other command looks first (--wallet, $MESH_WALLET), else ~/.config/mesh/wallet.json',
    show: 'print the address of the wallet mesh would use (--wallet, $MESH_WALLET, Solana\'s, or mesh\'s own; on a paired device, which needs none, the wallet of its vault)'
  },
  examples: ['mesh wallet new --out ~/wallet.json', 'MESH_WALLET=~/wallet.json mesh wallet new', 'mesh wallet show --wallet ~/wallet.json'],
  options: { out: { type: 'string' } },
  async run (g: Globals, args, values) {
    const sub = subcommandOf('wallet', args[0], ['new', 'show'], this.usage)
    const { expandHome, meshDefaultWalletPath, writeNewWallet } = await import('../../identity/index.js')
    const { findWalletPath, namedWalletPath } = await import('../../api/wallet.js')
    if (sub === 'new') {
      // Where the next command will look for it: a wallet made anywhere else is not found.
      // `~/` expanded as a read expands it (a quoted `MESH_WALLET='~/w.json'`, `--out=~/w.json`): else the secret lands in ./~/.
      refuseEmpty('out', values.out as string | undefined, 'the path of the wallet file to make')
      const path = resolve(expandHome((values.out as string | undefined) ?? namedWalletPath({ path: g.wallet }) ?? meshDefaultWalletPath()))
      const w = await writeNewWallet(path)
      if (g.json) out.json({ address: w.address, path })
      else { out.line(`address: ${w.address}`); out.line(`wallet:  ${path} (mode 0600; keep it safe: it certifies your devices and unlocks your vault)`) }
      return 0
    }
    const path = await findWalletPath({ path: g.wallet })
    if (path === undefined) {
      // A paired device has none, by design: the wallet of the vault it was paired into is the
      // answer, not a hint to make another (a new wallet would be another vault's root).
      const { homeWallet } = await import('../../node/enrol.js')
      const ofHome = await homeWallet(g.home).catch(() => undefined)
      if (ofHome === undefined) throw new WalletNotFoundError('no wallet found: pass --wallet PATH, set MESH_WALLET, or create one with `mesh wallet new`')
      if (g.json) { out.json({ address: ofHome, path: null }); return 0 }
      out.err(`(no wallet on this machine, and none is needed here: this home's vault belongs to this wallet, whose key stays on the machine that made it; \`mesh wallet new\` would make another wallet, not this vault's)`)
      out.line(ofHome)
      return 0
    }
    const w = await userWallet(path)
    if (g.json) out.json({ address: w?.address, path: resolve(path) })
    else {
      // The address alone on stdout (scripts take it); which file, on stderr as wherever a wallet is loaded.
      out.err(`(wallet: ${resolve(path)})`)
      out.line(w?.address)
    }
    return 0
  }
}

export interface EnrolChange { label?: { from: string, to: string }, readOnly?: { from: boolean, to: boolean } }

/**
 * Sets a home up, or brings an existing one to the label and role asked for. An existing home is
 * re-certified only with the wallet that certified it (never a newly generated one); without it
 * the user is told what would change and how. A home whose device was revoked is never
 * re-certified (DEVICE_REVOKED); with `refuseRevoked` (mesh init) it is refused even when nothing
 * would change. Returns what changed.
 */
export async function enrolHome (g: Globals, want: { label?: string, readOnly?: boolean, refuseRevoked?: boolean }): Promise<{ id: import('../../node/enrol.js').HomeIdentity, walletPath?: string, walletGenerated: boolean, changed: EnrolChange, created: boolean }> {
  const { enrol, loadIdentity, setAsideCertificate } = await import('../../node/enrol.js')
  const { acquireLock, ensureHomeDir, homePath, isInitialized } = await import('../../store/index.js')
  // A certificate that does not verify is what `mesh init` with the wallet mends, as its error says:
  // it is moved aside, and the home set up again below as one that lost its certificate.
  const loaded = await isInitialized(g.home)
    ? await loadIdentity(g.home).catch(async (err: any) => {
      const path = homePath(g.home, 'certificate')
      if (err?.code !== 'HOME_CORRUPT' || err?.details?.file !== path || (await userWallet(g.wallet)) === undefined) throw err
      const aside = await setAsideCertificate(g.home)
      if (!g.json) out.err(`note: ${path} did not verify (${String(err.cause?.message ?? 'it does not verify')}): moved to ${aside}, and this device is certified again with the wallet`)
      return undefined
    })
    : undefined
  if (loaded !== undefined) {
    const id = loaded
    // A wallet named on the command line must be the home's, whatever else is asked: another
    // wallet's home is not "already set up" for it.
    const named = g.wallet !== undefined ? await userWallet(g.wallet) : undefined
    if (named !== undefined && named.address !== id.wallet) throw WalletMismatchError.forHome(g.home, id.wallet, named)
    const changed: EnrolChange = {}
    if (want.label !== undefined && want.label !== id.certificate.label) changed.label = { from: id.certificate.label, to: want.label }
    const ro = !id.certificate.capabilities.includes('write')
    if (want.readOnly !== undefined && want.readOnly !== ro) changed.readOnly = { from: ro, to: want.readOnly }
    // A home from before the registry (a version 1/2 writer certificate) given the wallet
    // explicitly becomes an admin (issue 14): it can then enrol and revoke devices without it.
    const upgrade = id.certificate.version < 3 && !ro && want.readOnly !== true && g.wallet !== undefined
    const unchanged = changed.label === undefined && changed.readOnly === undefined && !upgrade
    // Said first, with or without the wallet or a running node: nothing else about this home matters.
    if (!unchanged || want.refuseRevoked === true) {
      const { revocationOfHome, revokedHomeError } = await import('../../node/enrol.js')
      const revoked = await revocationOfHome(id)
      if (revoked !== undefined) throw revokedHomeError(g.home, id.certificate.label, revoked, localTime)
    }
    if (unchanged) return { id, walletGenerated: false, changed, created: false }
    const what = [changed.label !== undefined ? `label ${changed.label.from} → ${changed.label.to}` : '', changed.readOnly !== undefined ? (changed.readOnly.to ? 'read+write → read-only' : 'read-only → read+write') : ''].filter(s => s !== '').join(', ')
    const wallet = await userWallet(g.wallet)
    // Paired (certified by an admin device, not by the wallet): it never had the wallet, and its
    // certificate is the approver's to issue again.
    const paired = 'depth' in id.certificate && typeof id.certificate.depth === 'number' && id.certificate.depth > 0
    if (wallet === undefined && paired) {
      throw new UsageError(`home ${g.home} is already set up (${id.certificate.label}, ${ro ? 'read-only' : 'read+write'}), paired from another device of yours: changing it (${what}) re-issues its certificate. Pair it again: on an admin device run \`mesh devices revoke ${id.certificate.label}\`, then here \`mesh pair${want.label !== undefined ? ` --label ${want.label}` : ''}\` in a fresh home (or give the wallet with --wallet PATH)`, { home: g.home })
    }
    if (wallet === undefined) {
      throw new UsageError(`home ${g.home} is already set up (${id.certificate.label}, ${ro ? 'read-only' : 'read+write'}); changing it (${what}) re-issues this device's certificate, which needs the wallet that certified it: run \`mesh init${changed.label !== undefined ? ` --label ${changed.label.to}` : ''}${changed.readOnly !== undefined ? (changed.readOnly.to ? ' --read-only' : ' --read-write') : ''} --wallet PATH\``, { home: g.home })
    }
    if (wallet.address !== id.wallet) throw WalletMismatchError.forHome(g.home, id.wallet, wallet)
    const running = await connectRpc(g.home)
    if (running !== undefined) {
      await running.close()
      throw new DaemonRunningError(`mesh join is running for home ${g.home}: stop it first (\`mesh stop\`), then run this again`, { home: g.home })
    }
    // A new label alone keeps the device's rights: a paired writer does not become an admin, nor
    // a paired admin one that may create admins. A role asked for, or a home from before the
    // registry, is certified as the first device is (a writer is an admin).
    const relabel = changed.readOnly === undefined && !upgrade
    const hadAdmin = id.certificate.capabilities.includes('admin')
    const rights = relabel ? { admin: hadAdmin, ...('pathLen' in id.certificate && typeof id.certificate.pathLen === 'number' && hadAdmin ? { pathLen: id.certificate.pathLen } : {}) } : {}
    const lock = await acquireLock(g.home)
    try {
      return { id: await enrol(g.home, wallet, { label: want.label ?? id.certificate.label, readOnly: want.readOnly ?? ro, ...rights }), walletPath: wallet.path, walletGenerated: false, changed, created: false }
    } finally {
      await lock.release()
    }
  }
  // A home that lost its certificate is set up again only with the wallet it names: none is
  // generated for it (enrol() refuses another).
  const { walletWithoutCertificate, certificateLostError } = await import('../../node/enrol.js')
  const stranded = await walletWithoutCertificate(g.home)
  const found = await userWallet(g.wallet)
  if (stranded !== undefined && found === undefined) throw certificateLostError(g.home, stranded)
  const { meshDefaultWalletPath, writeNewWallet } = await import('../../identity/index.js')
  const { wallet, generated } = found !== undefined ? { wallet: found, generated: false } : { wallet: await writeNewWallet(meshDefaultWalletPath()), generated: true }
  await ensureHomeDir(g.home)
  const lock = await acquireLock(g.home)
  try {
    const id = await enrol(g.home, wallet, { readOnly: want.readOnly === true, label: want.label ?? hostname() })
    const { Lane } = await import('../../node/lane.js')
    await Lane.create(g.home)
    return { id, walletPath: wallet.path, walletGenerated: generated, changed: {}, created: true }
  } finally {
    await lock.release()
  }
}

export const initCmd: Command = {
  name: 'init',
  arity: 0,
  usage: 'mesh init [--read-only | --read-write | --mirror] [--label NAME]',
  summary: 'set up this machine\'s home: a device key and a wallet-signed certificate (generates a wallet if none is found); on a set-up home, changes its label or role (--read-only, --read-write) with the same wallet',
  flags: {
    '--label NAME': 'this device\'s name',
    '--mirror': 'a blind mirror: no vault key; then mesh join --mirror without the wallet'
  },
  examples: ['mesh init --label laptop', 'mesh init --read-only --label tablet --wallet ~/wallet.json', 'mesh init --read-write --wallet ~/wallet.json', 'mesh init --mirror --label vps --wallet ~/wallet.json   # a blind mirror: no vault key; then mesh join --mirror without the wallet'],
  options: { 'read-only': { type: 'boolean' }, 'read-write': { type: 'boolean' }, mirror: { type: 'boolean' }, label: { type: 'string' } },
  async run (g, _args, values) {
    await checkLabelFlag(values.label)
    // Before a home is set up or a wallet generated: its daemon (`mesh join`) could not bind its socket there.
    checkHomeForSocket(g.home)
    if (values.mirror === true) return await initMirror(g, values.label as string | undefined, values['read-only'] === true || values['read-write'] === true)
    if (values['read-only'] === true && values['read-write'] === true) throw new UsageError('give at most one of --read-only and --read-write')
    const readOnly = values['read-only'] === true ? true : values['read-write'] === true ? false : undefined
    const { isMirrorHome } = await import('../../node/mirror.js')
    // A mirror's home never holds vault keys: it cannot become a member's, and it needs no init.
    if (await isMirrorHome(g.home)) throw new InvalidInputError(`home ${g.home} is a blind mirror's (it holds no vault key, and never will): it is set up already, run \`mesh join --mirror\` on it. For a member device, pick another --home`, { home: g.home })
    const r = await enrolHome(g, { label: values.label as string | undefined, readOnly, refuseRevoked: true })
    const id = r.id
    const keptDocs = id.cutoff !== undefined ? [...id.cutoff.docs.values(), ...(id.cutoff.partRecords ?? []).flatMap(p => [...p.docs.values()])] : []
    const kept = id.cutoff !== undefined ? { documents: keptDocs.length, entries: keptDocs.reduce((n, d) => n + d.lanes.reduce((m, l) => m + Number(l.seq), 0), 0) } : undefined
    const info = { home: g.home, wallet: id.wallet, walletPath: r.walletPath, walletGenerated: r.walletGenerated, deviceId: id.device.deviceId, label: id.certificate.label, capabilities: id.certificate.capabilities, created: r.created, changed: r.changed, cutoff: kept }
    if (g.json) { out.json(info); return 0 }
    if (r.walletGenerated) explainGeneratedWallet(r.walletPath as string)
    if (!r.created) {
      if (r.changed.label === undefined && r.changed.readOnly === undefined) out.line(r.walletPath !== undefined ? 'now an admin: this device enrols and revokes devices without the wallet (keep the wallet off machines that do not need it)' : 'already set up; nothing to change')
      if (r.changed.label !== undefined) out.line(`label changed: ${r.changed.label.from} → ${r.changed.label.to}`)
      if (r.changed.readOnly?.to === true) out.line('now read-only: this device no longer writes and is no longer an admin (enrolling and revoking devices needs another admin device or the wallet; `mesh init --read-write --wallet PATH` undoes it)')
      if (r.changed.readOnly?.to === false) out.line(`now read+write${id.certificate.capabilities.includes('admin') ? ' and an admin (it enrols and revokes devices without the wallet)' : ''}`)
      if (kept !== undefined) out.line(`kept: the ${kept.entries} entries in ${kept.documents} documents this device wrote before stay valid on every node`)
    }
    out.line(`home:         ${g.home}`)
    out.line(`wallet:       ${id.wallet}${r.walletPath !== undefined ? ` (${r.walletPath})` : ''}`)
    out.line(`device:       ${id.device.deviceId}`)
    out.line(`label:        ${id.certificate.label}`)
    out.line(`capabilities: ${id.certificate.capabilities.join(', ')}`)
    return 0
  }
}

export function explainGeneratedWallet (path: string): void {
  out.line(`No wallet was given or found, so mesh generated one: ${path}`)
  out.line('It is yours: it proves which machines are yours and derives the key your data is encrypted with.')
  out.line('Back it up, and keep it off machines that do not need it: this device is now an admin and enrols your other machines without it.')
  out.line('To add another machine, run there:  mesh pair --label NAME')
  out.line('and approve the code it shows, here:  mesh devices approve CODE')
  out.line('')
}

export const statusCmd: Command = {
  name: 'status',
  arity: 0,
  usage: 'mesh status [--json]',
  summary: 'wallet, device, capabilities, home, counts, whether mesh join runs, and each connected peer: how far behind, what is in flight',
  examples: [
    'mesh status',
    'mesh status --json --home ~/other-mesh       # another home, for scripts'
  ],
  options: {},
  async run (g) {
    return await withApi(g, async (api, session) => {
      const s = await api.call('node.status', {})
      // The daemon's peers (none without one: nothing is connected), as `mesh peers` shows them.
      const peers = session.mode === 'daemon' ? await api.call('peers.list', { rtt: false }) : []
      if (g.json) { out.json({ ...s, peers }); return 0 }
      out.line(`home:         ${s.home}${s.readOnlyHome !== undefined ? ` (read-only: ${s.readOnlyHome.errno === 'EROFS' ? 'a read-only file system' : 'this user may not write it'}; opened only to read, nothing can be changed in it)` : ''}`)
      out.line(`wallet:       ${s.wallet}`)
      out.line(`device:       ${s.deviceId}`)
      out.line(`label:        ${s.label}`)
      out.line(`capabilities: ${s.revoked !== undefined ? 'none (revoked)' : s.capabilities.join(', ')}`)
      if (s.revoked !== undefined) out.line(`revoked:      ${revokedWords(s.revoked)}: it keeps what it holds and can write nothing; its siblings refuse it`)
      if (s.notTaken !== undefined) out.line(`not taken:    ${notTakenWords(s.notTaken)}`)
      if (s.rotationOwed !== undefined) out.line(`rotation:     owed since ${localTime(s.rotationOwed.since)}: ${s.rotationOwed.here ? 'this device makes it within seconds, and before its next write' : 'will be done by the next device that can write (this one cannot)'}`)
      if (s.certificate.superseded) out.line('certificate:  superseded by a newer one of this device: run `mesh init --wallet PATH` to re-certify this home')
      else if (s.certificate.expired) out.line(`certificate:  expired ${localTime(s.certificate.expiresAt ?? 0)}: this device reads but cannot write; renew it with \`mesh init --wallet PATH\``)
      else if (s.certificate.expiresAt !== undefined) out.line(`certificate:  expires ${localTime(s.certificate.expiresAt)}`)
      out.line(`daemon:       ${s.daemon.running ? `running (pid ${s.daemon.pid}), ${plural(s.daemon.peers, 'peer')} connected${s.daemon.http !== undefined ? `, http ${s.daemon.http}` : ''}` : s.readOnlyHome !== undefined ? 'not running (it cannot run on a read-only home)' : `not running (start it with \`mesh join${homeArg(g)}\`)`}`)
      if (s.daemon.mirror === true) out.line('role:         blind mirror (holds no vault key: stores and forwards sealed entries, never writes)')
      if (s.daemon.relay !== undefined) out.line(`relay:        serving members: ${s.daemon.relay.reservations.length} reserved, ${plural(s.daemon.relay.circuits, 'circuit')} open, ${plural(s.daemon.relay.refused, 'stranger')} refused`)
      for (const v of s.daemon.relayVia ?? []) out.line(`relay via:    ${v.relay}: ${v.state === 'reserved' ? `reserved until ${localTime(v.expires ?? 0)}` : `trying${v.lastError !== undefined ? ` (${v.lastError})` : ''}`}`)
      for (const l of diskLines(s)) out.line(l)
      if (s.daemon.mirror === true) out.line(`documents:    ${s.store.docs} (a mirror cannot name them or tell sessions from memory)`)
      else {
        out.line(`sessions:     ${s.sessions}`)
        out.line(`memory:       ${s.memory}`)
        out.line(`skills:       ${s.skills}`)
      }
      out.line(`devices:      ${s.devices} known`)
      out.line(`store:        ${s.store.entries} entries, ${s.store.snapshots} snapshots, ${s.store.logBytes} log bytes`)
      const aside = setAsideWords(s.setAside)
      if (aside !== undefined) out.line(`set aside:    ${aside}`)
      const connected = peers.filter(p => p.state === 'connected')
      if (connected.length > 0) out.line('peers:')
      for (const p of connected) for (const l of peerLines(p)) out.line(`  ${l}`)
      return 0
    })
  }
}

/**
 * What the node set aside, when anything: a damaged part of the store above all (a cut log tail
 * took the last writes with it, which only a peer can give back), said where a person looks.
 */
export function setAsideWords (a: { damaged: number, quarantined: number, forks: number, unmoved: number }): string | undefined {
  const parts: string[] = []
  // What doctor found and could not move: it stays until its document is opened, as doctor says.
  if (a.unmoved > 0) parts.push(`${plural(a.unmoved, 'snapshot')} found damaged on this disk by \`mesh doctor\`, left where ${a.unmoved === 1 ? 'it lies' : 'they lie'} (set aside when ${a.unmoved === 1 ? 'its document is' : 'their documents are'} next opened: \`mesh session show KEY\`, or a peer syncing ${a.unmoved === 1 ? 'it' : 'them'} with \`mesh join\`)`)
  if (a.damaged > 0) parts.push(`${plural(a.damaged, 'damaged part')} of this disk's store moved aside (what ${a.damaged === 1 ? 'it' : 'they'} held is taken again from a peer that has it; listed until \`mesh doctor --drop ID\` deletes ${a.damaged === 1 ? 'it' : 'each'})`)
  if (a.quarantined > 0) parts.push(`${a.quarantined} ${a.quarantined === 1 ? 'entry or snapshot' : 'entries or snapshots'} refused as ${a.quarantined === 1 ? 'it' : 'they'} arrived`)
  if (a.forks > 0) parts.push(`${plural(a.forks, 'fork')} (two entries of one author at one place)`)
  return parts.length === 0 ? undefined : `${parts.join('; ')}: \`mesh doctor\` lists each`
}

/** `mesh init --mirror`: a blind mirror's home, certified by the wallet, with no vault key. */
async function initMirror (g: Globals, label: string | undefined, roleGiven: boolean): Promise<number> {
  if (roleGiven) throw new UsageError('--mirror takes no --read-only/--read-write: a mirror reads and writes nothing (it holds no vault key)')
  const { enrolMirror, isMirrorHome, loadMirrorIdentity } = await import('../../node/mirror.js')
  const { acquireLock, ensureHomeDir } = await import('../../store/index.js')
  const wallet = await userWallet(g.wallet)
  // A damaged membership key is what the wallet at hand mends (enrolMirror writes it again).
  const mendable = (err: any): undefined => { if (wallet !== undefined && err?.details?.membershipKey === 'damaged') return undefined; throw err }
  const existing = await isMirrorHome(g.home) ? await loadMirrorIdentity(g.home).catch(mendable) : undefined
  // Its label is in the certificate the wallet (or an admin device) signed, which no init rewrites.
  if (existing !== undefined && label !== undefined && label !== existing.certificate.label) throw new UsageError(`this mirror is called ${existing.certificate.label} in its certificate, which init does not reissue: for another label, set up a new mirror home (and revoke this one: mesh devices revoke ${existing.certificate.label})`)
  let id
  if (wallet === undefined) {
    // Set up already (mesh init --mirror once, or paired): said, as a member's home says it; the wallet is needed only to make one.
    if (existing === undefined) throw new UsageError('a mirror is certified once by the wallet: pass --wallet PATH (the wallet is not needed afterwards)')
    id = existing
    if (!g.json) out.line('already set up; nothing to change')
  } else {
    await ensureHomeDir(g.home)
    const lock = await acquireLock(g.home)
    try { id = await enrolMirror(g.home, wallet, { label }) } finally { await lock.release() }
  }
  const info = { home: g.home, wallet: id.wallet, walletPath: wallet?.path, deviceId: id.device.deviceId, label: id.certificate.label, capabilities: id.certificate.capabilities, mirror: true }
  if (g.json) { out.json(info); return 0 }
  out.line(`home:         ${g.home} (a blind mirror: no vault key)`)
  out.line(`wallet:       ${id.wallet}${wallet?.path !== undefined ? ` (${wallet.path})` : ''}`)
  out.line(`device:       ${id.device.deviceId}`)
  out.line(`label:        ${id.certificate.label}`)
  out.line('next:         mesh join --mirror (no wallet needed from now on; keep the wallet off this machine)')
  return 0
}
