/**
 * mesh devices [--json]: every device of this vault (label, capabilities, who enrolled it and
 * when, last seen, online now, revoked when and by whom); mesh devices revoke DEVICE|--all-but-this
 * [--yes]: cut a device off everywhere at once and rotate the vault key.
 */
import { NotAdminError, UsageError } from '../../errors.js'
import { askYesNo, localTime, revokedWords, stdout as out, withApi, type Globals } from '../context.js'
import { subcommandOf, subUsage, type Command } from '../command.js'
import { plural } from '../wording.js'
import { oneLine } from '../printable.js'

async function confirm (question: string): Promise<boolean> {
  if (process.stdin.isTTY !== true) throw new UsageError('revoking cannot be undone: pass --yes to confirm when not at a terminal')
  return await askYesNo(question)
}

export const devicesCmd: Command = {
  name: 'devices',
  arity: { list: 1, approve: 2, revoke: 2 },
  usage: 'mesh devices [list] [--json] | mesh devices approve CODE [--read-only|--admin|--mirror] [--yes] [--listen MULTIADDR] [--dial MULTIADDR] [--no-mdns] | mesh devices revoke DEVICE|--all-but-this [--reason TEXT] [--yes] [--wallet PATH]',
  summary: 'every device of this vault: label, capabilities, who enrolled it and when, last seen, online now, revoked; `revoke` cuts one (or all but this one) off everywhere at once and rotates the vault key',
  flags: {
    '--yes': 'approve, revoke: do not ask to confirm (needed where stdin is not a terminal)',
    '--all-but-this': 'revoke: every device but this one',
    '--reason TEXT': 'revoke: why, shown with the revoked device',
    '--read-only': 'approve: a device that reads and never writes (default: what it asked for)',
    '--admin': 'approve: a device that may approve and revoke devices too',
    '--mirror': 'approve: a blind mirror, which holds entries it cannot read',
    '--listen MULTIADDR': 'approve: wait there for the new machine (it runs mesh pair --via that address)',
    '--dial MULTIADDR': 'approve: dial the new machine there (an address mesh pair printed)',
    '--no-mdns': 'approve: do not look for it on the local network (mDNS)'
  },
  subSummaries: {
    list: 'every device of this vault: label, capabilities, who enrolled it and when, last seen, online now, revoked',
    approve: 'let a new machine in: find the one `mesh pair` runs on by its code, show what it claims, and on yes (at a terminal; elsewhere only --yes approves) grant it a certificate (what it asked for, or --read-only, --admin, --mirror)',
    revoke: 'cut a device (or all but this one) off everywhere at once and rotate the vault key, so it reads nothing written after'
  },
  examples: ['mesh devices', 'mesh devices approve K7QM-2XDF              # the code `mesh pair` shows on the new machine', 'mesh devices revoke laptop --reason stolen', 'mesh devices revoke --all-but-this --yes', 'mesh devices revoke laptop --wallet ~/wallet.json   # from a device that is not an admin'],
  options: {
    'all-but-this': { type: 'boolean' },
    yes: { type: 'boolean' },
    reason: { type: 'string' },
    // approve (pairing by code)
    'read-only': { type: 'boolean' },
    admin: { type: 'boolean' },
    mirror: { type: 'boolean' },
    listen: { type: 'string', multiple: true },
    dial: { type: 'string', multiple: true },
    'no-mdns': { type: 'boolean' }
  },
  inputNames: {
    'devices.revoke': { device: 'DEVICE', reason: '--reason', walletPath: '--wallet' },
    'devices.approve': { code: 'CODE', listen: '--listen', dial: '--dial' }
  },
  async run (g: Globals, args, values) {
    // Alone, `mesh devices` lists them.
    const sub = args[0] === undefined ? 'list' : subcommandOf('devices', args[0], ['list', 'revoke', 'approve'], this.usage)
    if (sub === 'list') return await list(g)
    if (sub === 'revoke') return await revoke(g, args[1], values)
    // Without its code: the usage `mesh devices approve --help` shows, every option in it.
    if (args[1] === undefined) throw new UsageError(`${subUsage(this, 'approve') as string}: the code the new device shows`)
    return await (await import('./pair.js')).devicesApprove(g, args, values)
  }
}

async function list (g: Globals): Promise<number> {
  return await withApi(g, async api => {
    const list = await api.call('devices.list', {})
    if (g.json) { out.json(list); return 0 }
    const me = list.find(d => d.self && d.revoked !== undefined)
    if (me?.revoked !== undefined) out.line(`${revokedWords(me.revoked)}: the list is what it knew then`)
    for (const d of list) {
      const seen = d.revoked !== undefined
        ? `revoked ${localTime(d.revoked.at)} by ${d.revoked.by.map(oneLine).join(', ')}${d.revoked.reason !== '' ? ` (${oneLine(d.revoked.reason)})` : ''}`
        : d.self ? 'this device' : d.online ? 'online now' : d.lastSeen !== undefined ? `last seen ${localTime(d.lastSeen)}` : 'never seen'
      out.line(`${oneLine(d.label)}\t${d.deviceId}\t[${d.capabilities.join(', ')}]\tenrolled by ${oneLine(d.enrolledBy ?? 'wallet')} ${localTime(d.grantedAt ?? d.issuedAt)}${d.expiresAt !== undefined ? `, expires ${localTime(d.expiresAt)}` : ''}\t${seen}`)
    }
    return 0
  })
}

async function revoke (g: Globals, device: string | undefined, values: Record<string, unknown>): Promise<number> {
  const allButThis = values['all-but-this'] === true
  if ((device === undefined) === !allButThis) throw new UsageError('name one device (its label or id), or pass --all-but-this')
  if (values.yes !== true) {
    // Looked up, then the home let go of before the question: without a daemon this command holds
    // the home while it is open, and every other command would wait on the answer, then fail.
    const ask = await withApi(g, async api => {
      const list = await api.call('devices.list', {})
      // A device that cannot sign the revoke says so before asking (the call would refuse after).
      const me = list.find(d => d.self)
      if (g.wallet === undefined && me !== undefined && (!me.capabilities.includes('admin') || me.revoked !== undefined)) throw new NotAdminError(`this device (${me.label}) is not an admin: revoke from an admin device, or pass the wallet (--wallet PATH)`, { deviceId: me.deviceId })
      const active = list.filter(d => d.revoked === undefined)
      const byId = active.filter(d => d.deviceId === device)
      const named = byId.length > 0 ? byId : active.filter(d => d.label === device)
      const names = allButThis ? active.filter(d => !d.self).map(d => d.label) : [device as string]
      // A name that picks no revocable device is refused by the call below, which then revokes
      // nothing, with why: asking first would only say "pass --yes" to a typo.
      return { names, askable: allButThis || (named.length === 1 && named[0]?.self !== true) }
    })
    if (ask.names.length === 0) { out.line('no other device to revoke'); return 0 }
    if (ask.askable) {
      const ok = await confirm(`Revoke ${ask.names.join(', ')}? It is cut off everywhere at once and can never rejoin with its key; what it already holds stays with it.`)
      if (!ok) { out.line('nothing revoked'); return 1 }
    }
  }
  return await withApi(g, async api => {
    const r = await api.call('devices.revoke', { device, allButThis, reason: values.reason as string | undefined, walletPath: g.wallet })
    if (g.json) { out.json(r); return 0 }
    if (r.walletPath !== undefined) out.line(`signed with the wallet ${r.walletPath}`)
    for (const d of r.revoked) out.line(`revoked ${d.label} (${d.deviceId}): kept the ${plural(d.keptEntries, 'entry', 'entries')} it wrote before; everything newer is refused by every device`)
    if (r.rotation !== undefined) out.line(`vault key rotated (rotation ${r.rotation}): ${r.revoked.length === 1 ? 'the revoked device' : `the ${r.revoked.length} revoked devices`} can read nothing written from now on`)
    else if (r.owed) out.line('vault key rotation owed: the next device that can write makes it before its next write')
    return 0
  })
}
