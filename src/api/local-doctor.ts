/** The doctor area of the in-process API (issue 12): what this node set aside, and dropping it. */
import { NotFoundError } from '../errors.js'
import type { Handlers, LocalContext } from './local-context.js'

export function doctorHandlers (ctx: LocalContext): Handlers<'doctor.report' | 'doctor.drop'> {
  return {
    'doctor.report': async () => ({ quarantined: ctx.vault.vault.quarantined(), forks: ctx.vault.vault.forks(), damaged: await ctx.vault.vault.store.damaged() }),
    'doctor.drop': async (input) => {
      const q = ctx.vault.vault.quarantined().find(x => x.id === input.id)
      if (q !== undefined) {
        await ctx.vault.vault.dropQuarantined(input.id)
        return { dropped: q }
      }
      const damaged = await ctx.vault.vault.store.dropDamaged(input.id)
      if (damaged !== undefined) return { damaged }
      throw new NotFoundError(`nothing in quarantine and no damaged file has the id ${input.id}`, { id: input.id }, { hint: { sep: ' ', cli: '(`mesh doctor` lists them)', mcp: '(the doctor tool lists them)' } })
    }
  }
}
