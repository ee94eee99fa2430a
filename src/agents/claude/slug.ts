/**
 * The project directory name Claude Code gives a working directory (its sanitizePath, quoted
 * in AGENT-FORMATS.md §1.2): every character outside [a-zA-Z0-9] becomes '-'; a result over 200
 * characters is cut to 200 and given a hash of the raw path. The hash differs between Claude
 * Code's Bun build (Bun.hash) and its Node build (simpleHash below), so for a long path an
 * existing directory with the same 200-character prefix wins over the computed name.
 */
export const MAX_SANITIZED_LENGTH = 200

export function sanitizePath (name: string): string {
  // Per UTF-16 code unit, as JavaScript's replace does: a character outside the BMP becomes '--'.
  const sanitized = name.replace(/[^a-zA-Z0-9]/g, '-')
  if (sanitized.length <= MAX_SANITIZED_LENGTH) return sanitized
  return `${sanitized.slice(0, MAX_SANITIZED_LENGTH)}-${simpleHash(name)}`
}

/** Claude Code's Node-build hash: 31·h + c over UTF-16 code units in 32 bits, absolute, base 36. */
export function simpleHash (s: string): string {
  let h = 0
  for (let i = 0; i < s.length; i++) {
    h = ((h << 5) - h + s.charCodeAt(i)) | 0
  }
  return Math.abs(h).toString(36)
}

/** The slug to use given the project directories that exist: a long path's existing directory wins. */
export function projectDirName (cwd: string, existing: readonly string[]): string {
  const computed = sanitizePath(cwd)
  if (computed.length <= MAX_SANITIZED_LENGTH) return computed
  const prefix = computed.slice(0, MAX_SANITIZED_LENGTH) + '-'
  const found = existing.filter(d => d.startsWith(prefix))
  return found.length === 1 ? found[0] as string : computed
}
