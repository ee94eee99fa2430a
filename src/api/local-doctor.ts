/** The doctor area of the in-process API (issue 12): what this node set aside, and dropping it. */
import { NotFoundError } from '../errors.js'
import { checkSnapshots, findDamagedSnapshots } from '../node/snapshot-scan.js'
import type { Handlers, LocalContext } from './local-context.js'

/** About this much of the check a doctor.check page does: a caller says how far it is between two. */
const CHECK_PAGE_MS = 250

export function doctorHandlers (ctx: LocalContext): Handlers<'doctor.report' | 'doctor.check' | 'doctor.drop'> {
  return {
    // Every snapshot is checked too, where it lies: one damaged on this disk is found before
    // something opens its document (which sets it aside), and nothing is changed here.
    // What it finds is recorded (snapshot-scan.ts) for `mesh status` to count, but on a home
    // opened only to read.
    'doctor.report': async (input) => {
      const v = ctx.vault.vault
      const found = input.check === false ? [] : await findDamagedSnapshots(v.store, v.certs, { record: v.readOnlyHome === undefined })
      return { quarantined: v.quarantined(), forks: v.forks(), damaged: [...await v.store.damaged(), ...found] }
    },
    'doctor.check': async (input) => {
      const v = ctx.vault.vault
      const page = await checkSnapshots(v.store, v.certs, { after: input.after, files: input.files, budgetMs: CHECK_PAGE_MS, record: v.readOnlyHome === undefined })
      return { damaged: page.found, checked: page.checked, total: page.total, ...(page.next !== undefined ? { next: page.next } : {}) }
    },
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
