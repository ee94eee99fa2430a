/** mesh sessions, mesh session new|append|show, mesh resume. */
import { InvalidInputError, LeaseHeldError, ReadOnlyError, UsageError } from '../../errors.js'
import { parseSessionKey, validateRole, type Message } from '../../../crdt/index.js'
import type { ResumeInfo } from '../../sdk/index.js'
import { ambient, stdout as out, withVault } from '../context.js'
import type { Command } from '../command.js'

async function readStdin (): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function need (args: string[], i: number, what: string, usage: string): string {
  const v = args[i]
  if (v === undefined || v === '') throw new UsageError(`missing ${what}: ${usage}`)
  return v
}

export function formatMessage (m: Message): string {
  const when = new Date(m.ts).toISOString().replace('T', ' ').slice(0, 19)
  return `[${when}] ${m.role} (${m.device.slice(-6)}): ${m.content}`
}

export const sessionsCmd: Command = {
  name: 'sessions',
  usage: 'mesh sessions [--json]',
  summary: 'list sessions',
  options: {},
  async run (g) {
    return await withVault(g, async v => {
      const list = await v.sessions.list()
      if (g.json) { out.json(list); return 0 }
      if (list.length === 0) out.line('no sessions yet (create one with `mesh session new KEY`)')
      for (const s of list) out.line(`${s.key}${s.title !== '' ? `  ${s.title}` : ''}`)
      return 0
    })
  }
}

const SESSION_USAGE = 'mesh session new KEY [--title T] [--goal G] | mesh session append KEY --role ROLE (--text T | --stdin) | mesh session show KEY [--json] [--tail N]'

export const sessionCmd: Command = {
  name: 'session',
  usage: SESSION_USAGE,
  summary: 'create a session, append to its transcript, or show it',
  options: { title: { type: 'string' }, goal: { type: 'string' }, role: { type: 'string' }, text: { type: 'string' }, stdin: { type: 'boolean' }, tail: { type: 'string' } },
  async run (g, args, values) {
    const sub = args[0]
    const key = parseSessionKey(need(args, 1, 'session KEY', SESSION_USAGE))
    if (sub === 'new') {
      return await withVault(g, async v => {
        const s = await v.sessions.create(key, { title: values.title as string | undefined, goal: values.goal as string | undefined })
        const meta = s.meta()
        await s.close()
        if (g.json) out.json(meta)
        else out.line(`created session ${key}`)
        return 0
      })
    }
    if (sub === 'append') {
      if (values.role === undefined) throw new UsageError(`missing --role: ${SESSION_USAGE}`)
      const role = validateRole(values.role as string)
      if ((values.text === undefined) === (values.stdin !== true)) throw new UsageError('give exactly one of --text T or --stdin')
      return await withVault(g, async v => {
        if (!v.vault.writable) throw new ReadOnlyError(`this device (${v.info().label}) is read-only: it cannot append. Its certificate grants only read`)
        const content = values.stdin === true ? await readStdin() : values.text as string
        if (content.length === 0) throw new InvalidInputError('refusing to append an empty message')
        const s = await v.sessions.open(key)
        try {
          const [m] = await s.append({ role, content })
          if (g.json) out.json(m)
          else out.line(`appended ${m?.id} to ${key} (${s.messageCount()} messages)`)
        } finally {
          await s.close()
        }
        return 0
      })
    }
    if (sub === 'show') {
      const tail = parseTail(values.tail)
      return await withVault(g, async v => {
        const s = await v.sessions.open(key)
        try {
          const info = s.resumeInfo({ tail })
          if (g.json) { out.json(info); return 0 }
          printSession(info)
        } finally {
          await s.close()
        }
        return 0
      })
    }
    throw new UsageError(`unknown session command ${sub ?? '(none)'}: ${SESSION_USAGE}`)
  }
}

function parseTail (v: unknown): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--tail takes a whole number, got ${String(v)}`)
  return n
}

export function printSession (info: ResumeInfo): void {
  out.line(`session: ${info.key}${info.title !== '' ? ` — ${info.title}` : ''}`)
  if (info.goal !== '') out.line(`goal:    ${info.goal}`)
  out.line(`status:  ${info.status}${info.lease !== undefined ? ` (driven by ${info.lease.label ?? info.lease.device} until ${new Date(info.lease.expiresAt).toISOString()})` : ''}`)
  const t = info.task
  if (t.plan !== '') out.line(`plan:    ${t.plan}`)
  if (t.cwd !== '') out.line(`cwd:     ${t.cwd}`)
  for (const p of t.progress) out.line(`progress: ${p.text}`)
  for (const td of t.todos) out.line(`todo:    [${td.done ? 'x' : ' '}] ${td.text}`)
  if (t.files.length > 0) out.line(`files:   ${t.files.join(', ')}`)
  out.line(`messages: ${info.messageCount}${info.messages.length < info.messageCount ? ` (last ${info.messages.length} shown)` : ''}`)
  for (const m of info.messages) out.line(formatMessage(m))
}

export const resumeCmd: Command = {
  name: 'resume',
  usage: 'mesh resume KEY [--json] [--take] [--tail N]',
  summary: 'everything an agent needs to continue a session (goal, task state, progress, transcript); takes the driver lease',
  options: { take: { type: 'boolean' }, tail: { type: 'string' } },
  async run (g, args, values) {
    const key = parseSessionKey(need(args, 0, 'session KEY', this.usage))
    const tail = parseTail(values.tail)
    return await withVault(g, async v => {
      const s = await v.sessions.open(key)
      try {
        const before = s.resumeInfo({ tail: 0 })
        const me = v.info().deviceId
        let lease
        let tookOver = false
        if (v.vault.writable) {
          try {
            lease = await s.takeLease({ force: values.take === true })
            tookOver = before.lease !== undefined && before.lease.device !== me && before.lease.expiresAt > Date.now()
          } catch (err) {
            if (!(err instanceof LeaseHeldError)) throw err
            const l = before.lease
            const ago = before.lastWriter !== undefined ? Math.round((Date.now() - before.lastWriter.ts) / 1000) : undefined
            const node = ambient.getStore()?.node
            const online = l === undefined ? 'unknown' : node === undefined ? 'online status unknown: mesh join is not running here' : node.isOnline(l.device) ? 'online now' : 'offline'
            throw new LeaseHeldError(`session ${key} is being driven by ${l?.label ?? l?.device}${ago !== undefined ? `, last write ${ago}s ago` : ''}, ${online}. Run \`mesh resume ${key} --take\` to take over`, { lease: l, online })
          }
        }
        const info = s.resumeInfo({ tail })
        if (g.json) { out.json({ ...info, leaseTaken: lease !== undefined, tookOver, readOnly: !v.vault.writable }); return 0 }
        if (!v.vault.writable) out.line('(read-only device: showing the session without taking the driver lease)')
        else if (tookOver) out.line(`took the driver lease over from ${before.lease?.label ?? before.lease?.device}`)
        printSession(info)
        return 0
      } finally {
        await s.close()
      }
    })
  }
}
