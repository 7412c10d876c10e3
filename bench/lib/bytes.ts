/** Concatenates byte arrays into one fresh array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Copies of consecutive slices of `bytes`, each `size()` long (the last one shorter). */
export function chunk(bytes: Uint8Array, size: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(size(), bytes.length - at);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

/** A Buffer view of the same memory (mqtt-packet's parser wants Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
