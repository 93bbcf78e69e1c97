/**
 * Set on every request one node forwards to another (its value: the forwarding node's id). A
 * request that carries it is answered where it lands, never forwarded again: two nodes that
 * disagree for a moment about who owns a run cannot bounce a request between them.
 */
export const FORWARDED_BY_HEADER = "x-baa-forwarded-by";

/** The id of the node that forwarded this request here, or undefined for a client's own request. */
export function forwardedBy(
  headers: Readonly<Record<string, string | string[] | undefined>>
): string | undefined {
  const value = headers[FORWARDED_BY_HEADER];
  return Array.isArray(value) ? value[0] : value;
}
