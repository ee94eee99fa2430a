/**
 * mesh mcp: this home as a Model Context Protocol server on stdio, for an agent host to spawn
 * (`claude mcp add mesh -- mesh mcp`). stdout carries only the protocol; every word for a person
 * goes to stderr. It runs until the host closes stdin (then answers what it was asked) or until
 * SIGINT/SIGTERM, and exits 0.
 *
 * An agent host keeps this process for hours, so it never holds the home: its calls go to the
 * running `mesh join` when one answers, else open the home for that one call (as a short CLI
 * command does), and `mesh join` can start or stop at any time beside it. Notifications come
 * from the daemon, which hears the other devices; this server follows it across restarts.
 */
import { stdout as out, untilStopped } from '../context.js'
import { DaemonFollower } from '../follow.js'
import type { Command } from '../command.js'

/** stderr only (stdout carries the protocol); a printable line, as every line of the CLI (its log can name a client's text). */
const say = (line: string): void => { out.err(`mesh mcp: ${line}`) }

export const mcpCmd: Command = {
  name: 'mcp',
  arity: 0,
  usage: 'mesh mcp',
  summary: 'serve this home to an AI agent over MCP on stdio: tools for sessions, memory and skills; transcripts as resources mesh://session/KEY that notify on every append',
  examples: ['claude mcp add mesh -- mesh mcp                     # register it with Claude Code', 'claude mcp add mesh -- mesh mcp --home /srv/mesh   # another home'],
  options: {},
  async run (g) {
    const api = new DaemonFollower(g, (daemon, again) => {
      say(again === true ? '`mesh join` had closed this server\'s connection, as it does when a client reads nothing for a while (suspended?): followed again' : daemon ? '`mesh join` runs now: subscribers hear of appends from every device' : '`mesh join` stopped: each call opens the home in this process until it runs again; no notifications meanwhile')
    })
    try {
      if (await api.start()) say(`serving ${g.home} through its running \`mesh join\`: subscribers hear of appends from every device`)
      else {
        say(`no \`mesh join\` runs for ${g.home}: each call opens the home in this process, and subscribers are notified only once \`mesh join\` runs (it is picked up when it starts)`)
        // Served all the same (mesh join may set it up beside this server), but said now: every
        // call would fail with HOME_NOT_INITIALIZED, and the host shows only that.
        const { isInitialized } = await import('../../store/index.js')
        if (!(await isInitialized(g.home))) say(`${g.home} is not set up yet: every call fails until it is (mesh init, mesh pair, or mesh join with a wallet); is --home right?`)
      }
      const { serveMcp } = await import('../../api/mcp.js')
      const { VERSION } = await import('../main.js') // loaded already; dynamic so main.ts and this module form no cycle
      const { LineStdioServerTransport } = await import('../../api/mcp-stdio.js')
      const { agentResumeTool } = await import('../../agents/index.js')
      const handle = await serveMcp(api, new LineStdioServerTransport(), { version: VERSION, log: say, tools: [agentResumeTool(api)] })
      // The transport closes when the host closes stdin: that, or a signal, is the end.
      await untilStopped(handle.closed)
      await handle.close()
      return 0
    } finally {
      await api.close()
    }
  }
}
