/**
 * The device tools an agent gets beyond the one the schema derives (`devices`, the list):
 * `devices_revoke`, a guarded front of `devices.revoke`.
 *
 * Why revoke is a tool at all: "my laptop was stolen, cut it off" is something a person says to
 * the agent in front of them, and every minute counts. Why it is guarded: a revoke cannot be
 * undone (the device must pair again with a new key), and an agent reads text it did not write
 * (transcripts from other devices, web pages) that may ask it to revoke. So the tool revokes one
 * named device, never "all but this"; `confirm` must name that same device again (its label or
 * id as `devices` lists them), so a slip of the agent's hands is caught; it takes no wallet path
 * (the daemon would read any file named); its MCP annotations say destructive, so a host asks
 * its user first; and the result says in words what was done.
 *
 * Approving a pairing is deliberately not a tool: granting a stranger's machine the vault is the
 * one decision pairing exists to leave to a person who compares the fingerprint on both screens.
 *
 * @example
 * serveMcp(api, transport, { tools: deviceTools(api) })
 */
import { z } from 'zod'
import { InvalidInputError, NotFoundError } from '../errors.js'
import type { MeshApi } from './api.js'
import { alreadyRevoked } from './devices.js'
import type { FrontEndTool } from './mcp.js'
import type { Output } from './schema.js'

type Device = Output<'devices.list'>[number]
type Revoked = Output<'devices.revoke'>

export const RevokeToolInput = z.object({
  device: z.string().min(1).describe('the device to revoke: its label or device id, as the devices tool lists it'),
  confirm: z.string().min(1).describe('the same device named again (its label or its device id): the revoke cannot be undone, so it runs only when both name one device'),
  reason: z.string().optional().describe('why, for the record every device keeps (e.g. "stolen")')
})

/** The one active device `name` names (by id, else by label), as the daemon's revoke would find it. */
export function pickDevice (list: readonly Device[], name: string): Device {
  const active = list.filter(d => d.revoked === undefined)
  const byId = active.filter(d => d.deviceId === name)
  const found = byId.length > 0 ? byId : active.filter(d => d.label === name)
  if (found.length === 0) {
    const gone = list.find(d => d.deviceId === name || d.label === name)
    // Said as the daemon's revoke says it: when and by whom (devices.ts).
    if (gone?.revoked !== undefined) throw alreadyRevoked(name, { deviceId: gone.deviceId, revoked: gone.revoked })
    throw new NotFoundError(`no device of this vault is called ${name}: the devices tool lists them`)
  }
  if (found.length > 1) throw new InvalidInputError(`${found.length} devices are called ${name}: name one by its device id (${found.map(d => d.deviceId).join(', ')})`)
  const d = found[0] as Device
  if (d.self) throw new InvalidInputError(`${name} is the device this agent runs on: revoke it from another device`)
  return d
}

/** What the tool did, in words an agent can repeat to its user. */
export function revokeText (r: Revoked): string {
  const lines = r.revoked.map(d => `Revoked ${d.label} (${d.deviceId}): every connected device cut it off and refuses it from now on; the ${d.keptEntries} entries it wrote before stay, anything newer is refused. This cannot be undone: to use that machine again, pair it anew (mesh pair).`)
  if (r.rotation !== undefined) lines.push(`The vault key was rotated (rotation ${r.rotation}): ${r.revoked.length === 1 ? 'the revoked device' : `the ${r.revoked.length} revoked devices`} can read nothing written from now on.`)
  else if (r.owed) lines.push('The vault key rotation is owed: the next device that can write makes it before its next write.')
  return lines.join('\n')
}

export function devicesRevokeTool (api: MeshApi): FrontEndTool {
  return {
    name: 'devices_revoke',
    description: 'Revokes ONE device of this vault (a lost or stolen machine): every connected device cuts it off at once, it can never rejoin with its key, and the vault key is rotated. Cannot be undone: ask the user first. `confirm` must name the same device again (label or id, as the devices tool lists it). Never revokes the device the agent runs on; approving new devices is not a tool (a person does it in the dashboard or with `mesh devices approve`).',
    input: RevokeToolInput,
    destructive: true,
    run: async (args: z.output<typeof RevokeToolInput>, options) => {
      const list = await api.call('devices.list', {}, options)
      const target = pickDevice(list, args.device)
      if (args.confirm !== target.label && args.confirm !== target.deviceId) {
        throw new InvalidInputError(`confirm names "${args.confirm}", not ${target.label} (${target.deviceId}): nothing was revoked`, { deviceId: target.deviceId })
      }
      // By id: a label another device may also carry by then cannot redirect the revoke.
      const r = await api.call('devices.revoke', { device: target.deviceId, reason: args.reason }, options)
      return { done: revokeText(r), ...r }
    },
    text: (out: unknown) => (out as { done: string }).done
  }
}

/** Every device tool beside the schema's. */
export function deviceTools (api: MeshApi): FrontEndTool[] {
  return [devicesRevokeTool(api)]
}
