/** The devices area of the in-process API: the device list, revocation (devices.ts) and pairing by code (pairing.ts). */
import { listDevices, revokeDevices } from './devices.js'
import type { Handlers, LocalContext } from './local-context.js'

export function deviceHandlers (ctx: LocalContext): Handlers<'devices.list' | 'devices.revoke' | 'devices.approve' | 'devices.decide'> {
  return {
    'devices.list': async () => await listDevices(ctx.vault.vault, ctx.node),
    'devices.revoke': async (input) => await revokeDevices(ctx.vault.vault, input, ctx.node),
    // Pairing by code (issue 14 §2): the run is held between the two calls (api/pairing.ts).
    'devices.approve': async (input, signal, client) => await ctx.approvals().approve(input, signal, client),
    'devices.decide': async (input, signal) => await ctx.approvals().decide(input, signal)
  }
}
