/**
 * What keeps a lease that is past its end, said one way by the API's errors (session.ts
 * leaseEnds) and by the CLI's lease line (`mesh session show`, formatLease). The rule
 * (session.ts leaseView): a lease is honoured LEASE_SKEW_MS past its end, as clocks may disagree,
 * and after that only while its holder is online. No imports: the CLI loads it on its fast path.
 */

/** Whether the holder of another device's lease is online now, said one way by LEASE_HELD and by the lease line. */
export function onlineWords (online: boolean): string {
  return online ? 'online now' : 'not seen online now'
}

/**
 * `holder`: how the holder is named ("its holder", a label). `withinSkew`: still within the
 * clocks' allowance. `online`: whether the holder is online now, when the caller knows (the lease
 * view says it of another device's lease past its end; without it, words true either way).
 */
export function pastEndWords (holder: string, withinSkew: boolean, online?: boolean): string {
  // Past the allowance a lease that still holds has an online holder (else it ran out).
  if (!withinSkew) return `live while ${holder} is online`
  const skew = 'honoured up to 2 minutes more in case clocks disagree'
  if (online === true) return `${skew}, then for as long as ${holder} is online`
  if (online === false) return `${skew}, then it runs out unless ${holder} comes online`
  return `${skew}, then only while ${holder} is online`
}
