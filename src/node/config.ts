/**
 * Node options, from flags over the home's config.json over defaults. Defaults: listen on every
 * IPv4 interface at the port this home used last (a random free one the first time), mDNS on,
 * the DHT as a server, no bootstrap peers: nothing dials a public address unless configured.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidInputError } from '../errors.js'
import { homePath, readHomeText, writeHomeFile } from '../store/index.js'

export type DhtMode = 'client' | 'server' | 'off'

export interface NodeConfig {
  listen: string[]
  announce: string[]
  bootstrap: string[]
  mdns: boolean
  /** mDNS query interval in ms while looking for a sibling (node/pace.ts). @default 1000 */
  mdnsInterval: number
  /** mDNS query interval in ms once every known sibling is connected. @default 60000 */
  mdnsSlowInterval: number
  /** How long discovery stays fast after start, a lost sibling or a network change, in ms. @default 30000 */
  discoveryBurst: number
  /** How often a connection is pinged (from one end, node/liveness.ts), in ms. @default 60000 */
  pingInterval: number
  dht: DhtMode
  /** Serve as a circuit relay for members (`mesh join --relay`). @default false */
  relay: boolean
  /** Relays to hold a reservation on, `<addr>/p2p/<relay>` each (`--relay-via`). @default [] */
  relayVia: string[]
  /** The port this home listened on last. */
  port?: number
  /** The HTTP API's port this home fell back to last, its default being busy (api/http.ts startHttp). */
  httpPort?: number
}

export const DEFAULTS: NodeConfig = { listen: [], announce: [], bootstrap: [], mdns: true, mdnsInterval: 1000, mdnsSlowInterval: 60_000, discoveryBurst: 30_000, pingInterval: 60_000, dht: 'server', relay: false, relayVia: [] }

/** The keys config.json may hold: the settings, and the two ports mesh writes itself. */
export const CONFIG_KEYS = ['listen', 'announce', 'bootstrap', 'mdns', 'mdnsInterval', 'mdnsSlowInterval', 'discoveryBurst', 'pingInterval', 'dht', 'relay', 'relayVia', 'port', 'httpPort'] as const

export async function readConfig (home: string): Promise<Partial<NodeConfig>> {
  const text = await readHomeText(home, 'config')
  if (text === undefined) return {}
  const file = homePath(home, 'config')
  // Said as what they are, not as "not valid JSON": an empty file, and one an editor saved with a BOM.
  if (text.trim() === '') throw new InvalidInputError(`${file} is empty: write its settings as a JSON object, e.g. {"mdns": false}, or remove the file`, { file })
  if (text.startsWith('\ufeff')) throw new InvalidInputError(`${file} starts with a UTF-8 byte order mark (BOM, the bytes EF BB BF some editors add): save it as UTF-8 without a BOM`, { file })
  let c: any
  try { c = JSON.parse(text) } catch (err) { throw new InvalidInputError(`${file} is not valid JSON (${(err as Error)?.message ?? String(err)})`, { file }, { cause: err }) }
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new InvalidInputError(`${file} holds ${c === null ? 'null' : Array.isArray(c) ? 'a list' : `a ${typeof c}`}, not an object of settings: e.g. {"mdns": false, "listen": ["/ip4/127.0.0.1/tcp/0"]}`, { file })
  // A key mesh does not know (a typo: "mDNS": false) is refused, not ignored: ignored, the
  // setting it meant to change (whether this machine announces itself) would silently not be.
  const unknown = Object.keys(c).filter(k => !(CONFIG_KEYS as readonly string[]).includes(k))
  if (unknown.length > 0) {
    const near = (k: string): string => { const m = CONFIG_KEYS.find(x => x.toLowerCase() === k.toLowerCase()); return m !== undefined ? ` (${m}?)` : '' }
    throw new InvalidInputError(`${file}: mesh knows no setting ${unknown.map(k => `${JSON.stringify(k)}${near(k)}`).join(', ')}; the settings are ${CONFIG_KEYS.join(', ')}`, { file, keys: unknown })
  }
  const flag = (k: 'mdns' | 'relay'): boolean | undefined => {
    if (c[k] === undefined) return undefined
    if (typeof c[k] !== 'boolean') throw new InvalidInputError(`${file}: ${k} is true or false (no quotes), not ${JSON.stringify(c[k])}`, { file, key: k })
    return c[k]
  }
  const strings = (v: unknown, what: string): string[] | undefined => {
    if (v === undefined) return undefined
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new InvalidInputError(`${file}: ${what} must be a list of multiaddrs`)
    // Said here, with the file and the key: libp2p's own refusal names neither (and was exit 1).
    for (const a of v as string[]) {
      let ma
      try { ma = multiaddr(a) } catch (err) { throw new InvalidInputError(`${file}: ${what}: ${JSON.stringify(a)} is not a multiaddr (${(err as Error)?.message ?? String(err)}), e.g. /ip4/0.0.0.0/tcp/4001`, { key: what, value: a }, { cause: err }) }
      // The parser takes any base58 as /p2p/: one that is no peer id failed where the node dials, in a multibase decoder's words.
      for (const p of ma.getComponents()) {
        if (p.name !== 'p2p' || p.value === undefined) continue
        try { peerIdFromString(p.value) } catch (err) { throw new InvalidInputError(`${file}: ${what}: ${JSON.stringify(a)}: ${JSON.stringify(p.value)} is not a peer id (a device's id starts 12D3KooW…, as \`mesh join\` prints it on its listening: line)`, { key: what, value: a }, { cause: err }) }
      }
    }
    return v
  }
  const out: Partial<NodeConfig> = {}
  const listen = strings(c.listen, 'listen'); if (listen !== undefined) out.listen = listen
  const announce = strings(c.announce, 'announce'); if (announce !== undefined) out.announce = announce
  const bootstrap = strings(c.bootstrap, 'bootstrap'); if (bootstrap !== undefined) out.bootstrap = bootstrap
  const mdns = flag('mdns'); if (mdns !== undefined) out.mdns = mdns
  const relay = flag('relay'); if (relay !== undefined) out.relay = relay
  const relayVia = strings(c.relayVia, 'relayVia'); if (relayVia !== undefined) out.relayVia = relayVia
  for (const k of ['mdnsInterval', 'mdnsSlowInterval', 'discoveryBurst', 'pingInterval'] as const) {
    if (c[k] === undefined) continue
    if (!Number.isInteger(c[k]) || c[k] < 100) throw new InvalidInputError(`${file}: ${k} must be a whole number of milliseconds, at least 100`)
    out[k] = c[k]
  }
  if (c.dht !== undefined) out.dht = parseDht(c.dht, `${file}: dht`)
  // mesh writes these itself; one edited by hand into a string ("4001") or past 65535 is said
  // (ignored, the node would listen on another port than the one its owner set).
  for (const k of ['port', 'httpPort'] as const) {
    if (c[k] === undefined) continue
    if (!Number.isInteger(c[k]) || c[k] < 0 || c[k] > 65535) throw new InvalidInputError(`${file}: ${k} is a TCP port, a whole number from 0 to 65535 (no quotes), not ${JSON.stringify(c[k])}`, { file, key: k })
    out[k] = c[k]
  }
  return out
}

/** Remembers a port this home used (`key`: libp2p's, or the HTTP API's), for its next start. */
export async function savePort (home: string, port: number, key: 'port' | 'httpPort' = 'port'): Promise<void> {
  let c: any = {}
  const text = await readHomeText(home, 'config')
  // A config.json that is no object of settings (edited into bad JSON since readConfig read it at
  // start) is the owner's to mend: the port is not remembered, rather than the file replaced by one
  // holding the port alone and the settings lost.
  if (text !== undefined) {
    try { c = JSON.parse(text) } catch (err) { throw new InvalidInputError(`${homePath(home, 'config')} is not valid JSON: the ${key} ${port} is not remembered in it`, { file: homePath(home, 'config') }, { cause: err }) }
    if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new InvalidInputError(`${homePath(home, 'config')} holds no object of settings: the ${key} ${port} is not remembered in it`, { file: homePath(home, 'config') })
  }
  if (c[key] === port) return
  c[key] = port
  await writeHomeFile(home, 'config', JSON.stringify(c, null, 2) + '\n')
}

/** `named`: where the value came from, as the error says it (the flag, or the config file's key). */
export function parseDht (v: unknown, named = '--dht'): DhtMode {
  if (v === 'client' || v === 'server' || v === 'off') return v
  throw new InvalidInputError(`${named} takes client, server or off, not ${String(v)}`)
}
