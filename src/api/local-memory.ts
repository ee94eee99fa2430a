/** The memory area of the in-process API. */
import { NotFoundError } from '../errors.js'
import { shownInput } from '../shown-input.js'
import type { Handlers, LocalContext } from './local-context.js'

export function memoryHandlers (ctx: LocalContext): Handlers<'memory.get' | 'memory.set' | 'memory.delete' | 'memory.list' | 'memory.search'> {
  return {
    'memory.get': async (input) => {
      const e = await ctx.vault.memory.get(input.key)
      if (e === undefined) throw new NotFoundError(`no memory entry ${shownInput(input.key)}`, { key: input.key })
      return e
    },
    'memory.set': async (input) => {
      const e = await ctx.vault.memory.set(input.key, input.value, { tags: input.tags })
      ctx.push({ type: 'memory.changed', remote: false })
      return e
    },
    'memory.delete': async (input) => {
      const deleted = await ctx.vault.memory.delete(input.key)
      if (deleted) ctx.push({ type: 'memory.changed', remote: false })
      return { deleted }
    },
    'memory.list': async (input) => await ctx.vault.memory.list({ tag: input.tag }),
    'memory.search': async (input) => await ctx.vault.memory.search(input.query, { limit: input.limit })
  }
}
