/**
 * An explicit `mesh join --http PORT` whose port is taken, said for people: which port, what
 * listens there when it can be told (another mesh daemon's HTTP API answers an unauthenticated
 * request with its UNAUTHORIZED error), and how to pick another. Bad input to change (exit 2):
 * the port asked for is not silently swapped for another, nor remembered.
 *
 * @example
 * throw await portBusyError(7500, '127.0.0.1', 7433, err)
 */
import { InvalidInputError } from '../errors.js'

/** How long the probe of what listens there may take: it is only a better message. */
const PROBE_MS = 1000

/** What listens on host:port, when it can be told: a mesh daemon's HTTP API, or some other program. */
async function whatListens (host: string, port: number): Promise<string> {
  const shown = host.includes(':') ? `[${host}]` : host
  try {
    const res = await fetch(`http://${shown}:${port}/api/status`, { signal: AbortSignal.timeout(PROBE_MS) })
    const body = await res.text()
    if (res.status === 401 && body.includes('"UNAUTHORIZED"')) return 'the HTTP API of another running mesh join (another home)'
    return 'another program (it answers HTTP)'
  } catch {
    return 'another program'
  }
}

/** The error for port busy on host; defaultPort is what join takes without --http. */
export async function portBusyError (port: number, host: string, defaultPort: number, cause: unknown): Promise<InvalidInputError> {
  const by = await whatListens(host, port)
  return new InvalidInputError(
    `cannot serve HTTP on port ${port}: it is in use by ${by}. Pass another --http PORT, --http 0 for any free port, or leave --http out to take ${defaultPort} or a free port when it is busy; --http off serves none`,
    { port, host },
    { cause }
  )
}
