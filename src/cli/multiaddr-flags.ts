/** Multiaddr flags (--listen, --dial, --bootstrap…) checked before anything starts: a malformed one is bad input naming its flag. */
import { InvalidInputError, UsageError } from '../errors.js'

/**
 * What the node's one listening transport takes: TCP at an IP address (its own /p2p/ id may
 * follow, as `mesh join` prints it). A UDP, WebSocket or DNS address is refused here, before the
 * node starts, instead of as libp2p's aggregate error once it has.
 */
function listenable (names: readonly string[]): boolean {
  const [ip, tcp, ...rest] = names[0] === 'ip6zone' ? names.slice(1) : names
  return (ip === 'ip4' || ip === 'ip6') && tcp === 'tcp' && (rest.length === 0 || (rest.length === 1 && rest[0] === 'p2p'))
}

/** A /p2p/ value that is not a peer id, said with what one looks like. */
const notPeerId = (value: string): string => `${JSON.stringify(value)} is not a peer id (a device's id starts 12D3KooW…, as \`mesh join\` prints it on its listening: line)`

/** What a listen address must be, as a refusal says it (node/mesh.ts says the same of config.json's listen). */
const LISTEN_RULE = 'a listen address must be an IP address (/ip4 or /ip6) with TCP, e.g. /ip4/0.0.0.0/tcp/4001 (no DNS name, UDP or WebSockets)'

/** Parses each multiaddr of a flag; exit 2 naming the flag for a malformed one (and for --listen, one the node cannot listen on). */
export async function multiaddrs (flag: string, values: unknown, needPeer = false): Promise<string[] | undefined> {
  if (values === undefined) return undefined
  const { multiaddr } = await import('@multiformats/multiaddr')
  const list = values as string[]
  for (const a of list) {
    let ma
    try { ma = multiaddr(a) } catch (err: any) { throw new UsageError(`${flag} ${a} is not a multiaddr (${err?.message ?? err}); e.g. /ip4/192.0.2.7/tcp/4001${needPeer ? '/p2p/12D3Koo…' : ''}`) }
    // The multiaddr parser takes any base58 as /p2p/; a value that is no peer id failed later,
    // where the node dials, in a multibase decoder's words (exit 1).
    const { peerIdFromString } = await import('@libp2p/peer-id')
    for (const c of ma.getComponents()) {
      if (c.name !== 'p2p' || c.value === undefined) continue
      try { peerIdFromString(c.value) } catch { throw new UsageError(`${flag} ${a}: ${notPeerId(c.value)}`, { flag, addr: a }) }
    }
    if (needPeer && !ma.getComponents().some(c => c.name === 'p2p')) throw new UsageError(`${flag} ${a} names no peer: end it with /p2p/<peer id> (\`mesh join\` on that machine prints its address)`)
    if (flag === '--listen' && !listenable(ma.getComponents().map(c => c.name))) throw new InvalidInputError(`cannot listen on ${a} (${flag}): ${LISTEN_RULE}`, { flag, addr: a })
  }
  return list
}
