/**
 * A --label checked before anything starts, by the rule every label is held to (checkLabel in
 * src/node/enrol.ts, the pairing protocol's): `mesh init`, `mesh join`, their --mirror forms, and
 * `mesh pair` (whose approver refuses a request holding any other).
 */
export async function checkLabelFlag (label: unknown): Promise<void> {
  if (typeof label !== 'string') return
  const { checkLabel } = await import('../node/enrol.js')
  checkLabel(label, '--label')
}
