/**
 * What a session file of an agent holds, as far as `mesh agent list` needs to say it: a session
 * (a record of a kind the agent writes: no-session.ts, the rule import refuses a file by), no
 * records yet (empty, or one line not finished), or no session, with why. Read a piece at a time
 * up to the first record, so a real transcript costs its first line; never through a symlink.
 */
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { parseObject } from './ids.js'
import { parses, utf8Text } from './jsonl.js'
import { agentRecord, noSessionWhy } from './no-session.js'
import type { AgentName } from './names.js'

/**
 * `notText`: the file's lines are not all UTF-8 text, which an import refuses whole (`--all`
 * fails over it); a file of text with no record of its agent (`{}`) is passed by by `--all`.
 */
export type FileHolds = { holds: 'session' } | { holds: 'nothing-yet' } | { holds: 'no-session', why: string, notText?: true }

const PIECE = 64 * 1024

export async function whatFileHolds (agent: AgentName, path: string): Promise<FileHolds> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    let lines = 0
    let objects = false
    /** Whether a line is a record; undefined when it is no UTF-8 text (the import refuses such a file). */
    const line = (b: Buffer): boolean | undefined => {
      const text = utf8Text(b)
      if (text === undefined) return undefined
      lines++
      const o = parseObject(text)
      if (o !== undefined) objects = true
      const kind = o === undefined ? 'unparsed' : typeof o.type === 'string' ? o.type : 'untyped'
      return agentRecord(agent, { kind, text })
    }
    let rest = Buffer.alloc(0)
    for (;;) {
      const piece = Buffer.alloc(PIECE)
      const { bytesRead } = await fh.read(piece, 0, PIECE, null)
      const buf = Buffer.concat([rest, piece.subarray(0, bytesRead)])
      let start = 0
      for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
        const r = line(buf.subarray(start, nl))
        if (r === undefined) return { holds: 'no-session', why: `line ${lines + 1} is not UTF-8 text`, notText: true }
        if (r) return { holds: 'session' }
        start = nl + 1
      }
      rest = buf.subarray(start)
      if (bytesRead === 0) break
    }
    // A last line without its newline counts when it is whole JSON (as an import takes it).
    if (rest.length > 0) {
      const text = utf8Text(rest)
      if (text === undefined) return { holds: 'no-session', why: lines === 0 ? 'it is not UTF-8 text' : `line ${lines + 1} is not UTF-8 text`, notText: true }
      if (parses(text) && line(rest) === true) return { holds: 'session' }
    }
    return lines === 0 ? { holds: 'nothing-yet' } : { holds: 'no-session', why: noSessionWhy(agent, objects, lines) }
  } finally {
    await fh.close()
  }
}
