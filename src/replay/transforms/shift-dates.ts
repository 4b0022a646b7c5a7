import type { OutgoingRequest } from "../send/outgoing.ts";
import { withHeader, type Transform } from "./transform.ts";

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;

/** The same in a raw query string, where `:` and `+` may be percent-encoded; the encoding is kept. */
const ISO_TIME_IN_QUERY = /\b\d{4}-\d{2}-\d{2}T\d{2}(?::|%3A)\d{2}(?::|%3A)\d{2}(?:\.\d+)?(?:Z|(?:[+-]|%2B)\d{2}(?::|%3A)\d{2})/gi;

function shift(text: string, byMs: number, pattern: RegExp): string {
  return text.replace(pattern, (stamp) => {
    const time = Date.parse(decodeURIComponent(stamp));
    if (Number.isNaN(time)) return stamp;
    const shifted = new Date(time + byMs).toISOString();
    return /%3A/i.test(stamp) ? shifted.replaceAll(":", "%3A") : shifted;
  });
}

/**
 * `shift-dates`: ISO 8601 times in the query string and in a UTF-8 body move by the gap between the recording and
 * the replay, so "since yesterday" stays "since yesterday"; a Date header becomes the send time.
 */
export const shiftDatesTransform: Transform = (request, context) => {
  const byMs = context.replayStartedAt - context.recordingStartedAt;
  let next: OutgoingRequest = request;
  if (request.url.search) {
    const url = new URL(request.url);
    url.search = shift(url.search, byMs, ISO_TIME_IN_QUERY);
    next = { ...next, url };
  }
  if (request.body) {
    const text = request.body.toString("utf8");
    if (Buffer.byteLength(text) === request.body.length) next = { ...next, body: Buffer.from(shift(text, byMs, ISO_TIME)) };
  }
  if (request.headers.some(([name]) => name.toLowerCase() === "date")) next = withHeader(next, "Date", new Date().toUTCString());
  return next;
};
