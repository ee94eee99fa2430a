/** mesh watch KEY, mesh peers. */
import { parseSessionKey } from '../../../crdt/index.js'
import { UsageError } from '../../errors.js'
import { PeerBook } from '../../node/peer-book.js'
import { ambient, currentOut, stdout as out, untilStopped, withVault } from '../context.js'
import type { Command } from '../command.js'
import { formatMessage } from './sessions.js'

export const watchCmd: Command = {
  name: 'watch',
  usage: 'mesh watch KEY [--json] [--tail N]',
  summary: 'print a session\'s transcript, then each new message as it arrives from any device, until interrupted (read-only)',
  options: { tail: { type: 'string' } },
  async run (g, args, values) {
    const raw = args[0]
    if (raw === undefined) throw new UsageError(`missing session KEY: ${this.usage}`)
    const key = parseSessionKey(raw)
    const tail = values.tail !== undefined ? Number(values.tail) : undefined
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) throw new UsageError('--tail takes a whole number')
    return await withVault(g, async v => {
      const s = await v.sessions.open(key)
      try {
        // Subscriptions fire in whichever request changed the doc: print to this watch's client.
        const mine = currentOut()
        const print = (m: Parameters<typeof formatMessage>[0]): void => { mine.line(g.json ? JSON.stringify(m) : formatMessage(m)) }
        for (const m of s.messages({ tail })) print(m)
        if (ambient.getStore()?.node === undefined && !g.json) out.err('(no mesh join running for this home: only changes made here will appear)')
        const off = s.subscribe(e => { if (e.type === 'messages') for (const m of e.messages) print(m) })
        await untilStopped()
        off()
      } finally {
        await s.close()
      }
      return 0
    })
  }
}

export const peersCmd: Command = {
  name: 'peers',
  usage: 'mesh peers [--json]',
  summary: 'sibling devices: label, capabilities, addresses, how found, connection state, round-trip time, how far behind',
  options: {},
  async run (g) {
    const node = ambient.getStore()?.node
    const peers = node !== undefined
      ? await node.peers()
      : await (async () => { const b = new PeerBook(g.home); await b.load(); return b.list().map(p => ({ ...p, via: 'remembered', state: 'offline (mesh join is not running)', behind: {} })) })()
    if (g.json) { out.json(peers); return 0 }
    if (peers.length === 0) out.line('no peers yet')
    for (const p of peers as any[]) {
      const behind = Object.entries(p.behind as Record<string, number>).filter(([, n]) => n > 0).map(([d, n]) => `${d} −${n}`).join(', ')
      out.line(`${p.label}\t${p.peerId}\t[${p.capabilities.join(', ')}]\t${p.state}\tvia ${p.via}${p.rttMs !== undefined ? `\trtt ${p.rttMs} ms` : ''}\t${behind !== '' ? `behind: ${behind}` : 'in sync'}`)
      for (const a of p.addrs) out.line(`\t${a}`)
    }
    return 0
  }
}
