/**
 * Relative '/'-paths a document names for files mesh writes under a folder (a session bundle's
 * side files, a skill's files, memory files): one rule for all, so none can name a file outside.
 */

/** A relative '/'-path of names: no empty, `.` or `..` part, so never '' and never absolute. */
export function isPathOfNames (path: string): boolean {
  return path.split('/').every(s => s !== '' && s !== '.' && s !== '..')
}
