/** mesh watch KEY, mesh peers. */
import { parseSessionKey } from '../../../crdt/session-key.js'
import type { EventRecord } from '../../api/api.js'
import type { RpcClient } from '../../api/rpc-client.js'
import { apiFor, stdout as out, untilStopped } from '../context.js'
import type { Command } from '../command.js'
import { formatMessage, need, parseCount } from './sessions.js'

export const watchCmd: Command = {
  name: 'watch',
  usage: 'mesh watch KEY [--tail N] [--json]',
  summary: 'print a session\'s transcript, then each new message as it arrives from any device, until interrupted (read-only; other commands keep working)',
  examples: ['mesh watch fix-login', 'mesh watch fix-login --tail 5 --json'],
  options: { tail: { type: 'string' } },
  async run (g, args, values) {
    const key = parseSessionKey(need(args, 0, 'session KEY', this.usage))
    const tail = parseCount(values.tail, '--tail') ?? 50
    // Without a daemon this process owns the home while it watches and serves it to the other
    // commands, so they keep working.
    const s = await apiFor(g, { own: true })
    try {
      const seen = new Set<string>()
      let ready = false
      const held: EventRecord[] = []
      const print = (m: Parameters<typeof formatMessage>[0]): void => {
        if (seen.has(m.id)) return
        seen.add(m.id)
        out.line(g.json ? JSON.stringify(m) : formatMessage(m))
      }
      const onEvent = (r: EventRecord): void => {
        if (!ready) { held.push(r); return }
        if (r.event.type === 'message.appended' && r.event.key === key) for (const m of r.event.messages) print(m)
      }
      // Subscribed before the transcript is read, so nothing written in between is missed.
      const off = s.api.subscribe(onEvent, { sessions: [key] })
      try {
        const info = await s.api.call('sessions.show', { key, tail })
        for (const m of info.messages) print(m)
        ready = true
        for (const r of held.splice(0)) onEvent(r)
        if (s.mode === 'in-process' && !g.json) out.err('(no mesh join runs for this home: only changes made on this machine will appear)')
        await untilStopped(s.mode === 'daemon' ? (s.api as RpcClient).closed() : undefined)
      } finally {
        off()
      }
    } finally {
      await s.close()
    }
    return 0
  }
}

export const peersCmd: Command = {
  name: 'peers',
  usage: 'mesh peers [--json]',
  summary: 'sibling devices: label, capabilities, addresses, how found, connection state, round-trip time, how far behind',
  options: {},
  async run (g) {
    const s = await apiFor(g)
    try {
      const peers = await s.api.call('peers.list', {})
      if (g.json) { out.json(peers); return 0 }
      if (peers.length === 0) out.line('no peers yet')
      if (s.mode === 'in-process' && peers.length > 0) out.line('(mesh join is not running here: remembered peers, all offline)')
      for (const p of peers) {
        const behind = Object.entries(p.behind).filter(([, n]) => n > 0).map(([d, n]) => `${d} −${n}`).join(', ')
        const sync = p.state !== 'connected' ? 'offline' : p.inSync ? 'in sync' : `behind: ${behind}`
        out.line(`${p.label}\t${p.peerId}\t[${p.capabilities.join(', ')}]\t${p.state}\tvia ${p.via}${p.rttMs !== undefined ? `\trtt ${p.rttMs} ms` : ''}\t${sync}`)
        for (const a of p.addrs) out.line(`\t${a}`)
      }
      return 0
    } finally {
      await s.close()
    }
  }
}
