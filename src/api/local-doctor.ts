/** The doctor area of the in-process API (issue 12): what this node set aside, and dropping it. */
import { NotFoundError } from '../errors.js'
import { shownInput } from '../shown-input.js'
import { shownName } from '../node/doc-names.js'
import { checkSnapshots, dropFound, findDamagedSnapshots } from '../node/snapshot-scan.js'
import type { Handlers, LocalContext } from './local-context.js'

/** About this much of the check a doctor.check page does: a caller says how far it is between two. */
const CHECK_PAGE_MS = 250

export function doctorHandlers (ctx: LocalContext): Handlers<'doctor.report' | 'doctor.check' | 'doctor.drop'> {
  /** Each damaged file of a document named as the vault names it (a session by its key, `memory`, `skills`): what to open, or what was lost. */
  const named = async <T extends { doc?: string }>(files: T[]): Promise<Array<T & { docName?: string }>> => {
    if (!files.some(f => f.doc !== undefined)) return files
    const names = await ctx.vault.vault.docNames()
    return files.map(f => {
      const name = f.doc !== undefined ? names.get(f.doc) : undefined
      return name !== undefined ? { ...f, docName: shownName(name) } : f
    })
  }
  return {
    // Every snapshot is checked too, where it lies: one damaged on this disk is found before
    // something opens its document (which sets it aside), and nothing is changed here.
    // What it finds is recorded (snapshot-scan.ts) for `mesh status` to count, but on a home
    // opened only to read.
    'doctor.report': async (input) => {
      const v = ctx.vault.vault
      const found = input.check === false ? [] : await findDamagedSnapshots(v.store, v.certs, { record: v.readOnlyHome === undefined })
      const notTaken = await v.notTaken()
      return { quarantined: v.quarantined(), forks: v.forks(), damaged: await named([...await v.store.damaged(), ...found]), ...(notTaken !== undefined && notTaken.entries > 0 ? { notTaken } : {}) }
    },
    'doctor.check': async (input) => {
      const v = ctx.vault.vault
      const page = await checkSnapshots(v.store, v.certs, { after: input.after, files: input.files, budgetMs: CHECK_PAGE_MS, record: v.readOnlyHome === undefined })
      return { damaged: await named(page.found), checked: page.checked, total: page.total, ...(page.next !== undefined ? { next: page.next } : {}) }
    },
    'doctor.drop': async (input) => {
      const q = ctx.vault.vault.quarantined().find(x => x.id === input.id)
      if (q !== undefined) {
        await ctx.vault.vault.dropQuarantined(input.id)
        return { dropped: q }
      }
      const damaged = await ctx.vault.vault.store.dropDamaged(input.id)
      if (damaged !== undefined) return { damaged: (await named([damaged]))[0] }
      // A snapshot doctor found damaged where it lies: set aside now, as its document's next opening would, and deleted.
      const found = await dropFound(ctx.vault.vault.store, ctx.vault.vault.certs, input.id)
      if (found !== undefined) return { damaged: (await named([found]))[0] }
      throw new NotFoundError(`nothing in quarantine and no damaged file has the id ${shownInput(input.id)}`, { id: input.id }, { hint: { sep: ' ', cli: '(`mesh doctor` lists them)', mcp: '(the doctor tool lists them)' } })
    }
  }
}
