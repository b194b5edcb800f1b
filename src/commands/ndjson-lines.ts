/**
 * Streams the lines of an NDJSON byte stream as raw bytes, numbered from 1, skipping blank lines
 * (empty or only spaces, tabs and a CR) but counting them. Lines stay bytes, not strings, so that
 * invalid UTF-8 reaches the decoder intact (a text decoder would silently replace it with U+FFFD).
 * A trailing CR is removed (CRLF files); the last line needs no newline. Memory holds one line.
 */

export interface NdjsonLine {
  /** 1-based physical line number. */
  readonly line: number;
  readonly bytes: Uint8Array;
}

const LF = 0x0a;
const CR = 0x0d;

export async function* ndjsonLines(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<NdjsonLine> {
  let pending: Buffer[] = [];
  let line = 0;
  for await (const chunk of input) {
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = buffer.indexOf(LF, start); end !== -1; end = buffer.indexOf(LF, start)) {
      const piece = buffer.subarray(start, end);
      const bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      line += 1;
      const trimmed = withoutCr(bytes);
      if (!isBlank(trimmed)) yield { line, bytes: trimmed };
      start = end + 1;
    }
    if (start < buffer.length) pending.push(Buffer.from(buffer.subarray(start)));
  }
  if (pending.length > 0) {
    line += 1;
    const bytes = withoutCr(Buffer.concat(pending));
    if (!isBlank(bytes)) yield { line, bytes };
  }
}

function withoutCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === CR
    ? bytes.subarray(0, bytes.length - 1)
    : bytes;
}

function isBlank(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== CR) return false;
  }
  return true;
}
