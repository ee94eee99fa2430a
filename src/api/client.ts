/**
 * The typed client every TypeScript caller uses: the schema's methods grouped by namespace
 * (`mesh.sessions.append({ key, role, content })`), events, and `close()`. The same object wraps
 * the in-process API or a daemon's socket, so code does not change with where the home lives.
 */
import type { CallOptions, EventRecord, MeshApi, SubscribeOptions } from './api.js'
import type { Input, MethodName, Output, SessionSummarySchema } from './schema.js'

type Fn<M extends MethodName> = (input: Input<M>, options?: CallOptions) => Promise<Output<M>>
type Namespace<N extends string> = { [M in MethodName as M extends `${N}.${infer F}` ? F : never]: Fn<M> }

export interface MeshClient {
  readonly api: MeshApi
  /** Where the home is served: this process, or a running daemon. */
  readonly mode: 'in-process' | 'daemon'
  node: Namespace<'node'>
  peers: Namespace<'peers'>
  devices: Namespace<'devices'>
  sessions: Namespace<'sessions'> & {
    /** Resolves once the session exists here (created here or arrived from a peer); abort with the signal. */
    find: (key: string, options?: CallOptions) => Promise<import('zod').output<typeof SessionSummarySchema>>
  }
  memory: Namespace<'memory'>
  skills: Namespace<'skills'>
  /**
   * Calls fn for each event (see the schema's EventSchema); returns the unsubscribe. Through a
   * daemon, `onError` is told when the subscription ends without the caller (the daemon went
   * away: DaemonNotRunningError).
   */
  on: (fn: (r: EventRecord) => void, options?: SubscribeOptions) => () => void
  close: () => Promise<void>
}

/** The methods by namespace, as plain names, so this file needs no schema at run time. */
const NAMES: Record<string, string[]> = {
  node: ['status', 'stop'],
  peers: ['list'],
  devices: ['list'],
  sessions: ['list', 'create', 'show', 'wait', 'append', 'task', 'takeLease', 'renewLease', 'releaseLease', 'resume'],
  memory: ['get', 'set', 'delete', 'list', 'search'],
  skills: ['add', 'list', 'show', 'remove']
}

export function meshClient (api: MeshApi, mode: MeshClient['mode'], close: () => Promise<void> = async () => { await api.close() }): MeshClient {
  const ns: Record<string, Record<string, unknown>> = {}
  for (const [n, fns] of Object.entries(NAMES)) {
    ns[n] = Object.fromEntries(fns.map(f => [f, async (input: unknown, options?: CallOptions) => await api.call(`${n}.${f}` as MethodName, (input ?? {}) as never, options)]))
  }
  const sessions = ns.sessions as Record<string, unknown>
  sessions.find = async (key: string, options?: CallOptions) => await api.call('sessions.wait', { key }, options)
  let closed: Promise<void> | undefined
  return {
    api,
    mode,
    ...(ns as unknown as Omit<MeshClient, 'api' | 'mode' | 'on' | 'close'>),
    on: (fn, options) => api.subscribe(fn, options),
    close: async () => { closed ??= close(); await closed }
  }
}
