/** mesh memory set|get|list, mesh skills add|list|show. */
import { NotFoundError, UsageError } from '../../errors.js'
import { stdout as out, withVault } from '../context.js'
import type { Command } from '../command.js'

const MEMORY_USAGE = 'mesh memory set KEY VALUE [--tag T]... | mesh memory get KEY | mesh memory list [--tag T]'

export const memoryCmd: Command = {
  name: 'memory',
  usage: MEMORY_USAGE,
  summary: 'the agent\'s memory: key/value entries with tags',
  options: { tag: { type: 'string', multiple: true } },
  async run (g, args, values) {
    const [sub, key, value] = args
    const tags = values.tag as string[] | undefined
    return await withVault(g, async v => {
      if (sub === 'set') {
        if (key === undefined || value === undefined) throw new UsageError(`missing KEY or VALUE: ${MEMORY_USAGE}`)
        const e = await v.memory.set(key, value, { tags })
        if (g.json) out.json(e)
        else out.line(`set ${key}`)
        return 0
      }
      if (sub === 'get') {
        if (key === undefined) throw new UsageError(`missing KEY: ${MEMORY_USAGE}`)
        const e = await v.memory.get(key)
        if (e === undefined) throw new NotFoundError(`no memory entry ${key}`, { key })
        if (g.json) out.json(e)
        else out.line(e.value)
        return 0
      }
      if (sub === 'list') {
        const list = await v.memory.list({ tag: tags?.[0] })
        if (g.json) { out.json(list); return 0 }
        for (const e of list) out.line(`${e.key}\t${e.value.split('\n')[0]}${e.tags.length > 0 ? `\t[${e.tags.join(', ')}]` : ''}`)
        return 0
      }
      throw new UsageError(`unknown memory command ${sub ?? '(none)'}: ${MEMORY_USAGE}`)
    })
  }
}

const SKILLS_USAGE = 'mesh skills add FILE | mesh skills list | mesh skills show NAME'

export const skillsCmd: Command = {
  name: 'skills',
  usage: SKILLS_USAGE,
  summary: 'skills: Markdown files with name/version/description front matter',
  options: {},
  async run (g, args) {
    const [sub, arg] = args
    return await withVault(g, async v => {
      if (sub === 'add') {
        if (arg === undefined) throw new UsageError(`missing FILE: ${SKILLS_USAGE}`)
        const s = await v.skills.addFile(arg)
        if (g.json) out.json(s)
        else out.line(`added skill ${s.name} ${s.version} (${s.hash.slice(0, 19)})`)
        return 0
      }
      if (sub === 'list') {
        const list = await v.skills.list()
        if (g.json) { out.json(list.map(({ body: _b, ...rest }) => rest)); return 0 }
        for (const s of list) out.line(`${s.name}\t${s.version}\t${s.description}`)
        return 0
      }
      if (sub === 'show') {
        if (arg === undefined) throw new UsageError(`missing NAME: ${SKILLS_USAGE}`)
        const s = await v.skills.show(arg)
        if (g.json) { out.json(s); return 0 }
        out.line(`name:        ${s.name}`)
        out.line(`version:     ${s.version}`)
        out.line(`description: ${s.description}`)
        out.line(`source:      ${s.source}`)
        out.line(`hash:        ${s.hash}`)
        out.line('')
        out.line(s.body)
        return 0
      }
      throw new UsageError(`unknown skills command ${sub ?? '(none)'}: ${SKILLS_USAGE}`)
    })
  }
}
