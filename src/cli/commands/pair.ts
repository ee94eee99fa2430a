/**
 * mesh pair (on the new machine) and mesh devices approve CODE (on a trusted admin device).
 * `mesh pair` runs before there is a home or a daemon, like `mesh init`: it owns the pairing
 * node and writes the home itself, and never looks for a wallet. `approve` goes through the API
 * (the daemon's when one runs) in two calls, with the owner's review in between.
 */
import { AbortedError, isMeshError, PairingFailedError, UsageError } from '../../errors.js'
import { askYesNo, homeArg, localTime, stdout as out, untilStopped, withApi, type Globals } from '../context.js'
import type { Command } from '../command.js'
import { multiaddrs } from '../multiaddr-flags.js'
import { checkLabelFlag } from '../label.js'
import { checkHomeForSocket } from '../socket-home.js'

/**
 * Text from another device as the terminal may show it: controls, DEL, line separators and bidi
 * controls written as `\u{…}`, so that none is obeyed (an escape sequence could hide lines or
 * rewrite the fingerprint line of the review). The approver refuses them in a request already;
 * this is for everything else shown, and in case a front-end gets one past it.
 *
 * Kept apart from printable (which the writers apply to every line anyway) because its output
 * must differ: the review is one field to a line, so a newline is shown too (a label holding
 * "\n  fingerprint:  …" would otherwise print a line of its own that reads as the fingerprint),
 * and so are the direction marks printable leaves for running Arabic or Hebrew text (ALM, LRM,
 * RLM), which could reorder a label's characters beside the fingerprint. It shows exactly the set
 * the approver refuses (protocols/pair UNSAFE_TEXT), as `\u{…}`, in place, so the text around it
 * reads as it was sent. What it returns holds no control, so the writer's printable leaves it as it is.
 */
export function shown (text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/gu, c => `\\u{${(c.codePointAt(0) as number).toString(16)}}`)
}

export const pairCmd: Command = {
  name: 'pair',
  arity: 0,
  usage: 'mesh pair [--label NAME] [--read-only|--mirror] [--via MULTIADDR]... [--listen MULTIADDR]... [--no-mdns]',
  summary: 'join this machine to your mesh without the wallet: shows a code to approve on a device already in it',
  flags: {
    '--label NAME': 'this device\'s name',
    '--listen MULTIADDR': 'where to listen for the approving device (repeat it for several)',
    '--read-only': 'ask to be a device that reads and never writes',
    '--mirror': 'ask to be a blind mirror, which holds entries it cannot read',
    '--no-mdns': 'do not be found on the local network (mDNS): the approver comes by --via or dials an address printed'
  },
  examples: [
    'mesh pair --label laptop                     # then, on your desktop: mesh devices approve K7QM-2XDF',
    'mesh pair --via /ip4/203.0.113.7/tcp/4001/p2p/12D3KooW…   # across networks, through your relay (mesh join --relay there)',
    'mesh pair --via /ip4/203.0.113.7/tcp/4040    # or straight to the desktop, which runs approve --listen /ip4/0.0.0.0/tcp/4040'
  ],
  options: {
    label: { type: 'string' },
    via: { type: 'string', multiple: true },
    listen: { type: 'string', multiple: true },
    'no-mdns': { type: 'boolean' },
    'read-only': { type: 'boolean' },
    mirror: { type: 'boolean' }
  },
  async run (g: Globals, _args, values) {
    // One role: a read-only mirror is no role mesh has (`devices approve` refuses the pair the same way).
    if (values['read-only'] === true && values.mirror === true) throw new UsageError('--read-only and --mirror exclude each other: a mirror reads nothing (it holds no vault key); give one')
    // Before a code is offered: the home it would write could never run `mesh join` (its socket would not fit).
    checkHomeForSocket(g.home)
    const { hostname } = await import('node:os')
    const { isInitialized } = await import('../../store/index.js')
    const { readDeviceKey, refuseIfCertificateLost, unfinishedPairing } = await import('../../node/enrol.js')
    await refuseIfCertificateLost(g.home, { pairing: true })
    if (await isInitialized(g.home)) throw await setUpAlready(g)
    // Killed, or the power lost, while it wrote this home: taken up again (pair-home.ts clears it once granted).
    const unfinished = await unfinishedPairing(g.home) !== undefined
    // Checked before a code is shown: a malformed one is bad input naming its flag, not an error
    // after the code (and, for --via, a pairing node left running).
    const via = await multiaddrs('--via', values.via)
    const listen = await multiaddrs('--listen', values.listen)
    const { generateDeviceKey } = await import('../../identity/index.js')
    const { VERSION } = await import('../main.js')
    const { shortFingerprint } = await import('../../identity/pair-code.js')
    const { startCandidate } = await import('../../node/pair.js')
    const { KEY_REVOKED_REASON } = await import('../../node/pair-grant.js')
    const { claims, entriesOf, kemOf, writePairedHome } = await import('../../node/pair-home.js')
    const label = (values.label as string | undefined) ?? hostname()
    // Off with --no-mdns, and as well where the home's config.json says "mdns": false (written
    // before pairing, for the `mesh join` to come): that home's machine is not announced on the LAN.
    const { readConfig } = await import('../../node/config.js')
    const mdns = values['no-mdns'] !== true && (await readConfig(g.home)).mdns !== false
    // The rule every label is held to (empty, control or bidi characters, over 128): the approver would refuse it.
    await checkLabelFlag(label)
    // An earlier pairing into this home that stopped once granted left the key it was granted
    // for (the first file it writes): asked for again, the approver certifies the device it
    // listed then, rather than listing a second one that is never seen. Refused there (revoked
    // meanwhile, as the messages said to do), the next code goes with a new key.
    const earlier = unfinished ? await readDeviceKey(g.home).catch(() => undefined) : undefined
    let device = earlier ?? await generateDeviceKey()
    const fresh = earlier !== undefined ? await generateDeviceKey() : undefined
    let fp = shortFingerprint(device.deviceId)
    const say = (o: Record<string, unknown>, text: string): void => { if (g.json) out.line(JSON.stringify(o)); else out.line(text) }
    const expiry = (at: number): string => `expires ${localTime(at)}`
    type CodeReason = 'first' | 'wrong-code' | 'expired' | 'abandoned' | 'probed' | 'denied'
    const showCode = (c: { display: string, expiresAt: number }, reason: CodeReason): void => {
      const why = { first: 'pairing code', 'wrong-code': 'someone tried a wrong code; new code', expired: 'the code expired; new code', abandoned: 'no grant came; new code', probed: 'someone probed for codes; new code', denied: 'the approver refused; new code' }[reason]
      say({ event: 'code', code: c.display, expiresAt: c.expiresAt, reason, fingerprint: fp }, `${why}: ${c.display}   (${expiry(c.expiresAt)})   this device: ${fp}`)
      // Each new code with the line that approves it: the one printed before no longer does.
      say({ event: 'hint', code: c.display }, `on a device already in your mesh run: mesh devices approve ${c.display}`)
    }
    let written: Awaited<ReturnType<typeof writePairedHome>> | undefined
    let cleaned = false
    // Ctrl-C and SIGTERM are taken from here on, before the code shows: one that came while the
    // pairing node started, or between the "waiting" line and the wait, killed the process unsaid
    // (no end line, no JSON). `ended` is given the pairing's outcome once it runs, or ends the wait.
    let ended: (outcome: Promise<unknown>) => void = () => {}
    const stopped = untilStopped(new Promise<unknown>(resolve => { ended = resolve }))
    const candidate = await startCandidate({
      // Through --via the approver comes over the relay (or is dialed where it listens): nothing
      // need reach this machine, so it listens on loopback only unless --listen says otherwise.
      listen: listen ?? [via !== undefined && via.length > 0 ? '/ip4/127.0.0.1/tcp/0' : '/ip4/0.0.0.0/tcp/0'],
      mdns,
      via,
      // A denial's new code is shown with the denial (onEvent): a denial of the earlier pairing's
      // key changes the key, and so the fingerprint the new code goes with.
      onCode: (c, reason) => { if (reason !== 'denied') showCode(c, reason) },
      onRelay: (e) => {
        if (e.registered) say({ event: 'relay', relay: e.relay, registered: true, expiresAt: e.expires }, `waiting at relay ${e.relay} (a pairing slot until ${localTime(e.expires ?? 0)}): approve from any device connected to it`)
        else if (e.notRelay === true) say({ event: 'relay', relay: e.relay, addr: e.addr, registered: false, notRelay: true }, `${e.addr ?? e.relay} is not a relay for pairing (it does not run \`mesh join --relay\`): it answered nothing and hung up. Pair --via a member that runs \`mesh join --relay\`, or the address where a member runs \`mesh devices approve CODE --listen ADDR\``)
        else if (e.direct === true) say({ event: 'relay', relay: e.relay, registered: false, direct: true }, `reached ${e.relay}: no relay but an approver listening there; waiting for it to approve`)
        else say({ event: 'relay', relay: e.relay, registered: false, error: e.error }, `relay ${e.relay} took no pairing slot: ${e.error ?? 'refused'}`)
      },
      onUnreachable: (e) => {
        say({ event: 'unreachable', addr: e.addr, error: e.error }, `cannot reach ${e.addr} yet (${e.error}); trying again every ${Math.round(e.retryMs / 1000)} s: check the address, and that \`mesh join --relay\` or \`mesh devices approve --listen\` runs there`)
      },
      // Someone is probing: said, with what the device does about it, rather than new codes alone.
      onProbe: (e) => {
        if (e.type === 'refused') {
          const who = e.kind === 'network' ? e.source : `peer ${e.source}`
          say({ event: 'probing', kind: 'refused', source: e.source, sourceKind: e.kind, address: e.address, attempts: e.strikes, reason: e.reason, until: e.until },
            `someone is probing for the code: ${e.strikes} failed attempts from ${who}; refusing it until ${localTime(e.until)}`)
        } else {
          say({ event: 'probing', kind: 'paused', burned: e.burned, until: e.until },
            `someone is probing for the code: ${e.burned} codes burned within a minute; new attempts wait until ${localTime(e.until)}, then approve the code shown last`)
        }
      },
      onEvent: (e) => {
        // Said with the new code in text ("the approver refused; new code: …"), and its own reason when it gave one.
        if (e.type === 'denied') {
          // Its key revoked there (and that alone: an owner's no keeps it, the device it listed is still this one's).
          if (e.reason === KEY_REVOKED_REASON && fresh !== undefined && device !== fresh) {
            device = fresh
            fp = shortFingerprint(device.deviceId)
            say({ event: 'newKey', peerId: device.deviceId }, `the approver revoked the device of the earlier pairing: this device will be ${device.deviceId}`)
          }
          showCode(e.code, 'denied')
          if (g.json) say({ event: 'denied', reason: e.reason }, ''); else if (e.reason !== 'the owner refused') out.line(`  (the approver's reason: ${shown(e.reason)})`)
        }
        if (e.type === 'confirmed') say({ event: 'confirmed' }, 'code confirmed: waiting for the owner to approve')
      },
      // A mirror asks for bit 3 (mirror) and names no KEM key: no epoch key is ever wrapped to it.
      request: () => ({ device: device.publicKey, kem: values.mirror === true ? new Uint8Array(0) : kemOf(device), label, ...claims(), meshVersion: VERSION, capabilities: values.mirror === true ? 8 : values['read-only'] === true ? 1 : 3, clock: BigInt(Date.now()) }) as any,
      sign: (m) => device.signer.sign(m),
      onGrant: async (grant) => {
        // What this run writes, it takes back if the write fails part-way: the grant's keys are
        // not left in a home that is not set up.
        // A home an earlier pairing left unfinished: what was there before that one (what this
        // one writes goes in the names that one used, which a listing now would count as there before).
        const prior = await unfinishedPairing(g.home)
        const before = prior !== undefined ? prior.before : await entriesOf(g.home)
        try {
          written = await writePairedHome(g.home, device, grant)
        } catch (err) {
          cleaned = await takeBack(g.home, before)
          throw err
        }
      }
    }).catch((err: unknown) => { ended(Promise.resolve()); throw err })
    if (unfinished) {
      const after = earlier !== undefined
        ? `; this one asks for the device that one was granted (${earlier.deviceId}), which the approver lists as never seen until then`
        : ' (on the device that approved it, revoke the device it made: `mesh devices` lists it as never seen)'
      say({ event: 'unfinished', home: g.home, ...(earlier !== undefined ? { peerId: earlier.deviceId } : {}) }, `an earlier pairing into ${g.home} stopped before it finished: what it wrote is cleared once this one is approved${after}`)
    }
    say({ event: 'waiting', peerId: device.deviceId, addresses: candidate.addresses(), mdns }, `waiting: this device will be ${device.deviceId}; ${mdns ? 'announced on the LAN by mDNS; ' : ''}listening on ${candidate.addresses().join(' ')}`)
    if (!g.json) out.line('(those addresses carry a one-time pairing PeerId, not this device\'s; where mDNS does not reach, approve with `mesh devices approve CODE --dial ADDR`)')
    let failed: unknown
    candidate.paired.catch((err: unknown) => { failed = err })
    ended(candidate.paired)
    try {
      await stopped
    } finally {
      await candidate.stop()
    }
    // Approved, but this home could not be written (a full disk, no permission): the approver's
    // vault lists the device already, so say what to do there.
    if (failed !== undefined) {
      const why = (failed as Error)?.message ?? String(failed)
      // The grant itself refused (it does not verify, the home was set up meanwhile): said as it is.
      const refused = isMeshError(failed) && failed.code === 'PAIRING_FAILED'
      const after = `The vault lists '${label}' already: remove it on the approving device (\`mesh devices revoke ${label}\`)`
      throw new PairingFailedError(refused
        ? `the owner approved this device as '${label}', but its grant was refused here: ${why}. ${after}, and pair again`
        : `the owner approved this device as '${label}', but its home ${g.home} could not be written (${why}), and is not set up. ${cleaned ? 'What this run had written there was removed' : `It may hold part of what was written, this vault's keys included: delete what mesh wrote in ${g.home}`}. ${after}, make ${g.home} writable, and pair again`, { reason: refused ? (failed as { details: Record<string, unknown> }).details.reason ?? 'invalid' : 'home-write', home: g.home, label }, { cause: failed })
    }
    // Stopped (Ctrl-C, SIGTERM) before a grant came. With --json every line of stdout is JSON: the
    // end is an event there, and the error is said as every --json error is (on stderr).
    if (written === undefined) {
      if (g.json) say({ event: 'stopped', paired: false }, '')
      throw new AbortedError('stopped before pairing: nothing was written', { home: g.home, reason: 'stopped' })
    }
    const caps = written.certificate.capabilities.join(', ')
    say({ event: 'paired', wallet: written.wallet, deviceId: device.deviceId, label: written.certificate.label, capabilities: written.certificate.capabilities, approver: written.approver, home: g.home },
      `paired with vault ${written.wallet} as '${shown(written.certificate.label)}' [${caps}], approved by ${shown(written.approver)}; no wallet is needed on this machine. Start it: mesh join${written.certificate.capabilities.includes('mirror') ? ' --mirror' : ''}${homeArg(g)}${written.certificate.capabilities.includes('mirror') ? ' (a blind mirror: it holds the membership key and no vault key)' : ''}`)
    return 0
  }
}

/**
 * Why `mesh pair` will not pair a home that is set up: a device of a vault already, or one its
 * vault revoked (said so, by whom and when, as `mesh status` says it), with how to pair this
 * machine again. A home whose status cannot be read gets the plain words.
 */
async function setUpAlready (g: Globals): Promise<UsageError> {
  const revoked = await withApi(g, async api => {
    const s = await api.call('node.status', {})
    return s.revoked !== undefined ? { label: s.label, ...s.revoked } : undefined
  }).catch(() => undefined)
  if (revoked === undefined) return new UsageError(`home ${g.home} is already set up (it is a device of a vault already: \`mesh status${homeArg(g)}\` says which); to pair another home on this machine, pass --home with a directory that is not set up`, { home: g.home })
  return new UsageError(`this device (${shown(revoked.label)}, home ${g.home}) was revoked by ${revoked.by.map(shown).join(', ')} at ${localTime(revoked.at)}${revoked.reason !== '' ? ` (${shown(revoked.reason)})` : ''}: its key can never rejoin the vault, so this home cannot be paired again`, { home: g.home, revoked: true }, {
    hint: {
      sep: '. ',
      cli: `To pair this machine again, pair a new home: \`mesh pair --home NEWDIR\` (and run it with \`mesh join --home NEWDIR\`), or move ${g.home} aside (it keeps what this device held; stop its \`mesh join\` first) and run \`mesh pair${homeArg(g)}\` again`
    }
  })
}

/**
 * Removes what appeared in `dir` since `before` was listed (the whole folder if it was not there):
 * what a failed pairing wrote, and nothing that was there before it. True when all of it went.
 */
async function takeBack (dir: string, before: readonly string[] | undefined): Promise<boolean> {
  const { rm } = await import('node:fs/promises')
  const { removeSince } = await import('../../node/pair-home.js')
  try {
    if (before === undefined) { await rm(dir, { recursive: true, force: true }); return true }
    await removeSince(dir, before)
    return true
  } catch {
    // Not thrown: the pairing's own failure is the error to show; false makes that message say
    // what may be left to delete by hand.
    return false
  }
}

/**
 * --dial's addresses, each naming its peer. One that names none is told where the whole address
 * is (the `mesh pair` on the new machine prints it), not `mesh join`'s: the device being approved
 * runs no `mesh join` yet. A malformed one is said by `multiaddrs`, as for every flag.
 */
async function dialFlags (values: unknown): Promise<string[] | undefined> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  for (const a of (values as string[] | undefined) ?? []) {
    let peer: boolean
    try { peer = multiaddr(a).getComponents().some(c => c.name === 'p2p') } catch { break }
    if (!peer) throw new UsageError(`--dial ${a} names no peer: end it with /p2p/<peer id>, as the addresses \`mesh pair\` prints on the new machine do (its "waiting:" line)`, { flag: '--dial', addr: a })
  }
  return await multiaddrs('--dial', values, true)
}

/** How long a search goes on before `mesh devices approve` says it looks for the device. */
const LOOKING_QUIET_MS = 500

/** `mesh devices approve CODE …` (devices.ts refuses it without its code, with the whole usage). */
export async function devicesApprove (g: Globals, args: string[], values: Record<string, unknown>): Promise<number> {
  const code = args[1] as string
  if ([values['read-only'], values.admin, values.mirror].filter(v => v === true).length > 1) throw new UsageError('--read-only, --admin and --mirror exclude each other')
  // No flag: what the device asked for (`mesh pair --read-only`, `--mirror`), else read-write.
  const role = values['read-only'] === true ? 'read-only' : values.admin === true ? 'admin' : values.mirror === true ? 'mirror' : undefined
  // A malformed code is said before "looking for the device showing …", not after it.
  const { normalizeCode } = await import('../../identity/pair-code.js')
  normalizeCode(code)
  const dial = await dialFlags(values.dial)
  const listen = await multiaddrs('--listen', values.listen)
  // The question is where the fingerprint is checked: a "y" piped in would skip that check. As
  // revoke does, off a terminal only --yes approves; refused before the code is used.
  if (values.yes !== true && process.stdin.isTTY !== true) throw new UsageError('approving lets that machine into your mesh: answer the question at a terminal once its fingerprint matches the one the new machine shows, or pass --yes to approve when not at a terminal')
  return await withApi(g, async api => {
    // Said once the search has gone on for a moment, not before the call: a refusal that comes at
    // once (a device that cannot approve, revoked or no admin; nothing to look with) is said alone,
    // with no search said before it; a device found at once needs no word either.
    const looking = g.json ? undefined : setTimeout(() => { out.line(`looking for the device showing ${code}…`) }, LOOKING_QUIET_MS)
    let r
    try {
      r = await api.call('devices.approve', {
        code,
        role,
        listen,
        dial,
        // Left out unless --no-mdns: the API then follows this device's own setting (the
        // daemon's, else the home's config.json), not a LAN search the person turned off.
        ...(values['no-mdns'] === true ? { mdns: false } : {})
      })
    } finally {
      clearTimeout(looking)
    }
    // Devices of the wallet already called so (another machine, or this one paired again after a
    // revoke): both would list under one name, and a revoke by label would not know which.
    const sameLabel = (await api.call('devices.list', {})).filter(d => d.label === r.label && d.deviceId !== r.deviceId).map(d => ({ deviceId: d.deviceId, ...(d.revoked !== undefined ? { revoked: true } : {}) }))
    if (!g.json) {
      out.line('')
      // Every line from what the device or the relay said, escaped (see `shown`).
      out.line(`  label:        ${shown(r.label)}`)
      for (const d of sameLabel) {
        out.line(d.revoked === true
          ? `  note:         a revoked device is called ${shown(r.label)} too (id ${d.deviceId}): mesh devices will list both as ${shown(r.label)}`
          : `  note:         a device called ${shown(r.label)} is enrolled already (id ${d.deviceId}): both will show as ${shown(r.label)}; \`mesh devices revoke\` will need the id`)
      }
      out.line(`  host:         ${shown(r.claims.hostname)} (claimed)`)
      out.line(`  system:       ${shown(r.claims.os)} ${shown(r.claims.arch)}, mesh ${shown(r.claims.meshVersion)} (claimed)`)
      out.line(`  fingerprint:  ${r.fingerprint}   (PeerId ${r.deviceId}; the device shows this fingerprint)`)
      out.line(`  reached at:   ${shown(r.address)} (${r.via})`)
      if (r.seenFrom !== undefined) out.line(`  comes from:   ${shown(r.seenFrom)} (as the relay saw it)`)
      out.line(`  asks for:     ${r.requested.join(', ')}`)
      out.line(`  will get:     ${r.granting.join(', ')}`)
      if (Math.abs(r.clockSkewMs) > 120_000) out.line(`  its clock is ${Math.round(r.clockSkewMs / 1000)} s off ours`)
      out.line('')
    // --json: a line per event, as mesh pair says its own (the review before the question, then the decision).
    } else out.line(JSON.stringify({ event: 'review', ...r, ...(sameLabel.length > 0 ? { sameLabel } : {}) }))
    let yes = values.yes === true
    if (!yes) yes = await askYesNo(`Approve '${shown(r.label)}' (${r.fingerprint}) with ${r.granting.join(', ')}?`)
    const d = await api.call('devices.decide', { pairing: r.pairing, approve: yes })
    if (g.json) out.line(JSON.stringify({ event: 'decision', ...d }))
    else out.line(d.approved ? `approved: '${shown(d.label)}' (${d.deviceId}) [${d.capabilities.join(', ')}]` : 'refused: nothing was granted')
    if (!d.approved) throw new PairingFailedError('refused by you', { reason: 'denied' })
    return 0
  })
}


