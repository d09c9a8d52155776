import type { RefusedField } from '../domain/hostile-input';

/**
 * A request refused while reading its body: too large (413), or a field Herald will not store
 * (400/422, named). Form readers throw it so that every page refuses it the same way: the
 * middleware answers it (problem+json under /api/, the error page naming the field otherwise).
 */
export class RefusedInput extends Error {
  constructor(
    readonly status: 400 | 413 | 422,
    message: string,
    readonly field?: RefusedField,
  ) {
    super(message);
    this.name = 'RefusedInput';
  }
}

/**
 * The message of the error the Node adapter's stream throws past its own limit (astro.config.mjs:
 * `bodySizeLimit`, 2 MB), for a body read by anything other than the bounded reader below.
 */
const ADAPTER_LIMIT_MESSAGE = /^Body size limit exceeded/;

/** Whether an error is the adapter refusing a body over its overall limit: that is a 413, not a failure. */
export function isBodyLimitError(error: unknown): boolean {
  return error instanceof Error && ADAPTER_LIMIT_MESSAGE.test(error.message);
}

const tooLarge = (limit: number) => new RefusedInput(413, `The body is larger than ${limit} bytes.`);

/**
 * The body's bytes, read no further than `limit`: a declared Content-Length over it is refused
 * before reading, and a chunked body is cancelled as soon as it passes it (RefusedInput 413).
 */
export async function readBoundedBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(limit);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof RefusedInput) throw error;
    if (isBodyLimitError(error)) throw tooLarge(limit);
    throw new RefusedInput(400, 'The body could not be read.');
  }
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
