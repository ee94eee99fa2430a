/** Who besides its owner may write a file or folder of this mode, in words: "its group", "others", or both. */
export function writableBy (mode: number): string {
  const group = (mode & 0o020) !== 0
  const others = (mode & 0o002) !== 0
  return group && others ? 'its group and every other user' : group ? 'its group' : 'others'
}
