/**
 * mesh mcp: this home as a Model Context Protocol server on stdio, for an agent host to spawn
 * (`claude mcp add mesh -- mesh mcp`). stdout carries only the protocol; every word for a person
 * goes to stderr. It runs until the host closes stdin (or SIGINT/SIGTERM), then exits 0.
 */
import type { RpcClient } from '../../api/rpc-client.js'
import { apiFor, untilStopped } from '../context.js'
import type { Command } from '../command.js'

const say = (line: string): void => { process.stderr.write(`mesh mcp: ${line}\n`) }

export const mcpCmd: Command = {
  name: 'mcp',
  usage: 'mesh mcp [--home DIR]',
  summary: 'serve this home to an AI agent over MCP on stdio: tools for sessions, memory and skills; transcripts as resources mesh://session/KEY that notify on every append',
  examples: ['claude mcp add mesh -- mesh mcp                  register it with Claude Code', 'claude mcp add mesh -- mesh mcp --home /srv/mesh   another home'],
  options: {},
  async run (g) {
    // Without a daemon this process owns the home while it serves and lends it to the other
    // commands (as `mesh watch` does), so they keep working beside the agent.
    const s = await apiFor(g, { own: true })
    try {
      if (s.mode === 'daemon') say(`serving ${g.home} through its running \`mesh join\`: subscribers hear of appends from every device`)
      else say(`no \`mesh join\` runs for ${g.home}: serving it from this process without the network, so subscribers hear only of changes made on this machine. Run \`mesh join\` to hear other devices' appends`)
      const { serveMcp } = await import('../../api/mcp.js')
      const { VERSION } = await import('../main.js') // loaded already; dynamic so main.ts and this module form no cycle
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js')
      const handle = await serveMcp(s.api, new StdioServerTransport(), { version: VERSION, log: say })
      // The stdio transport does not watch for the end of stdin: the host closing it is the end.
      const stdinEnded = new Promise<void>(resolve => { process.stdin.once('end', resolve); process.stdin.once('close', resolve) })
      // The daemon stopping ends the server (exit 1): its tools would fail from then on.
      let daemonStopped = false
      const daemonGone = s.mode === 'daemon'
        ? (s.api as RpcClient).closed().then(() => { daemonStopped = true })
        : new Promise<void>(() => {})
      await untilStopped(Promise.race([handle.closed, stdinEnded, daemonGone]))
      await handle.close()
      if (daemonStopped) say('the mesh daemon stopped, so this server stops too: restart it from your agent once `mesh join` runs again')
      return daemonStopped ? 1 : 0
    } finally {
      await s.close()
    }
  }
}
