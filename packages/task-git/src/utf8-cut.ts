/**
 * The longest prefix of `bytes` no longer than `max` that ends on a line end when there is one
 * in it, and otherwise on a UTF-8 character boundary.
 */
export function cutUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  const head = bytes.subarray(0, Math.max(0, max));
  const lineEnd = head.lastIndexOf(0x0a);
  if (lineEnd >= 0) return head.subarray(0, lineEnd + 1);
  let end = head.length;
  // Step back over continuation bytes (10xxxxxx) to the lead byte of the character cut in two.
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return head.subarray(0, end);
}
