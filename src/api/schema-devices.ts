/**
 * The devices area of the API schema: the devices of the wallet, revoking one (issue 14), and
 * pairing a new one by code (find, review, decide).
 */
import { z } from 'zod'
import type { MethodDef } from './schema.js'
import { MAX_TIMEOUT_MS } from './schema-sessions.js'

export const DeviceSchema = z.object({
  deviceId: z.string(),
  label: z.string(),
  capabilities: z.array(z.string()),
  issuedAt: z.number(),
  expiresAt: z.number().optional(),
  self: z.boolean(),
  online: z.boolean(),
  lastSeen: z.number().optional().describe('ms since 1970 this device last heard from it: now while it is online; none for one never seen'),
  enrolledBy: z.string().optional().describe('who certified it: "wallet", or the enrolling device\'s label'),
  grantedAt: z.number().optional().describe('when it was certified (its certificate\'s issue time)'),
  revoked: z.object({ at: z.number(), by: z.array(z.string()), reason: z.string() }).optional().describe('when and by whom it was revoked (labels, or "wallet")')
})

export const PairingReviewSchema = z.object({
  pairing: z.string().describe('pass to devices.decide'),
  label: z.string().describe('the label the device asks for'),
  claims: z.object({ hostname: z.string(), os: z.string(), arch: z.string(), meshVersion: z.string() }).describe('what the device says about itself: claims, not proven'),
  deviceId: z.string().describe('the PeerId the device will have in the mesh (it proved it holds the key)'),
  fingerprint: z.string().describe('the short fingerprint the device shows next to its code'),
  address: z.string().describe('where this device reached it'),
  via: z.string().describe('how it was found: mdns, inbound (it dialed us), dial, or relay (through a member\'s relay)'),
  seenFrom: z.string().optional().describe('through a relay: the address the relay saw the device come from (its network\'s public address)'),
  requested: z.array(z.string()).describe('capabilities it asks for'),
  granting: z.array(z.string()).describe('capabilities it will get if approved'),
  clockSkewMs: z.number().describe('its clock minus ours')
})

export const DEVICE_LIST_METHODS = {
  'devices.list': {
    summary: 'Every device of this wallet this node knows: label, capabilities, who enrolled it and when, last seen, whether it is online, and whether it was revoked (when, by whom).',
    input: z.object({}),
    output: z.array(DeviceSchema),
    http: { verb: 'GET', path: '/api/devices' },
    mcp: 'devices',
    mcpHints: { readOnly: true, destructive: false, idempotent: true }
  }
} as const satisfies Record<string, MethodDef>

/** Revocation and pairing, after the agents' import in METHODS (see there). */
export const DEVICE_ADMIN_METHODS = {
  // --- issue 14: the registry (revocation) ---
  'devices.revoke': {
    summary: 'Revokes a device (by label or id), or every device but this one: every connected peer cuts it off at once and refuses it from then on; what it wrote before stays, everything later is refused; the vault key is rotated (now, or by the next device that can write).',
    input: z.object({
      device: z.string().optional().describe('the label or device id to revoke'),
      allButThis: z.boolean().optional().describe('revoke every other device'),
      reason: z.string().optional(),
      walletPath: z.string().optional().describe('sign with the wallet (from any member, even a read-only one) instead of this admin device')
    }),
    output: z.object({
      revoked: z.array(z.object({ deviceId: z.string(), label: z.string(), keptEntries: z.number() })),
      epoch: z.number().optional().describe('the new key epoch, when this device rotated: an identifier (its generation in the high bits, a random low byte), not a count'),
      rotation: z.number().optional().describe('with epoch: how many times the vault key has now been rotated, this rotation included'),
      owed: z.boolean().describe('a rotation is still owed: the next device that can write makes it before its next write'),
      walletPath: z.string().optional().describe('the wallet file that signed, when one did')
    }),
    // Not `writes`: a read-only member may publish the wallet's revoke.
    http: { verb: 'POST', path: '/api/devices/revoke' }
  },
  // --- Pairing by code (issue 14 §2): find the device showing a code, review, then decide ---
  'devices.approve': {
    summary: 'Finds the new device showing this pairing code (mDNS on the LAN, or a device started with `mesh pair --via` one of `listen`), runs the PAKE, and returns what it asks for, to review; nothing is granted until devices.decide.',
    input: z.object({
      code: z.string().describe('the code the new device shows, XXXX-XXXX'),
      role: z.enum(['read-only', 'read-write', 'admin', 'mirror']).optional().describe('what to grant (default: what the device asked for, read-write for a plain `mesh pair`); mirror: a blind mirror, given the membership key and no other key'),
      listen: z.array(z.string()).optional().describe('also listen here for a device started with `mesh pair --via` this address'),
      dial: z.array(z.string()).optional().describe('also dial these addresses of the new device'),
      mdns: z.boolean().optional().describe('look on the LAN by mDNS (default: this device\'s own setting, the running node\'s, else its config.json `mdns`, else true); false turns it off, true does not turn on what that setting turned off'),
      relays: z.boolean().optional().describe('also ask the members\' relays this node is connected to for a device started with `mesh pair --via` one of them (default true)'),
      timeoutMs: z.number().int().min(0).max(MAX_TIMEOUT_MS).optional().describe('give up after this many ms (default 60000, at most 2147483647)')
    }),
    output: PairingReviewSchema,
    http: { verb: 'POST', path: '/api/devices/approve' }
  },
  'devices.decide': {
    summary: 'Grants (approve: true) or refuses the device found by devices.approve: on yes it gets a certificate from this admin device, the registry and the read keys, inside the PAKE channel.',
    input: z.object({ pairing: z.string().describe('the id devices.approve returned'), approve: z.boolean() }),
    output: z.object({ approved: z.boolean(), deviceId: z.string(), label: z.string(), capabilities: z.array(z.string()) }),
    http: { verb: 'POST', path: '/api/devices/decide' }
  }
} as const satisfies Record<string, MethodDef>
