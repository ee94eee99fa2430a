/** Who may write a file besides its owner, in the words HOME_UNSAFE says it (a wallet of mode 666 was said "writable by its group" alone). */
import { expect, it } from 'vitest'
import { writableBy } from '../../src/file-mode.js'

it('names the group, the others, or both', () => {
  expect(writableBy(0o770)).toBe('its group')
  expect(writableBy(0o702)).toBe('others')
  expect(writableBy(0o666)).toBe('its group and every other user')
  expect(writableBy(0o40777)).toBe('its group and every other user')
})
