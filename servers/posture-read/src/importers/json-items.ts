/**
 * The elements of a JSON array of findings, one at a time, from a byte stream: the top-level array
 * (`[...]`) or the array under one of `keys` of a top-level object (`{"Findings": [...]}`). Each
 * element's bytes are cut out by a scan that only tracks brackets and strings, then parsed with
 * JSON.parse: far cheaper than a token-by-token streaming parser, and still never more than one
 * element in memory. Everything outside the elements (brackets, commas, keys, other members, the
 * end of input) is checked too, so a torn or malformed file is an error, never a silent stop.
 * Errors are SyntaxErrors whose message says where (the importer names the record it got to).
 */

const WS = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d]) WS[c] = 1;
// Bytes that end a number or literal (true, false, null) at the top of a value.
const DELIM = new Uint8Array(256);
for (const c of [0x20, 0x09, 0x0a, 0x0d, 0x2c, 0x5d, 0x7d]) DELIM[c] = 1;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  pos = 0;
  /** Bytes consumed before `buf`, for error positions. */
  private base = 0;
  private readonly it: AsyncIterator<unknown>;

  constructor(input: AsyncIterable<unknown>) {
    this.it = input[Symbol.asyncIterator]();
  }

  get bytes(): Buffer {
    return this.buf;
  }

  offset(): number {
    return this.base + this.pos;
  }

  /** Loads the next chunk once `buf` is used up; false at the end of input. */
  async fill(): Promise<boolean> {
    while (this.pos >= this.buf.length) {
      const next = await this.it.next();
      if (next.done) return false;
      const v = next.value;
      this.base += this.buf.length;
      this.buf = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v as Uint8Array);
      this.pos = 0;
    }
    return true;
  }

  /** The next byte that is not white space (not consumed), or -1 at the end of input. */
  async peek(): Promise<number> {
    for (;;) {
      if (this.pos >= this.buf.length && !(await this.fill())) return -1;
      const b = this.buf[this.pos]!;
      if (WS[b] !== 1) return b;
      this.pos++;
    }
  }

  fail(what: string): never {
    throw new SyntaxError(`Unexpected ${what} in JSON at byte ${this.offset()}`);
  }

  async expect(byte: number, what: string): Promise<void> {
    const b = await this.peek();
    if (b !== byte)
      this.fail(
        b === -1 ? `end of input (expected ${what})` : `'${String.fromCharCode(b)}' (expected ${what})`,
      );
    this.pos++;
  }

  /** The text of the one JSON value starting at the next non-blank byte (not yet checked: see parse). */
  async value(): Promise<string> {
    const first = await this.peek();
    if (first === -1) this.fail('end of input (expected a value)');
    const parts: Buffer[] = [];
    let depth = 0;
    let inString = false;
    let escaped = false;
    const scalar = first !== 0x7b && first !== 0x5b && first !== QUOTE;
    let start = this.pos;
    for (;;) {
      const buf = this.buf;
      let i = this.pos;
      let end = -1;
      for (; i < buf.length; i++) {
        const b = buf[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (b === BACKSLASH) escaped = true;
          else if (b === QUOTE) {
            inString = false;
            if (depth === 0) {
              end = i + 1;
              break;
            }
          }
        } else if (scalar) {
          if (DELIM[b] === 1) {
            end = i;
            break;
          }
        } else if (b === QUOTE) inString = true;
        else if (b === 0x7b || b === 0x5b) depth++;
        else if (b === 0x7d || b === 0x5d) {
          depth--;
          if (depth === 0) {
            end = i + 1;
            break;
          }
        }
      }
      if (end >= 0) {
        parts.push(buf.subarray(start, end));
        this.pos = end;
        break;
      }
      parts.push(buf.subarray(start));
      this.pos = buf.length;
      if (!(await this.fill())) {
        if (scalar) break; // a number or literal may end the input
        this.fail('end of input (inside a value)');
      }
      start = this.pos;
    }
    return parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8');
  }
}

/**
 * Yields each element of the top-level array, or of the array under one of `keys` in a top-level
 * object (other members are checked and skipped); a top-level scalar or an object without those
 * keys yields nothing.
 */
export async function* jsonArrayItems(
  input: AsyncIterable<unknown>,
  keys: readonly string[],
): AsyncGenerator<unknown> {
  const r = new ByteReader(input);
  // A UTF-8 byte order mark, as some Windows tools write.
  if ((await r.fill()) && r.bytes[0] === 0xef && r.bytes[1] === 0xbb && r.bytes[2] === 0xbf) r.pos = 3;
  const first = await r.peek();
  if (first === 0x5b) yield* items(r);
  else if (first === 0x7b) {
    r.pos++;
    let b = await r.peek();
    if (b === 0x7d) r.pos++;
    else
      for (;;) {
        if (b !== QUOTE)
          r.fail(b === -1 ? 'end of input (expected a key)' : `'${String.fromCharCode(b)}' (expected a key)`);
        const key = JSON.parse(await r.value()) as string;
        await r.expect(0x3a, "':'");
        if (keys.includes(key) && (await r.peek()) === 0x5b) yield* items(r);
        else JSON.parse(await r.value());
        b = await r.peek();
        if (b === 0x7d) {
          r.pos++;
          break;
        }
        await r.expect(0x2c, "',' or '}'");
        b = await r.peek();
      }
  } else JSON.parse(await r.value());
  const rest = await r.peek();
  if (rest !== -1) r.fail(`'${String.fromCharCode(rest)}' after the end of the document`);
}

async function* items(r: ByteReader): AsyncGenerator<unknown> {
  r.pos++; // [
  if ((await r.peek()) === 0x5d) {
    r.pos++;
    return;
  }
  for (;;) {
    yield JSON.parse(await r.value());
    const b = await r.peek();
    if (b === 0x5d) {
      r.pos++;
      return;
    }
    await r.expect(0x2c, "',' or ']'");
  }
}
