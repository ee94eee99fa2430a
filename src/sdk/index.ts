/**
 * sdk: what agents import. Open a vault, then sessions, memory and skills.
 *
 * @example
 * const vault = await openVault({ home: './.mesh', wallet: '~/.config/solana/id.json' })
 * const s = await vault.sessions.openOrCreate('agent:main:refactor', { goal: 'split the parser' })
 * await s.append({ role: 'user', content: 'start with the lexer' })
 * await s.close(); await vault.close()
 */
export * from './vault.js'
export * from './session.js'
export * from './wallet.js'
