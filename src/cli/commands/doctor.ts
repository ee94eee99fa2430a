/**
 * mesh doctor [--drop ID [--yes]]: what this node set aside. Quarantined entries and snapshots
 * (a member's update that did not apply or broke its document's shape: kept as evidence, never
 * applied or sent) and forks (two different entries of one author at one position: both kept and
 * applied), each with its author and document, and files of its own store found damaged on this
 * disk (moved aside). `--drop ID` deletes one quarantined item's evidence (its position stays
 * excluded) or one damaged file, after a confirmation read from stdin (`--yes` skips it).
 */
import { UsageError } from '../../errors.js'
import { askYesNo, localTime, notTakenWords, stdout as out, withApi } from '../context.js'
import type { Command } from '../command.js'
import { doctorProgress } from '../doctor-progress.js'
import type { Output } from '../../api/schema.js'

const USAGE = 'mesh doctor [--drop ID [--yes]] [--json]'

type Report = Output<'doctor.report'>
type Item = Report['quarantined'][number]

const who = (label: string | undefined, key: string): string => `${label ?? 'unknown device'} (${key.slice(0, 12)})`
const what = (name: string | undefined, doc: string): string => name ?? `document ${doc.slice(0, 12)}`
/** The document a damaged file was of, as a person opens it: a session by its key (every full key begins `agent:`), or memory, skills, the session list. */
const ofDoc = (d: { doc?: string, docName?: string }, sep = '  '): string => d.docName !== undefined ? `${sep}of ${d.docName.startsWith('agent:') ? `session ${d.docName}` : d.docName}` : d.doc !== undefined ? `${sep}of document ${d.doc.slice(0, 12)}` : ''

function describe (q: Item): string {
  return `${q.id}  ${q.kind.padEnd(8)} ${what(q.docName, q.doc)}  by ${who(q.authorLabel, q.author)}  lane ${q.lane} seq ${q.seq}  ${localTime(q.at)}\n    ${q.reason}`
}

/** One line from stdin (undefined when it ends first). */
export const doctorCmd: Command = {
  name: 'doctor',
  arity: 0,
  usage: USAGE,
  summary: 'what this node set aside: quarantined entries and snapshots, forks, with author and document, and files of its store found damaged on this disk',
  flags: {
    '--drop ID': 'delete one quarantined item or damaged file, by the id mesh doctor lists, after you confirm',
    '--yes': 'with --drop: do not ask to confirm'
  },
  examples: ['mesh doctor', 'mesh doctor --json', 'mesh doctor --drop 3d3f828cef59bdca', 'mesh doctor --drop 3d3f828cef59bdca --yes'],
  options: { drop: { type: 'string' }, yes: { type: 'boolean' } },
  inputNames: { 'doctor.drop': { id: '--drop' } },
  async run (g, args, values) {
    if (args.length > 0) throw new UsageError(`unexpected ${args.join(' ')}: ${USAGE}`)
    const drop = values.drop as string | undefined
    const yes = values.yes === true
    if (yes && drop === undefined) throw new UsageError(`--yes goes with --drop ID: ${USAGE}`)
    // A script reading JSON cannot answer a question on the same terminal.
    if (drop !== undefined && g.json && !yes) throw new UsageError('--drop with --json needs --yes (no question is asked in JSON mode)')
    const dropIt = async (id: string): Promise<number> => await withApi(g, async api => {
      const r = await api.call('doctor.drop', { id })
      if (g.json) out.json(r)
      else if (r.dropped !== undefined) out.line(`dropped ${r.dropped.id} (${r.dropped.kind} of ${what(r.dropped.docName, r.dropped.doc)} by ${who(r.dropped.authorLabel, r.dropped.author)})`)
      else if (r.damaged !== undefined) out.line(`deleted ${r.damaged.path} (a damaged ${r.damaged.kind}${ofDoc(r.damaged, ' ')}, ${r.damaged.bytes} bytes)`)
      return 0
    })
    if (drop !== undefined && yes) return await dropIt(drop)
    // The report is read, and the home let go of, before any question: without a daemon this
    // command holds the home while it is open, and every other command would wait on the answer.
    // The snapshots are checked a page at a time, saying how far on stderr when doctor takes over
    // a second (doctor-progress.ts); the report lists what the check found after what was set aside.
    const progress = doctorProgress({ show: !g.json })
    const report = await withApi(g, async api => {
      const r = await api.call('doctor.report', { check: false })
      return { ...r, damaged: [...r.damaged, ...await progress.check(api)] }
    }).finally(progress.stop)
    if (drop === undefined) {
      if (g.json) { out.json(report); return 0 }
      // A revoked device's own work that no other device takes is said first: it is readable here only.
      if (report.notTaken !== undefined) out.line(`not taken: ${notTakenWords(report.notTaken)}`)
      if (report.quarantined.length === 0 && report.forks.length === 0 && report.damaged.length === 0) { out.line('nothing quarantined, no forks, nothing damaged'); return 0 }
      const setAside = report.damaged.filter(d => d.unmoved !== true)
      const found = report.damaged.filter(d => d.unmoved === true)
      if (setAside.length > 0) out.line(`damaged on this disk (${setAside.length}): set aside, never read again; what they held counts as not held here and comes again from a device that has it while both are online; \`mesh doctor --drop ID\` deletes one`)
      for (const d of setAside) out.line(`  ${d.id}  ${d.kind}${ofDoc(d)}  ${d.path}  ${d.bytes} bytes${d.at > 0 ? `  ${localTime(d.at)}` : ''}\n    ${d.reason}`)
      if (found.length > 0) out.line(`found damaged on this disk by this check (${found.length}): left where they lie; each is set aside when its document (named below) is next opened (\`mesh session show KEY\`, or a peer syncing it with \`mesh join\`), \`mesh doctor --drop ID\` sets one aside and deletes it now, and what it held comes again from a device that has it`)
      for (const d of found) out.line(`  ${d.id}  ${d.kind}${ofDoc(d)}  ${d.path}  ${d.bytes} bytes\n    ${d.reason}`)
      if (report.quarantined.length > 0) out.line(`quarantined (${report.quarantined.length}): kept on disk, never applied or sent; \`mesh doctor --drop ID\` deletes one`)
      for (const q of report.quarantined) out.line(`  ${describe(q)}`)
      if (report.forks.length > 0) out.line(`forks (${report.forks.length}): two different entries of one device at one position, both kept and applied`)
      for (const f of report.forks) out.line(`  ${f.id}  ${what(f.docName, f.doc)}  by ${who(f.authorLabel, f.author)}  lane ${f.lane} seq ${f.seq}  ${localTime(f.at)}  (held: ${f.held.slice(0, 12)})`)
      return 0
    }
    const item = report.quarantined.find(q => q.id === drop)
    const damaged = report.damaged.find(d => d.id === drop)
    const asked = item !== undefined
      ? { line: describe(item), what: item.kind }
      : damaged !== undefined ? { line: `${damaged.path}  ${damaged.bytes} bytes (a damaged ${damaged.kind}${ofDoc(damaged, ' ')})`, what: `damaged ${damaged.kind}` } : undefined
    // Unknown ids go to the API, which answers NOT_FOUND: nothing to confirm.
    if (asked !== undefined) {
      out.err(`  ${asked.line}`)
      if (!(await askYesNo(`delete this ${asked.what} for good?`))) {
        out.err('not dropped')
        return 1
      }
    }
    return await dropIt(drop)
  }
}
