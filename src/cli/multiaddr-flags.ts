/** Multiaddr flags (--listen, --dial, --bootstrap…) checked before anything starts: a malformed one is bad input naming its flag. */
import { UsageError } from '../errors.js'

/** Parses each multiaddr of a flag; exit 2 naming the flag for a malformed one. */
export async function multiaddrs (flag: string, values: unknown, needPeer = false): Promise<string[] | undefined> {
  if (values === undefined) return undefined
  const { multiaddr } = await import('@multiformats/multiaddr')
  const list = values as string[]
  for (const a of list) {
    let ma
    try { ma = multiaddr(a) } catch (err: any) { throw new UsageError(`${flag} ${a} is not a multiaddr (${err?.message ?? err}); e.g. /ip4/192.0.2.7/tcp/4001${needPeer ? '/p2p/12D3Koo…' : ''}`) }
    if (needPeer && !ma.getComponents().some(c => c.name === 'p2p')) throw new UsageError(`${flag} ${a} names no peer: end it with /p2p/<peer id> (\`mesh join\` on that machine prints its address)`)
  }
  return list
}
