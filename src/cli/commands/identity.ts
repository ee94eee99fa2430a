/** mesh wallet new|show, mesh init, mesh status. */
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { UsageError, WalletNotFoundError } from '../../errors.js'
import { meshDefaultWalletPath, writeNewWallet } from '../../identity/index.js'
import { enrol } from '../../node/enrol.js'
import { acquireLock, ensureHomeDir } from '../../store/index.js'
import { findWalletPath, resolveOrGenerateWallet, resolveWallet } from '../../sdk/index.js'
import { stdout as out, withVault, type Globals } from '../context.js'
import type { Command } from '../command.js'

export const walletCmd: Command = {
  name: 'wallet',
  usage: 'mesh wallet new [--out PATH] | mesh wallet show',
  summary: 'create a wallet (Solana keypair file, mode 0600) or show its address',
  options: { out: { type: 'string' } },
  async run (g: Globals, args, values) {
    const sub = args[0]
    if (sub === 'new') {
      const path = resolve((values.out as string | undefined) ?? g.wallet ?? meshDefaultWalletPath())
      const w = await writeNewWallet(path)
      if (g.json) out.json({ address: w.address, path })
      else { out.line(`address: ${w.address}`); out.line(`wallet:  ${path} (mode 0600; keep it safe: it certifies your devices and unlocks your vault)`) }
      return 0
    }
    if (sub === 'show') {
      const path = await findWalletPath({ path: g.wallet })
      if (path === undefined) throw new WalletNotFoundError('no wallet found: pass --wallet PATH, set MESH_WALLET, or create one with `mesh wallet new`')
      const w = await resolveWallet({ path })
      if (g.json) out.json({ address: w?.address, path: resolve(path) })
      else out.line(w?.address)
      return 0
    }
    throw new UsageError(`unknown wallet command ${sub ?? '(none)'}: ${this.usage}`)
  }
}

export const initCmd: Command = {
  name: 'init',
  usage: 'mesh init [--read-only] [--label NAME]',
  summary: 'set up this machine\'s home: a device key and a wallet-signed certificate (generates a wallet if none is found)',
  options: { 'read-only': { type: 'boolean' }, label: { type: 'string' } },
  async run (g, _args, values) {
    const { wallet, generated } = await resolveOrGenerateWallet({ path: g.wallet })
    await ensureHomeDir(g.home)
    const lock = await acquireLock(g.home)
    let id
    try {
      id = await enrol(g.home, wallet, { readOnly: values['read-only'] === true, label: (values.label as string | undefined) ?? hostname() })
    } finally {
      await lock.release()
    }
    const info = { home: g.home, wallet: id.wallet, walletPath: wallet.path, walletGenerated: generated, deviceId: id.device.deviceId, label: id.certificate.label, capabilities: id.certificate.capabilities }
    if (g.json) { out.json(info); return 0 }
    if (generated) explainGeneratedWallet(wallet.path as string)
    out.line(`home:         ${g.home}`)
    out.line(`wallet:       ${id.wallet}${wallet.path !== undefined ? ` (${wallet.path})` : ''}`)
    out.line(`device:       ${id.device.deviceId}`)
    out.line(`label:        ${id.certificate.label}`)
    out.line(`capabilities: ${id.certificate.capabilities.join(', ')}`)
    return 0
  }
}

export function explainGeneratedWallet (path: string): void {
  out.line(`No wallet was given or found, so mesh generated one: ${path}`)
  out.line('It is yours: it proves which machines are yours and derives the key your data is encrypted with.')
  out.line('Back it up. To use the same mesh on another machine, copy this file there and run:')
  out.line(`  mesh join --wallet ${path}`)
  out.line('')
}

export const statusCmd: Command = {
  name: 'status',
  usage: 'mesh status [--json]',
  summary: 'wallet, device, capabilities, home and counts',
  options: {},
  async run (g) {
    return await withVault(g, async v => {
      const s = await v.status()
      if (g.json) { out.json(s); return 0 }
      out.line(`home:         ${s.home}`)
      out.line(`wallet:       ${s.wallet}`)
      out.line(`device:       ${s.deviceId}`)
      out.line(`label:        ${s.label}`)
      out.line(`capabilities: ${s.capabilities.join(', ')}`)
      out.line(`sessions:     ${s.sessions}`)
      out.line(`memory:       ${s.memory}`)
      out.line(`skills:       ${s.skills}`)
      out.line(`devices:      ${s.devices} known`)
      out.line(`store:        ${s.store.entries} entries, ${s.store.snapshots} snapshots, ${s.store.logBytes} log bytes`)
      return 0
    })
  }
}
