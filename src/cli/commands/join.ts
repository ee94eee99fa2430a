/** mesh join: set the home up on first use (generating a wallet when none is found) and run. */
import { hostname } from 'node:os'
import { openVault, resolveOrGenerateWallet } from '../../sdk/index.js'
import { isInitialized } from '../../store/index.js'
import { stdout as out } from '../context.js'
import type { Command } from '../command.js'
import { explainGeneratedWallet } from './identity.js'

export const joinCmd: Command = {
  name: 'join',
  usage: 'mesh join [--read-only] [--label NAME]',
  summary: 'run this machine\'s mesh node in the foreground (sets up the home, and a wallet if none is found)',
  options: { 'read-only': { type: 'boolean' }, label: { type: 'string' } },
  async run (g, _args, values) {
    let wallet
    let generated = false
    if (g.wallet !== undefined || !(await isInitialized(g.home))) {
      ({ wallet, generated } = await resolveOrGenerateWallet({ path: g.wallet }))
    }
    if (generated && !g.json) explainGeneratedWallet(wallet?.path as string)
    const v = await openVault({ home: g.home, wallet, readOnly: values['read-only'] === true, label: (values.label as string | undefined) ?? hostname() })
    const info = v.info()
    if (g.json) out.json({ event: 'started', ...info, walletPath: wallet?.path, walletGenerated: generated })
    else {
      out.line(`home:         ${info.home}`)
      out.line(`wallet:       ${info.wallet}`)
      out.line(`device:       ${info.deviceId} (${info.label})`)
      out.line(`capabilities: ${info.capabilities.join(', ')}`)
      out.line('running; press Ctrl-C to stop')
    }
    await new Promise<void>(resolve => {
      // Signal listeners alone do not keep Node's event loop alive: this timer does, until stop.
      const keepAlive = setInterval(() => {}, 1 << 30)
      const stop = (): void => { clearInterval(keepAlive); process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve() }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await v.close()
    if (g.json) out.json({ event: 'stopped' })
    else out.line('stopped; store flushed')
    return 0
  }
}
