/**
 * Words the CLI's lines share, so one count reads the same in every command.
 *
 * @example
 * plural(1, 'byte') // '1 byte'
 * plural(40, 'new record') // '40 new records'
 */

/** `n what`, with an s unless n is 1 (English nouns that take one: byte, record, line). */
export const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`
