/**
 * mesh mcp: this home as a Model Context Protocol server on stdio, for an agent host to spawn
 * (`claude mcp add mesh -- mesh mcp`). stdout carries only the protocol; every word for a person
 * goes to stderr. It runs until the host closes stdin (or SIGINT/SIGTERM), then exits 0.
 *
 * An agent host keeps this process for hours, so it never holds the home: its calls go to the
 * running `mesh join` when one answers, else open the home for that one call (as a short CLI
 * command does), and `mesh join` can start or stop at any time beside it. Notifications come
 * from the daemon, which hears the other devices; this server follows it across restarts.
 */
import { EventLog, type CallOptions, type EventRecord, type MeshApi, type SubscribeOptions } from '../../api/api.js'
import { connectRpc, type RpcClient } from '../../api/rpc-client.js'
import type { Input, MethodName, Output } from '../../api/schema.js'
import { untilStopped, withApi, type Globals } from '../context.js'
import type { Command } from '../command.js'

const say = (line: string): void => { process.stderr.write(`mesh mcp: ${line}\n`) }

/** How often to look for a daemon while none runs (a connect attempt on a unix socket). */
const DAEMON_POLL_MS = 1000

/**
 * The API as a long-running front-end needs it: the daemon's while one runs, the home opened
 * per call otherwise; events re-numbered into one sequence of its own, because each daemon run
 * numbers its events from 1 and a front-end may see several runs.
 */
export class DaemonFollower implements MeshApi {
  private rpc: RpcClient | undefined
  private connecting: Promise<RpcClient | undefined> | undefined
  private upstreamOff: (() => void) | undefined
  /** The cursor in the current daemon run's numbering. */
  private upstreamLast: number | undefined
  private readonly events = new EventLog()
  /** Sessions the subscribers want in full, with how many subscribers want each. */
  private readonly pins = new Map<string, number>()
  private timer: ReturnType<typeof setInterval> | undefined
  private closed = false

  constructor (private readonly g: Globals, private readonly onChange: (daemon: boolean) => void = () => {}) {}

  /** Looks for the daemon now and then every DAEMON_POLL_MS; says whether one runs. */
  async start (): Promise<boolean> {
    const rpc = await this.daemon()
    this.timer = setInterval(() => { void this.daemon() }, DAEMON_POLL_MS)
    this.timer.unref()
    return rpc !== undefined
  }

  private async daemon (): Promise<RpcClient | undefined> {
    if (this.rpc !== undefined || this.closed) return this.rpc
    this.connecting ??= connectRpc(this.g.home).then(rpc => {
      this.connecting = undefined
      if (rpc !== undefined) this.attach(rpc)
      return rpc
    })
    return await this.connecting
  }

  private attach (rpc: RpcClient): void {
    if (this.closed) { void rpc.close(); return }
    this.rpc = rpc
    this.upstreamLast = undefined
    this.upstreamOff = undefined
    this.follow()
    this.onChange(true)
    void rpc.closed().then(() => {
      if (this.rpc !== rpc) return
      this.rpc = undefined
      this.upstreamOff = undefined
      if (!this.closed) this.onChange(false)
    })
  }

  /** (Re)subscribes to the daemon for the pinned sessions, from the last event seen. */
  private follow (): void {
    const rpc = this.rpc
    if (rpc === undefined) return
    const previous = this.upstreamOff
    this.upstreamOff = rpc.subscribe((r: EventRecord) => {
      if (this.upstreamLast !== undefined && r.seq <= this.upstreamLast) return // replayed to the new subscription
      this.upstreamLast = r.seq
      this.events.push(r.event)
    }, { after: this.upstreamLast, sessions: [...this.pins.keys()] })
    previous?.()
  }

  async call<M extends MethodName>(method: M, input: Input<M>, options: CallOptions = {}): Promise<Output<M>> {
    const rpc = await this.daemon()
    if (rpc !== undefined) return await rpc.call(method, input, options)
    return await withApi(this.g, async api => await api.call(method, input, options))
  }

  subscribe (fn: (r: EventRecord) => void, options: SubscribeOptions = {}): () => void {
    const keys = options.sessions ?? []
    let added = false
    for (const k of keys) {
      const n = this.pins.get(k) ?? 0
      this.pins.set(k, n + 1)
      if (n === 0) added = true
    }
    if (added) this.follow()
    const off = this.events.subscribe(fn, options.after)
    let done = false
    return () => {
      if (done) return
      done = true
      off()
      let removed = false
      for (const k of keys) {
        const n = (this.pins.get(k) ?? 1) - 1
        if (n > 0) this.pins.set(k, n)
        else { this.pins.delete(k); removed = true }
      }
      if (removed) this.follow()
    }
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    this.upstreamOff?.()
    await this.rpc?.close()
  }
}

export const mcpCmd: Command = {
  name: 'mcp',
  usage: 'mesh mcp [--home DIR]',
  summary: 'serve this home to an AI agent over MCP on stdio: tools for sessions, memory and skills; transcripts as resources mesh://session/KEY that notify on every append',
  examples: ['claude mcp add mesh -- mesh mcp                  register it with Claude Code', 'claude mcp add mesh -- mesh mcp --home /srv/mesh   another home'],
  options: {},
  async run (g) {
    const api = new DaemonFollower(g, (daemon) => {
      say(daemon ? '`mesh join` runs now: subscribers hear of appends from every device' : '`mesh join` stopped: each call opens the home in this process until it runs again; no notifications meanwhile')
    })
    try {
      if (await api.start()) say(`serving ${g.home} through its running \`mesh join\`: subscribers hear of appends from every device`)
      else say(`no \`mesh join\` runs for ${g.home}: each call opens the home in this process, and subscribers are notified only once \`mesh join\` runs (it is picked up when it starts)`)
      const { serveMcp } = await import('../../api/mcp.js')
      const { VERSION } = await import('../main.js') // loaded already; dynamic so main.ts and this module form no cycle
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js')
      const handle = await serveMcp(api, new StdioServerTransport(), { version: VERSION, log: say })
      // The stdio transport does not watch for the end of stdin: the host closing it is the end.
      const stdinEnded = new Promise<void>(resolve => { process.stdin.once('end', resolve); process.stdin.once('close', resolve) })
      await untilStopped(Promise.race([handle.closed, stdinEnded]))
      await handle.close()
      return 0
    } finally {
      await api.close()
    }
  }
}
