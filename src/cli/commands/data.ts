/** mesh memory set|get|list|search|delete, mesh skills add|list|show|remove. */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { InvalidInputError, isMeshError, NotFoundError, UsageError } from '../../errors.js'
import { shownInput } from '../../shown-input.js'
import { stdout as out, withApi } from '../context.js'
import { subcommandOf, type Command } from '../command.js'
import { oneLine } from '../printable.js'
import type { SkillFile } from '../../../crdt/skills.js'
import type { LeftOut, SkillLeftOut } from '../../agents/index.js'
import { leftOutWords } from '../wording.js'

const MEMORY_USAGE = 'mesh memory set KEY VALUE [--tag T]... | get KEY | list [--tag T] | search WORDS... | delete KEY'

export const memoryCmd: Command = {
  name: 'memory',
  arity: { set: 3, get: 2, list: 1, search: Infinity, delete: 2 },
  usage: MEMORY_USAGE,
  summary: 'the agent\'s memory: key/value entries with tags',
  subSummaries: {
    set: 'set a memory entry (its tags with --tag, repeated)',
    get: 'print one memory entry\'s value',
    list: 'every memory entry (--tag: those with that tag)',
    search: 'the memory entries whose key, value or tags hold every word given',
    delete: 'delete a memory entry, on every device'
  },
  examples: ['mesh memory set editor vim --tag prefs', 'mesh memory get editor', 'mesh memory search vim', 'mesh memory delete editor'],
  options: { tag: { type: 'string', multiple: true } },
  inputNames: {
    'memory.set': { key: 'KEY', value: 'VALUE', tags: '--tag' },
    'memory.get': { key: 'KEY' },
    'memory.delete': { key: 'KEY' },
    'memory.list': { tag: '--tag' },
    'memory.search': { query: 'WORDS' }
  },
  async run (g, args, values) {
    const [, key, value] = args
    const tags = values.tag as string[] | undefined
    // An empty KEY is the API's to refuse (INVALID_INPUT, said as `KEY: …`), as every empty input is.
    const needKey = (): string => { if (key === undefined) throw new UsageError(`missing KEY: ${MEMORY_USAGE}`); return key }
    const sub = subcommandOf('memory', args[0], ['set', 'get', 'list', 'search', 'delete'], MEMORY_USAGE)
    // One tag, as memory.list takes: a second is refused, not dropped unsaid (set takes several).
    if (sub === 'list' && tags !== undefined && tags.length > 1) throw new UsageError(`--tag given twice (${JSON.stringify(tags[0])} and ${JSON.stringify(tags[1])}): memory list lists the entries with one tag; give it once. Usage: mesh memory list [--tag T]`)
    return await withApi(g, async api => {
      if (sub === 'set') {
        if (value === undefined) throw new UsageError(`missing VALUE: ${MEMORY_USAGE}`)
        const e = await api.call('memory.set', { key: needKey(), value, tags })
        if (g.json) out.json(e)
        else out.line(`set ${e.key}`)
        return 0
      }
      if (sub === 'get') {
        const e = await api.call('memory.get', { key: needKey() })
        if (g.json) out.json(e)
        else out.line(e.value)
        return 0
      }
      if (sub === 'delete') {
        const k = needKey()
        const r = await api.call('memory.delete', { key: k })
        // Nothing to delete is an error like memory get's (exit 2; with --json the error on
        // stderr), not `{"deleted": false}` on stdout beside exit 2.
        if (!r.deleted) throw new NotFoundError(`no memory entry ${shownInput(k)}`, { key: k })
        if (g.json) out.json(r)
        else out.line(`deleted ${k}`)
        return 0
      }
      const list = sub === 'search'
        ? await api.call('memory.search', { query: args.slice(1).join(' ') || (() => { throw new UsageError(`missing WORDS: ${MEMORY_USAGE}`) })() })
        : await api.call('memory.list', { tag: tags?.[0] })
      if (g.json) { out.json(list); return 0 }
      // With --tag, an empty list says nothing has that tag, not that memory is empty.
      if (list.length === 0) out.line(sub === 'search' ? 'no match' : tags?.[0] !== undefined ? `no memory entry is tagged ${tags[0]}` : 'no memory entries yet')
      // Each field on the entry's line (a key or tag an older peer wrote may hold a control too).
      for (const e of list) out.line(`${oneLine(e.key)}\t${listedValue(e.value)}${e.tags.length > 0 ? `\t[${e.tags.map(listedTag).join(', ')}]` : ''}`)
      return 0
    })
  }
}

/** What memory list shows of a value after its first line, at most (the first line is shown whole). */
const LISTED_VALUE_CHARS = 100

/**
 * A memory entry's value on its line of `memory list`: its first line whole, as before, and what
 * follows it after `⏎` (a value of lines, or one that starts with a line break, is seen to go
 * on), cut with `…` at the first line's length or LISTED_VALUE_CHARS, whichever is longer.
 */
export function listedValue (value: string): string {
  const text = oneLine(value)
  const limit = Math.max(oneLine(value.split(/\r?\n/)[0] as string).length, LISTED_VALUE_CHARS)
  if (text.length <= limit) return text
  // Not between the two halves of an emoji.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 1)) ? limit - 1 : limit
  return text.slice(0, end) + '…'
}

/**
 * A tag in memory list's `[a, b]`: quoted as JSON when it holds what would read as the list's
 * own signs (a comma, a bracket, a quote, a space at an end), so the tag `a, b` (`["a, b"]`) is
 * not the two tags a and b (`[a, b]`).
 */
export function listedTag (tag: string): string {
  return /[,[\]"]|^\s|\s$/.test(tag) ? JSON.stringify(tag) : oneLine(tag)
}

const SKILLS_USAGE = 'mesh skills add FILE|FOLDER | list | show NAME | remove|rm NAME'

export const skillsCmd: Command = {
  name: 'skills',
  arity: { add: 2, list: 1, show: 2, remove: 2, rm: 2 },
  usage: SKILLS_USAGE,
  summary: 'the agent\'s skills: SKILL.md files (Markdown; name, version and description from its front matter, else the name of its folder, or of a file not called SKILL.md, and 0.0.0), with the other files of their folder',
  subSummaries: {
    add: 'add or update a skill from its SKILL.md (or the folder that holds it), with the folder\'s other files (scripts/, references/, assets/)',
    list: 'every skill: name, version, description',
    show: 'print one skill\'s SKILL.md',
    remove: 'remove a skill, on every device',
    rm: 'remove a skill, on every device'
  },
  examples: ['mesh skills add ./skills/review/SKILL.md', 'mesh skills add ./skills/review          # the folder that holds its SKILL.md', 'mesh skills list', 'mesh skills show review', 'mesh skills remove review'],
  options: {},
  // skills add sends what it read of the FILE (or FOLDER): its text, and its folder's other files.
  inputNames: {
    'skills.add': { content: 'FILE (its text)', name: 'FILE (its name)', source: 'FILE', files: 'FOLDER (its other files)' },
    'skills.show': { name: 'NAME' },
    'skills.remove': { name: 'NAME' }
  },
  async run (g, args) {
    const [verb, arg] = args
    const sub = subcommandOf('skills', verb === 'rm' ? 'remove' : verb, ['add', 'list', 'show', 'remove'], SKILLS_USAGE)
    if (sub !== 'list' && (arg === undefined || arg === '')) throw new UsageError(`missing ${sub === 'add' ? 'FILE' : 'NAME'}: ${SKILLS_USAGE}`)
    // The file is read here, against this process's working directory; the daemon gets its text.
    const file = sub === 'add' ? await readSkillFile(arg as string) : undefined
    return await withApi(g, async api => {
      if (file !== undefined) {
        // What was held before: the add is said as new, an update, or the same skill again.
        const before = new Map((await api.call('skills.list', {})).map(k => [k.name, k.updatedAt]))
        const { leftOut, ...sent } = file
        const left = leftOut !== undefined ? `; ${leftOutWords(leftOut)}` : ''
        const s = await api.call('skills.add', sent).catch((err: unknown) => {
          // Over the size a skill may have: said with what its folder added, the likeliest cause.
          if (isMeshError(err) && err.code === 'INVALID_INPUT' && (file.files?.length ?? 0) > 0 && /at most \d+ bytes/.test(err.message)) {
            throw new InvalidInputError(`${err.fact}: its folder adds ${file.files?.length ?? 0} files (${largest(file.files ?? [])}). Put the SKILL.md and only the files it needs in a folder of their own, and add that`, err.details, { cause: err })
          }
          throw err
        })
        if (g.json) out.json(leftOut !== undefined ? { ...s, leftOut } : s)
        else if (before.get(s.name) === s.updatedAt) out.line(`unchanged: skill ${s.name} ${s.version} is held already as this file has it (nothing sent)${left}`)
        else out.line(`${before.has(s.name) ? 'updated' : 'added'} skill ${s.name} ${s.version}${(file.files?.length ?? 0) > 0 ? ` with ${file.files?.length ?? 0} more ${file.files?.length === 1 ? 'file' : 'files'}: ${(file.files ?? []).map(f => f.path).slice(0, 8).join(', ')}${(file.files?.length ?? 0) > 8 ? ', …' : ''}` : ''}${left}`)
        return 0
      }
      if (sub === 'list') {
        const list = await api.call('skills.list', {})
        if (g.json) { out.json(list); return 0 }
        if (list.length === 0) out.line('no skills yet (add one with `mesh skills add FOLDER` or `mesh skills add FILE`)')
        for (const s of list) out.line(`${oneLine(s.name)}\t${oneLine(s.version)}\t${oneLine(s.description)}`)
        return 0
      }
      if (sub === 'remove') {
        const r = await api.call('skills.remove', { name: arg as string })
        // As skills show says it (NOT_FOUND, exit 2), with --json too.
        if (!r.removed) throw new NotFoundError(`no skill named ${arg as string}`, { name: arg })
        if (g.json) out.json(r)
        else out.line(`removed skill ${arg} (your machines delete their unedited copies as they sync: mesh agent skills sync AGENT)`)
        return 0
      }
      const s = await api.call('skills.show', { name: arg as string })
      if (g.json) { out.json(s); return 0 }
      out.line(`name:        ${s.name}`)
      out.line(`version:     ${s.version}`)
      // Several lines (a YAML `description: |`): the others under the first, no blank line after.
      out.line(`description: ${s.description.replace(/\s+$/, '').replace(/\r?\n/g, '\n             ')}`)
      out.line(`source:      ${s.source}`)
      out.line(`hash:        ${s.hash}`)
      // The other files of its folder (scripts it runs, references), by path: their text is in --json.
      const files = s.files ?? []
      if (files.length > 0) out.line(`files:       ${files.map(f => `${f.path}${f.exec === true ? ' (executable)' : ''}`).join(', ')}`)
      out.line('')
      out.line(s.body)
      return 0
    })
  }
}

/** The largest few of a skill's files, with their sizes, for a refusal over the size. */
function largest (files: readonly SkillFile[]): string {
  const size = (f: SkillFile): number => f.enc === 'base64' ? Math.floor(f.text.length * 3 / 4) : Buffer.byteLength(f.text)
  return [...files].sort((a, b) => size(b) - size(a)).slice(0, 3).map(f => `${f.path} ${size(f)} bytes`).join(', ')
}

async function readSkillFile (path: string): Promise<{ content: string, source: string, name: string, files?: SkillFile[], leftOut?: SkillLeftOut[] }> {
  let abs = resolve(path)
  const failed = (err: any): Error => err?.code === 'ENOENT'
    ? new NotFoundError(`no such file: ${abs} (give a SKILL.md, or the folder that holds one)`, { path: abs }, { cause: err })
    : new InvalidInputError(`cannot read skill file ${abs}: ${err?.code ?? err}`, { path: abs }, { cause: err })
  // A skill is a folder in the AgentSkills layout: the folder itself names its SKILL.md.
  try { if ((await stat(abs)).isDirectory()) abs = join(abs, 'SKILL.md') } catch (err) { throw failed(err) }
  // The agents read a skill as Markdown (SKILL.md): any other file (a config, a binary) is a
  // mistake that would be copied into every agent's skills folder. Refused before it is read.
  if (extname(abs).toLowerCase() !== '.md') throw new InvalidInputError(`${abs} is not a skill: give a SKILL.md (Markdown with name and description front matter), another .md file, or the folder that holds a SKILL.md`, { path: abs })
  let bytes: Buffer
  try { bytes = await readFile(abs) } catch (err) { throw failed(err) }
  const { skillFile } = await import('../../../crdt/skills.js')
  // Not UTF-8: refused, not decoded with U+FFFD (another file would go to every machine). A
  // SKILL.md is named by its folder (AgentSkills layout), any other file by its own name.
  const { text: content, name } = skillFile(bytes, abs)
  if (basename(abs).toUpperCase() !== 'SKILL.MD') return { content, source: abs, name }
  // The folder's other files (scripts/, references/, assets/) are the skill's too: without them,
  // every other machine got a SKILL.md naming scripts it did not have. Not hidden ones (.env,
  // .git) nor node_modules (readSkillFolder's rule, which `mesh agent skills sync` reads by too):
  // a SKILL.md at a repository's root must not send the repository, nor a .env its API keys.
  // What is left out (those, symlinks: not followed) is said, not dropped without a word.
  const { readSkillFolder, skillLeftOut, toSkillFiles } = await import('../../agents/index.js')
  let files: SkillFile[]
  const passed: LeftOut[] = []
  try { files = toSkillFiles(await readSkillFolder(dirname(abs), bytes, { leftOut: passed })) } catch (err: any) {
    if (err?.code === 'INVALID_INPUT') throw err
    throw new InvalidInputError(`cannot read the skill's folder ${dirname(abs)}: ${err?.message ?? err}`, { path: dirname(abs) }, { cause: err })
  }
  const leftOut = skillLeftOut(passed)
  return { content, source: abs, name, ...(files.length > 0 ? { files } : {}), ...(leftOut.length > 0 ? { leftOut } : {}) }
}

