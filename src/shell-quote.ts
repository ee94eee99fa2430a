/**
 * A word as a POSIX shell reads it back unchanged: as it is when it holds only characters no
 * shell treats specially, else in single quotes (a single quote in it written '\''), so a command
 * mesh prints for a person to run (a hint, an agent's resume line) can be pasted as it is.
 */
export function shellQuote (s: string): string { return /^[A-Za-z0-9_./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'` }
