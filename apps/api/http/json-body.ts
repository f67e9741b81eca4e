import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Transform, Writable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Problem } from '@rdm/application/problem';
import { unreasonableBody } from './body-limits';
import { BodyParserError, bodyProblem } from './problem-details.filter';

/** What Express' JSON parser reads (`type: ['application/json', 'application/*+json']`); other bodies are ignored. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';', 1)[0].trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[^/\s]+\+json$/.test(mediaType);
}

/**
 * Reads a JSON request body on Fastify the way body-parser reads it on Express (`json`, `strict: false`),
 * raising body-parser's errors as the same problems, so both adapters accept and refuse the same bodies:
 * any JSON value, an empty body is `{}`, UTF-8/16 only (415), gzip/deflate/br inflated and any other
 * encoding refused (415), the limit counted on the inflated bytes (413), a length that does not match
 * Content-Length (400), malformed JSON (400), and bodies nested too deep or too wide (400,
 * `unreasonableBody`, which Express runs right after its parser).
 */
export async function readJsonBody(
  stream: Readable,
  headers: IncomingHttpHeaders,
  limit: number,
): Promise<unknown> {
  const charset = charsetOf(headers['content-type']) ?? 'utf-8';
  const decoder = decoderFor(charset);
  const encoding = String(headers['content-encoding'] ?? 'identity').toLowerCase();
  const length = encoding === 'identity' ? Number(headers['content-length'] ?? NaN) : NaN;
  const source = encoding === 'identity' ? stream : stream.pipe(inflater(encoding));
  const bytes = await readAtMost(source, stream, limit, length);
  const text = decoder.decode(bytes);
  let body: unknown = {};
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw fail({ type: 'entity.parse.failed', status: 400, message: (error as Error).message });
    }
  }
  const problem = unreasonableBody(body);
  if (problem) throw problem;
  return body;
}

const fail = (error: BodyParserError): Problem => bodyProblem(error);

function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]).toLowerCase() : undefined;
}

/** body-parser takes any `utf-*` charset iconv knows; TextDecoder knows utf-8 and utf-16 (le/be). */
function decoderFor(charset: string): TextDecoder {
  const unsupported = () =>
    fail({
      type: 'charset.unsupported',
      status: 415,
      message: `unsupported charset "${charset.toUpperCase()}"`,
    });
  if (!charset.startsWith('utf-')) throw unsupported();
  try {
    return new TextDecoder(charset); // strips a byte order mark, replaces invalid sequences, as iconv does
  } catch {
    throw unsupported();
  }
}

function inflater(encoding: string): Transform {
  switch (encoding) {
    case 'deflate':
      return createInflate();
    case 'gzip':
      return createGunzip();
    case 'br':
      return createBrotliDecompress();
    default:
      throw fail({
        type: 'encoding.unsupported',
        status: 415,
        message: `unsupported content encoding "${encoding}"`,
      });
  }
}

/**
 * The body's bytes, refused (413) once they exceed `limit`. As body-parser does, a refused request is
 * read to its end before the answer, so the client sees the answer rather than a reset connection.
 */
function readAtMost(source: Readable, request: Readable, limit: number, length: number): Promise<Buffer> {
  const tooLarge = () =>
    fail({
      type: 'entity.too.large',
      status: 413,
      message: 'request entity too large',
      limit,
    });
  return new Promise((resolve, reject) => {
    const refuse = (problem: Problem) => {
      source.removeAllListeners('data');
      if (source !== request) request.unpipe(source as unknown as Writable);
      request.on('error', () => undefined);
      if (request.readableEnded) reject(problem);
      else
        request
          .once('end', () => reject(problem))
          .once('close', () => reject(problem))
          .resume();
    };
    if (length > limit) return refuse(tooLarge());
    const chunks: Buffer[] = [];
    let received = 0;
    source.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) return refuse(tooLarge());
      chunks.push(chunk);
    });
    source.once('error', (error: Error) =>
      refuse(fail({ status: 400, message: `The request body could not be read (${error.message})` })),
    );
    source.once('end', () => {
      if (!Number.isNaN(length) && received !== length)
        return reject(
          fail({
            type: 'request.size.invalid',
            status: 400,
            message: 'request size did not match content length',
          }),
        );
      resolve(Buffer.concat(chunks));
    });
  });
}
