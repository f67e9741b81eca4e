import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ProjectionRunner, ReadModelView } from '@rdm/projections/runner';
import { isFresh } from '../http/conditional-get';
import { answerWith, HttpReply, HttpRequest } from '../http/exchange';

/**
 * Answers kept, by request URL, at most this many UTF-16 code units of JSON in all (4–8 MB of strings).
 * 16 M held more of the CMDB's as-of answers, which a bench at random instants never asks twice, and grew
 * the heap (peak RSS +50–90 MB in bench:http); 4 M still keeps ~100 dashboard pages or ~3,000 CI answers.
 */
const ANSWER_CACHE_UNITS = 4 * 1024 * 1024;
/** An answer larger than this share of the cache is not kept (it would push out many small ones). */
const LARGEST_SHARE = 8;
/** URLs remembered as asked once (with their ETag), so that a second ask is recognised; oldest go first. */
const ASKED_ONCE_URLS = 4096;

/**
 * Serialised answers by request URL, each with the ETag it was computed at; least recently used go first.
 * An answer is kept only when its URL is asked a second time at the same ETag (a doorkeeper): a URL asked
 * once, like the CMDB at a random instant, then neither pushes out answers that are asked again nor stays
 * in the heap long enough to be promoted to V8's old space and collected by a full GC.
 */
export class AnswerCache {
  private readonly answers = new Map<string, { etag: string; json: string }>();
  private readonly askedOnce = new Map<string, string>();
  private units = 0;

  constructor(
    private readonly capacity = ANSWER_CACHE_UNITS,
    private readonly askedOnceUrls = ASKED_ONCE_URLS,
  ) {}

  /** The answer for `url` if it was computed at `etag`. */
  get(url: string, etag: string): string | undefined {
    const answer = this.answers.get(url);
    if (answer?.etag !== etag) return undefined;
    this.answers.delete(url); // most recently used last
    this.answers.set(url, answer);
    return answer.json;
  }

  /** The answer computed for `url` at `etag`: kept if `url` was offered at `etag` before. */
  offer(url: string, etag: string, json: string): void {
    this.remove(url);
    if (this.askedOnce.get(url) !== etag) {
      this.askedOnce.delete(url);
      this.askedOnce.set(url, etag);
      if (this.askedOnce.size > this.askedOnceUrls)
        this.askedOnce.delete(this.askedOnce.keys().next().value as string);
      return;
    }
    this.askedOnce.delete(url);
    if (json.length > this.capacity / LARGEST_SHARE) return;
    for (const oldest of this.answers.keys()) {
      if (this.units + json.length <= this.capacity) break;
      this.remove(oldest);
    }
    this.answers.set(url, { etag, json });
    this.units += json.length;
  }

  private remove(url: string): void {
    const answer = this.answers.get(url);
    if (!answer) return;
    this.answers.delete(url);
    this.units -= answer.json.length;
  }
}

/**
 * Changes at every start, so an ETag never outlives the code that shaped the answer (a new release of the
 * API may answer the same versions differently).
 */
const BOOT = randomBytes(4).toString('hex');

/**
 * Answers a GET from a read model alone, the same for every caller allowed to ask (the guards ran first),
 * whatever the clock says and whatever the Accept header: its ETag is the model's version
 * (`ProjectionRunner.versionedView`), so an `If-None-Match` naming it is answered 304 without running the
 * query, and its serialised answer, once asked for twice, is kept (AnswerCache) until the model moves.
 * A dashboard polled by many analysts costs two queries per projection commit, not one per poll.
 *
 * A service the handler calls, not a Nest interceptor: an interceptor on a route made each of its requests
 * ≈ 190 µs of CPU dearer (Nest wraps the handler in rxjs and AsyncResource.bind). CMDB as-of reads under 64
 * connections, API processes measured in alternating rounds: 455 µs per read with this logic in an
 * interceptor, 404 µs with a pass-through interceptor, 217–257 µs with none.
 */
@Injectable()
export class ReadModelAnswers {
  /** One for the API: every read-model controller's answers share it. */
  private readonly answers = new AnswerCache();

  constructor(private readonly runner: ProjectionRunner) {}

  /**
   * The body to send for `request`: the answer `query` computes from `projection`'s view (or the one kept
   * for this URL and ETag) as JSON, with ETag and Content-Type set on `reply`; undefined for a 304.
   */
  async answer(
    request: HttpRequest,
    reply: HttpReply,
    projection: string,
    query: (view: ReadModelView) => Promise<unknown>,
  ): Promise<string | undefined> {
    const { version, view } = await this.runner.versionedView(projection);
    const etag = `W/"${BOOT}-${version}"`;
    // Only an ETag named (not `*`) skips the query: `*` must not answer 304 for a row that does not exist.
    if (request.headers['if-none-match'] !== '*' && isFresh(request.method, 200, request.headers, etag)) {
      answerWith(reply, { status: 304, headers: { ETag: etag } });
      return undefined;
    }
    const url = request.originalUrl ?? request.url;
    const json = { ETag: etag, 'Content-Type': 'application/json; charset=utf-8' };
    const kept = this.answers.get(url, etag);
    if (kept === undefined) {
      const serialised = JSON.stringify(await query(view));
      this.answers.offer(url, etag, serialised);
      answerWith(reply, { headers: json });
      return serialised;
    }
    answerWith(reply, { headers: json });
    return kept;
  }
}
