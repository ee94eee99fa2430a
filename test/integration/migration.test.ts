/**
 * Homes made by the release before issue 14 (version 1 certificates, no registry: see
 * test/helpers/legacy-home.ts) keep working with this code, opened without the wallet: they sync
 * and read each other; a device set up now with the wallet becomes the vault's first admin
 * (genesis) beside them; it revokes one of them, and the rotation reaches the other through its
 * ed25519 key in Montgomery form (a version 1 certificate names no KEM key), while the revoked one
 * reads nothing new.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MeshNode } from '../../src/node/mesh.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { generateWallet, startNode, until, type TestNode } from '../helpers/nodes.js'
import { legacyHome } from '../helpers/legacy-home.js'
import { tempDir } from '../helpers/tmp.js'

const SESSION = 'agent:main:migrated'
const stops: Array<() => Promise<void>> = []
afterEach(async () => { for (const s of stops.splice(0).reverse()) await s() })

async function home (): Promise<string> {
  const t = await tempDir()
  stops.push(t.cleanup)
  return join(t.dir, 'home')
}

/** A node on an existing home, opened without any wallet. */
async function open (h: string): Promise<{ vault: MeshVault, node: MeshNode }> {
  const vault = await openVault({ home: h })
  const node = await MeshNode.start(vault.vault, { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' })
  stops.push(async () => { await node.stop(); await vault.close() })
  return { vault, node }
}

const texts = async (v: MeshVault): Promise<string[]> => {
  if (!(await v.sessions.exists(SESSION))) return []
  const s = await v.sessions.open(SESSION)
  try { return s.messages().map(m => m.content) } finally { await s.close() }
}

async function connect (from: MeshNode, to: MeshNode): Promise<void> {
  await from.dial(to.addresses()[0] as string)
  await until(() => from.libp2p.services.membership.isProven(to.libp2p.peerId), 'membership')
}

describe('migration of homes made before the registry', () => {
  it('old homes sync as before; a new admin revokes one of them, the rotation reaches the other', async () => {
    const wallet = generateWallet()
    const h1 = await home()
    const h2 = await home()
    await legacyHome(h1, wallet, { label: 'old-desktop' })
    await legacyHome(h2, wallet, { label: 'old-laptop' })
    const d = await open(h1)
    const l = await open(h2)
    expect(d.vault.vault.identity.certificate.version).toBe(1)
    await connect(l.node, d.node)
    const s = await d.vault.sessions.create(SESSION)
    await s.append({ role: 'user', content: 'from the old desktop' })
    await s.close()
    await until(async () => (await texts(l.vault)).length === 1, 'the old laptop to read the old desktop')

    // A machine set up today with the wallet: version 3 admin certificate and the genesis.
    const n: TestNode = await startNode({ wallet, home: await home(), label: 'new-desktop' })
    stops.push(n.stop)
    expect(n.vault.vault.identity.certificate.version).toBe(3)
    expect(n.vault.vault.certs.state.recoveryKem).toBeDefined()
    await connect(n.node, d.node)
    await connect(n.node, l.node)
    await until(async () => (await texts(n.vault)).length === 1, 'the new machine to read the old homes')
    const list = await (await import('../../src/api/devices.js')).listDevices(n.vault.vault, n.node)
    expect(list.map(x => [x.label, x.enrolledBy]).sort()).toEqual([['new-desktop', 'wallet'], ['old-desktop', 'wallet'], ['old-laptop', 'wallet']])

    const { epoch } = await n.vault.vault.revoke([l.vault.vault.identity.device.publicKey], { reason: 'retired' })
    expect(epoch).toBeGreaterThanOrEqual(256)
    await until(() => d.vault.vault.identity.keys.epochs.has(epoch as number), 'the old desktop to unwrap the new epoch through its Montgomery key')
    const sn = await n.vault.sessions.open(SESSION)
    await sn.append({ role: 'user', content: 'after the rotation' })
    await sn.close()
    await until(async () => (await texts(d.vault)).includes('after the rotation'), 'the old desktop to read after the rotation')
    await until(() => l.node.libp2p.getConnections().length === 0, 'the revoked old laptop to be cut off')
    expect(l.vault.vault.identity.keys.epochs.has(epoch as number)).toBe(false)
    expect(await texts(l.vault)).toEqual(['from the old desktop'])
  })
})
