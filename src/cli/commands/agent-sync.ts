/**
 * mesh agent skills sync AGENT, mesh agent memory sync claude|openclaw|hermes: an agent's skills folders and
 * memory files with mesh's skills and memory, both ways, conflicts reported rather than
 * overwritten (src/agents/skills-sync.ts, memory-sync.ts).
 */
import { resolve } from 'node:path'
import { SKILL_AGENTS, syncClaudeMemory, syncHermesMemory, syncOpenclawMemory, syncSkills, type FilesReport, type SkillAgent } from '../../agents/index.js'
import { firstControl } from '../../api/schema-text.js'
import { UsageError } from '../../errors.js'
import { stdout as out, withApi, type Globals } from '../context.js'
import { wholeNumber } from '../numbers.js'
import { oneLine } from '../printable.js'
import { gotWords, leftOutWords, plural } from '../wording.js'

const list = (xs: readonly string[]): string => xs.length === 0 ? '-' : xs.join(', ')

/**
 * The memory syncs' flags, each taken by some of them (command.ts refuses those of no memory sync,
 * and a skills sync's others): --prefer by all but Hermes's, which merges its entries.
 */
const ONLY: Record<string, { sync: string, takes: (what: 'skills' | 'memory', agent: string | undefined) => boolean }> = {
  cwd: { sync: 'memory sync claude', takes: (what, agent) => what === 'memory' && agent === 'claude' },
  workspace: { sync: 'memory sync openclaw', takes: (what, agent) => what === 'memory' && agent === 'openclaw' },
  'lock-timeout': { sync: 'memory sync hermes', takes: (what, agent) => what === 'memory' && agent === 'hermes' },
  prefer: { sync: 'every sync but memory sync hermes (it merges entries)', takes: (what, agent) => !(what === 'memory' && agent === 'hermes') }
}

/** A flag this sync does not take is refused, not ignored: a --lock-timeout given to claude waited for nothing. */
function refuseOthers (what: 'skills' | 'memory', agent: string | undefined, values: Record<string, unknown>): void {
  // An agent no sync knows is refused by name below, not by the flags it was given.
  if (!SKILL_AGENTS.includes(agent as SkillAgent)) return
  for (const [flag, o] of Object.entries(ONLY)) {
    if (values[flag] !== undefined && !o.takes(what, agent)) throw new UsageError(`mesh agent ${what} sync ${agent ?? 'AGENT'} takes no --${flag}: it is for ${o.sync}`)
  }
}

export async function syncCmd (g: Globals, what: 'skills' | 'memory', args: string[], values: Record<string, unknown>): Promise<number> {
  const [verb, agent] = args
  if (verb !== 'sync') throw new UsageError(`mesh agent ${what} sync AGENT`)
  const prefer = values.prefer as string | undefined
  if (prefer !== undefined && prefer !== 'mesh' && prefer !== 'local') throw new UsageError(`--prefer mesh or local (got ${prefer})`)
  refuseOthers(what, agent, values)
  if (what === 'skills') {
    if (!SKILL_AGENTS.includes(agent as SkillAgent)) throw new UsageError(`mesh agent skills sync ${SKILL_AGENTS.join('|')} (${gotWords(agent, SKILL_AGENTS)})`)
    const r = await withApi(g, async api => await syncSkills(api, agent as SkillAgent, { home: g.home, prefer }))
    if (g.json) out.json(r)
    else {
      out.line(`${r.dir}: captured ${list(r.pushed)}; written ${list(r.pulled)}; unchanged ${r.same.length}`)
      for (const c of r.conflicts) {
        out.line(c.taken === true
          ? `conflict: ${c.name} from mesh would go to ${c.path}, which holds something else (another skill or your files): left as it is (move that folder to take mesh's ${c.name})`
          : `conflict: ${c.name} changed here (${c.path}) and in mesh since the last sync: left as it is (--prefer mesh|local to choose)`)
      }
      for (const n of r.removedFromMesh) out.line(`${n}: removed here, so removed from mesh (and from your other machines as they sync)`)
      // A skill whose folder stays (what mesh never carried, such as a .env) is said once, by its keptHere line.
      const stays = new Set(r.keptHere.map(k => k.name))
      for (const n of r.deletedHere) if (!stays.has(n)) out.line(`${n}: removed from mesh, so deleted here`)
      for (const k of r.keptEdited) out.line(`${k.name}: removed from mesh but edited here since (${k.path}): kept, not captured back (--prefer local to add it again, --prefer mesh to delete it)`)
      for (const s of r.symlinksSkipped) out.line(`${s}: a symlink, not followed`)
      // Inside a skill's folder, said as `mesh skills add` says it.
      for (const l of r.leftOut) if (!stays.has(l.name)) out.line(`${l.name} (${oneLine(l.path)}): ${leftOutWords(l.leftOut)}`)
      for (const k of r.keptHere) out.line(`${k.name}: removed from mesh, so its files deleted here; what mesh never carried stays in ${oneLine(k.path)} (${leftOutWords(k.leftOut)})`)
      // Sent by an older mesh's sync, before the rule: said until the skill is added again without them.
      for (const hm of r.heldInMesh) out.line(`${hm.name}: mesh holds ${(hm.paths.length > 8 ? [...hm.paths.slice(0, 8).map(oneLine), `${hm.paths.length - 8} more`] : hm.paths.map(oneLine)).join(', ')} of it, sent by an older mesh: not written here (\`mesh skills add FOLDER\` sends the skill without them)`)
      // A SKILL.md that is no skill mesh can read (not UTF-8, a name that is none): named, escaped as memory sync's are.
      for (const s of r.skipped) out.line(`${firstControl(s.path) !== undefined ? JSON.stringify(s.path) : s.path}: not synced: ${s.why}`)
    }
    return r.conflicts.length > 0 || r.keptEdited.length > 0 ? 1 : 0
  }
  if (agent === 'hermes') {
    // At most what a timer holds (a longer one fires at once).
    const timeout = values['lock-timeout'] !== undefined ? wholeNumber(values['lock-timeout'], '--lock-timeout', 'a number of milliseconds (0 or more)', 2 ** 31 - 1) : undefined
    const r = await withApi(g, async api => await syncHermesMemory(api, { home: g.home, lockTimeoutMs: timeout }))
    if (g.json) out.json(r)
    else {
      for (const f of r) {
        if (f.drift === true) { out.line(`${f.file}: edited outside Hermes's memory tool: ${f.why ?? 'it does not read back as §-separated entries'}, which Hermes does not write (its memory tool refuses to edit the file while it is so): left untouched, nothing synced. Fix that, then sync again`); continue }
        out.line(`${f.file}: ${plural(f.entries, 'entry', 'entries')}, ${f.chars}/${f.cap} chars; ${f.toMesh} to mesh, ${f.fromMesh} from mesh, ${f.removedFromMesh} removed from mesh, ${f.removedHere} removed here`)
        for (const e of f.overCap) out.line(`  over the cap, kept in mesh only: ${e}`)
        for (const e of f.unseparable) out.line(`  would not stay one entry in the file (it holds or makes a line of only §, Hermes's separator), kept in mesh only: ${JSON.stringify(e)}`)
      }
    }
    return r.some(f => f.drift === true) ? 1 : 0
  }
  if (agent === 'claude' || agent === 'openclaw') {
    const r: FilesReport & { project?: string, workspace?: string } = agent === 'claude'
      ? await withApi(g, async api => await syncClaudeMemory(api, { home: g.home, cwd: resolve((values.cwd as string | undefined) ?? process.cwd()), prefer }))
      : await withApi(g, async api => await syncOpenclawMemory(api, { home: g.home, workspace: values.workspace as string | undefined, prefer }))
    if (g.json) out.json(r)
    else {
      out.line(`${agent === 'claude' ? `project ${r.project ?? '-'}` : `workspace ${r.workspace ?? '-'}`}: captured ${list(r.pushed)}; written ${list(r.pulled)}; unchanged ${r.same.length}; removed from mesh ${list(r.removedFromMesh)}; removed here ${list(r.removedHere)}`)
      for (const c of r.conflicts) out.line(`conflict: ${c.key} changed here (${c.path}) and in mesh since the last sync: left as it is (--prefer mesh|local to choose)`)
      for (const p of r.tooBig) out.line(`${p}: over 256 KiB, not captured`)
      // A name with a line break or another control character in it, shown escaped on its one line.
      for (const s of r.skipped) out.line(`${firstControl(s.path) !== undefined ? JSON.stringify(s.path) : s.path}: not synced: ${s.why}`)
    }
    return r.conflicts.length > 0 ? 1 : 0
  }
  throw new UsageError(`mesh agent memory sync claude|openclaw|hermes (${gotWords(agent, ['claude', 'openclaw', 'hermes'])})`)
}
