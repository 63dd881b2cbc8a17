/** An article's address; comments and permalinks hang off it. */
export function articlePath(slug: string): string {
  return `/writing/${encodeURIComponent(slug)}`;
}
