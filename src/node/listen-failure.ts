/**
 * A listen address the system refused at start, said for people (mesh.ts calls it when libp2p's
 * start fails).
 */
import { InvalidInputError } from '../errors.js'

/**
 * A listen address the system refused, said for people (libp2p's own message carries a stack and
 * advice about a setting mesh does not expose): in use, or not an address of this machine, is
 * bad input to change (exit 2). Any other failure is returned as it came.
 */
export function listenFailure (err: unknown, listen: readonly string[]): unknown {
  const text = String((err as Error)?.message ?? err)
  const why = /EADDRINUSE/.test(text) ? 'the address is in use (another program, or a mesh join of another home, listens there)' : /EADDRNOTAVAIL/.test(text) ? 'it is not an address of this machine' : /EACCES/.test(text) ? 'this user may not listen on that port' : undefined
  if (why === undefined) {
    // An address no transport here takes (UDP, WebSockets, a DNS name; from config.json, as the
    // CLI refuses such a --listen itself): libp2p lists each one it refused with this error's name.
    const unsupported = [...text.matchAll(/^\s*(\/\S+): UnsupportedListenAddressError/gm)].map(m => m[1] as string)
    if (unsupported.length === 0 && (err as Error)?.name === 'UnsupportedListenAddressError') unsupported.push(...listen)
    if (unsupported.length === 0) return err
    return new InvalidInputError(`cannot listen on ${unsupported.join(', ')}: a listen address must be an IP address (/ip4 or /ip6) with TCP, e.g. /ip4/0.0.0.0/tcp/4001 (no DNS name, UDP or WebSockets). Pass another --listen (or set listen in config.json)`, { listen: [...listen], unsupported }, { cause: err })
  }
  return new InvalidInputError(`cannot listen on ${listen.length > 0 ? listen.join(', ') : 'its default address'}: ${why}. Pass another --listen (or set listen in config.json); tcp/0 picks a free port`, { listen: [...listen] }, { cause: err })
}
