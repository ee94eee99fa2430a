/**
 * Retired lanes (`--only=lanes`): what a reconnect costs on the sync stream when the author of
 * the documents crashed 50 times (50 closed lanes in each), before its lanes are retired and
 * after, beside the same documents written by a device that never crashed (one lane). Each
 * reconnect carries one new entry per document, so the documents differ and their vectors are
 * listed (a reconnect of nodes in sync exchanges two digests whatever the lanes).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import * as Y from 'yjs'
import { SessionDoc, sealUpdate } from '../../crdt/index.js'
import { generateWallet, toHex } from '../../src/identity/index.js'
import { MeshNode } from '../../src/node/mesh.js'
import type { Vault } from '../../src/node/vault.js'
import { openVault, type MeshVault } from '../../src/sdk/index.js'
import { fmt, report } from './util.js'

function update (text: string): Uint8Array {
  const s = new SessionDoc()
  s.appendMessages([{ role: 'user', content: text }], 'bench')
  return Y.encodeStateAsUpdate(s.doc)
}

const digest = (v: Vault): string => toHex(v.store.fingerprints().digest)

async function until (cond: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('benchmark timed out')
    await sleep(20)
  }
}

interface Pair { a: MeshVault, b: MeshVault, docs: Uint8Array[], seal: (doc: Uint8Array, lane: number, seq: number) => Uint8Array }

/** Two vaults of one wallet holding the same `n` documents, each written by A on `lanes` lanes (one entry per lane) or, with lanes = 1, `entries` entries on lane 0. */
async function pair (dir: string, n: number, lanes: number, entries: number): Promise<Pair> {
  const wallet = generateWallet()
  const a = await openVault({ home: join(dir, 'a'), wallet, label: 'A' })
  const b = await openVault({ home: join(dir, 'b'), wallet, label: 'B' })
  for (const c of a.vault.certs.records()) await b.vault.addCertificate(c)
  for (const c of b.vault.certs.records()) await a.vault.addCertificate(c)
  const id = a.vault.identity
  const seal = (doc: Uint8Array, lane: number, seq: number): Uint8Array => sealUpdate({ keys: id.keys, signer: id.device.signer }, doc, BigInt(seq), update(`lane ${lane} seq ${seq} ${'x'.repeat(200)}`), { lane }).bytes
  const docs: Uint8Array[] = []
  for (let d = 0; d < n; d++) {
    const doc = a.vault.docId(`bench/lanes/${d}`)
    docs.push(doc)
    // From lane 1: lane 0 is the one A's home would continue, and its own entries arriving there
    // would read as a home restored behind its lane (crdt/SPEC.md, Lanes), not as old lanes.
    for (let l = 1; l <= lanes; l++) {
      for (let s = 1; s <= (lanes === 1 ? entries : 1); s++) {
        const e = seal(doc, l, s)
        await a.vault.accept(e)
        await b.vault.accept(e)
      }
    }
  }
  return { a, b, docs, seal }
}

/** A new entry per document on A, then B reconnects: the sync stream's bytes (both ways) until both hold everything and told each other so. */
async function reconnect (p: Pair, lane: number, seq: number): Promise<number> {
  for (const doc of p.docs) await p.a.vault.accept(p.seal(doc, lane, seq))
  const opts = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, dht: 'off' as const }
  const na = await MeshNode.start(p.a.vault, opts)
  const nb = await MeshNode.start(p.b.vault, opts)
  try {
    await nb.dial(na.addresses()[0] as string)
    await until(() => digest(p.a.vault) === digest(p.b.vault))
    const aId = na.libp2p.peerId.toString()
    const s = (): { told?: string, stats: { bytesSent: number, bytesReceived: number } } | undefined => nb.libp2p.services.sync.sessionWith(aId)
    // Until the `holds` frames went both ways (what lets the lanes retire), counted in the bytes.
    await until(() => s()?.told === digest(p.b.vault) && na.libp2p.services.sync.sessionWith(nb.libp2p.peerId.toString())?.told === digest(p.a.vault))
    await sleep(100)
    const st = s()?.stats
    return (st?.bytesSent ?? 0) + (st?.bytesReceived ?? 0)
  } finally {
    await nb.stop()
    await na.stop()
  }
}

export async function benchLanes (dir: string, opts: { quick: boolean }): Promise<void> {
  const n = opts.quick ? 4 : 16
  const crashes = 50
  const crashed = await pair(join(dir, 'crashed'), n, crashes, 1)
  const calm = await pair(join(dir, 'calm'), n, 1, crashes)
  try {
    // Lanes 1 … 50 are closed once lane 51 exists: the first reconnect lists them all, and its
    // `holds` frames let both sides retire them; the second carries them as one digest per author.
    const before = await reconnect(crashed, crashes + 1, 1)
    const author = toHex(crashed.a.vault.identity.device.publicKey)
    const retired = (v: MeshVault): boolean => crashed.docs.every(d => v.vault.store.retired.of(toHex(d)).get(author) === crashes + 1)
    await until(() => retired(crashed.a) && retired(crashed.b))
    const after = await reconnect(crashed, crashes + 1, 2)
    const one = await reconnect(calm, 1, crashes + 1)
    report({ name: `reconnect after one new entry in each of ${n} documents whose author crashed ${crashes} times (${crashes} closed lanes each): sync stream bytes`, value: `${fmt(after / 1024, 1)} KB once the lanes are retired`, baseline: `before retirement ${fmt(before / 1024, 1)} KB; a device that never crashed (one lane) ${fmt(one / 1024, 1)} KB`, ratio: `${fmt(after / before, 2)}× (${fmt(after / one, 2)}× one lane)`, target: '≤ 1.25× one lane', ok: after / one <= 1.25 })
  } finally {
    for (const v of [crashed.a, crashed.b, calm.a, calm.b]) await v.close()
  }
}
