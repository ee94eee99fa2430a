/**
 * A blind mirror enrolled by pairing, with real libp2p nodes on loopback: the new machine asks for
 * the mirror capability (`mesh pair --mirror`), the admin approves it as a mirror (`mesh devices
 * approve CODE --mirror`), and the grant carries the vault's membership key and nothing else that
 * is secret (no epoch key, no document-id key, no rendezvous key). The home it writes is a mirror's
 * (no vault.keys). It passes the membership gate, and hands A's writes to B, never online with A;
 * its home holds no key and no plaintext.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DOC_NAMES, type SessionKey } from '../../crdt/index.js'
import { deviceKem, generateDeviceKey, membershipKey, toHex, type Wallet } from '../../src/identity/index.js'
import { writeEnrolledHome } from '../../src/node/enrol.js'
import { MeshNode } from '../../src/node/mesh.js'
import { MirrorVault } from '../../src/node/mirror.js'
import { startCandidate } from '../../src/node/pair.js'
import { findCandidate } from '../../src/node/pair-find.js'
import { approveRequest } from '../../src/node/pair-grant.js'
import { claims, writePairedHome, type PairedHome } from '../../src/node/pair-home.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { tempDir } from '../helpers/tmp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

const SESSION = 'agent:main:handoff'
const MARKER = 'paired-mirror-plaintext-marker-7f3a'

async function dir (): Promise<string> {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

async function node (wallet: Wallet, home: string, label: string): Promise<TestNode> {
  const n = await startNode({ wallet, home, label })
  cleanups.push(n.stop)
  return n
}

async function filesUnder (d: string): Promise<string[]> {
  const out: string[] = []
  for (const name of await readdir(d)) {
    const p = join(d, name)
    if ((await stat(p)).isDirectory()) out.push(...await filesUnder(p))
    else out.push(p)
  }
  return out
}

const texts = async (n: TestNode): Promise<string[]> => {
  if (!(await n.vault.sessions.exists(SESSION))) return []
  const s = await n.vault.sessions.open(SESSION)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

describe('a mirror enrolled by pairing', () => {
  it('gets the membership key and no other key, passes the gate, hands off between devices never online together, and holds no key', async () => {
    const wallet = generateWallet()
    const a = await node(wallet, join(await dir(), 'a'), 'desktop')
    const keys = a.vault.vault.identity.keys
    // B is enrolled now (its home written) but starts only once A is gone.
    const hb = join(await dir(), 'b')
    const bKey = await generateDeviceKey()
    const enrolled = await a.vault.vault.enrolDevice({ deviceKey: bKey.publicKey, kemKey: deviceKem(bKey.privateKey.raw.subarray(0, 32)).publicKey, capabilities: ['read', 'write'], label: 'laptop' })
    await writeEnrolledHome(hb, { wallet: a.vault.vault.identity.wallet, device: bKey, certificate: enrolled.certificate.bytes, keys, records: a.vault.vault.certs.records() })

    // `mesh pair --mirror` on the box: it asks for the mirror capability and names no KEM key.
    const mh = join(await dir(), 'mirror')
    const device = await generateDeviceKey()
    let written: PairedHome | undefined
    const c = await startCandidate({
      listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, codes: ['M1RR0RXX'],
      onCode: () => {},
      request: () => ({ device: device.publicKey, kem: new Uint8Array(0), label: 'vps', ...claims(), meshVersion: '0.1.0', capabilities: 8, clock: BigInt(Date.now()) }) as any,
      sign: (m) => device.signer.sign(m),
      onGrant: async (g) => { written = await writePairedHome(mh, device, g) }
    })
    cleanups.push(c.stop)
    // `mesh devices approve M1RR-0RXX --mirror` on the desktop.
    const f = await findCandidate({ code: 'M1RR-0RXX', mdns: false, dial: [c.addresses()[0] as string] })
    cleanups.push(f.close)
    expect(f.run.request.capabilities).toBe(8)
    const { grant, certificate } = await approveRequest(a.vault.vault, f.run.request, { role: 'mirror', transcript: f.run.transcript, bootstrap: a.node.addresses() })
    expect(certificate.capabilities).toEqual(['mirror'])
    expect(grant.epochs).toEqual([])
    expect(grant.docIdKey.byteLength + grant.rendezvous.byteLength).toBe(0)
    expect(toHex(grant.membershipKey)).toBe(toHex(membershipKey(keys)))
    await f.run.decide({ approved: true, grant })
    await c.paired
    expect(written?.certificate.capabilities).toEqual(['mirror'])
    const files = (await filesUnder(mh)).map(p => p.slice(mh.length + 1))
    expect(files).not.toContain('vault.keys')
    expect(files).toContain('mirror.json')

    // It runs as a blind mirror and passes the gate with A.
    const mirror = await MirrorVault.open({ home: mh })
    const m = await MeshNode.start(mirror, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
    let mirrorUp = true
    const stopMirror = async (): Promise<void> => { if (!mirrorUp) return; mirrorUp = false; await m.stop(); await mirror.close() }
    cleanups.push(stopMirror)
    await a.node.dial(m.addresses()[0] as string)
    await until(() => a.node.libp2p.services.membership.isProven(m.libp2p.peerId) && m.libp2p.services.membership.isProven(a.node.libp2p.peerId), 'A and the mirror to prove each other')

    // A writes and goes away; B, never online with A, gets it from the mirror alone.
    const s = await a.vault.sessions.create(SESSION)
    try { for (const t of [MARKER, 'second']) await s.append({ role: 'user', content: t }) } finally { await s.close() }
    const doc = a.vault.vault.docId(DOC_NAMES.session(SESSION as SessionKey))
    await until(() => mirror.store.docIds().some(d => toHex(d) === toHex(doc)) && [...mirror.store.vector(doc).values()].reduce((n, x) => n + Number(x), 0) >= 2, 'the mirror to hold A\'s session')
    await a.stop()
    const b = await node(wallet, hb, 'laptop')
    await b.node.dial(m.addresses()[0] as string)
    await until(async () => (await texts(b)).length === 2, 'B to get A\'s session from the mirror')
    expect(await texts(b)).toEqual([MARKER, 'second'])

    // The mirror's home holds no vault key, no read key, no rendezvous key and no plaintext.
    await stopMirror()
    const needles: Array<[string, Buffer]> = []
    const add = (what: string, k: Uint8Array): void => { const buf = Buffer.from(k); needles.push([`${what} raw`, buf], [`${what} hex`, Buffer.from(buf.toString('hex'))], [`${what} base64`, Buffer.from(buf.toString('base64').replace(/=+$/, ''))]) }
    for (const [e, k] of keys.epochs) add(`epoch ${e} key`, k)
    add('document-id key', keys.docIdKey)
    add('rendezvous key', keys.rendezvous)
    needles.push(['marker', Buffer.from(MARKER)], ['marker utf-16', Buffer.from(MARKER, 'utf16le')])
    const scan = async (home: string): Promise<string[]> => {
      const found: string[] = []
      for (const p of await filesUnder(home)) {
        const bytes = await readFile(p)
        for (const [what, n] of needles) if (bytes.includes(n)) found.push(`${what} in ${p.slice(home.length + 1)}`)
      }
      return found
    }
    expect(await scan(mh)).toEqual([])
    // The same scan finds the keys in a reader's home: it can see them where they are.
    await b.stop()
    expect(await scan(hb)).toContain('epoch 0 key base64 in vault.keys')
  }, 90_000)
})
