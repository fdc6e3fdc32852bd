/**
 * Joining byte chunks (reply bodies, standard input, DER elements) into one array. One chunk is
 * returned as it is, not copied: a registry reply of one chunk (most manifests, ~1-4 KiB) then costs
 * no second copy; callers never write into the result.
 */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const size = total ?? chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
