/** The skills area of the in-process API (with the tombstones of removed skills). */
import type { Handlers, LocalContext } from './local-context.js'

export function skillHandlers (ctx: LocalContext): Handlers<'skills.add' | 'skills.list' | 'skills.show' | 'skills.remove' | 'skills.removed'> {
  return {
    'skills.add': async (input) => {
      const before = Date.now()
      const { body: _b, text: _t, files: _f, ...skill } = await ctx.vault.skills.add(input.content, { source: input.source ?? '(api)', name: input.name, files: input.files, category: input.category })
      // The same skill again is held as it was (its time the earlier add's): nothing changed to tell of.
      if (skill.updatedAt >= before) ctx.push({ type: 'skills.changed', remote: false })
      return skill
    },
    'skills.list': async () => (await ctx.vault.skills.list()).map(({ body: _b, text: _t, files: _f, ...rest }) => rest),
    'skills.show': async (input) => await ctx.vault.skills.show(input.name),
    'skills.remove': async (input) => {
      const removed = await ctx.vault.skills.remove(input.name)
      if (removed) ctx.push({ type: 'skills.changed', remote: false })
      return { removed }
    },
    'skills.removed': async () => await ctx.vault.skills.tombstones()
  }
}
