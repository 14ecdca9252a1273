/**
 * Paging shared by every server: the request and page shapes backends speak, and the one cap on
 * page size. Cursors themselves are opaque and signed (`@portcullis/core/cursor`).
 */

import { z } from 'zod';

/** Largest page any list or search returns, whatever the caller asks for. */
export const MAX_PAGE_SIZE = 100;
/** The page size when the caller names none (a server may choose a smaller default). */
export const DEFAULT_PAGE_SIZE = 25;
/**
 * A search counts its matches up to this many; past it `total` is this and `total_is_lower_bound`
 * is set. The count then reads at most this many matches, so a broad search costs about the same
 * on a tenant of 100,000 records as on one of 1,000 (test/bench: crm-scale, posture); counting to
 * 10,000 made posture-read's search at 100,000 findings 2.9x its time at 1,000.
 */
export const COUNT_CAP = 1_000;

export interface PageRequest {
  /** Opaque `next_cursor` of the previous page of the same query; null for the first page. */
  cursor: string | null;
  /** Clamped to 1..MAX_PAGE_SIZE by `clampLimit`. */
  limit: number;
  /**
   * Who asks: a cursor is bound to the principal it was issued to, so one caller's cursor is
   * refused for another. Tools always pass the caller; omitted only by internal, cursor-less reads.
   */
  principal?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back unchanged for the next page. Null on the last page. */
  next_cursor: string | null;
}

/** A page of a search that can count its matches. */
export interface CountedPage<T> extends Page<T> {
  /** Records matching the query in total (all pages); with `total_is_lower_bound`, at least this many. */
  total: number;
  /** Counting stopped at COUNT_CAP: more records match than `total`. */
  total_is_lower_bound?: true;
}

/** The limit a backend actually uses: 1..MAX_PAGE_SIZE, whatever was asked. */
export function clampLimit(page: Pick<PageRequest, 'limit'>): number {
  if (!Number.isFinite(page.limit)) return MAX_PAGE_SIZE;
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(page.limit)));
}

/** A tool's page request from its `cursor` and `limit` arguments, bound to the calling principal. */
export function pageRequest(
  args: { cursor?: string | undefined; limit: number },
  principal: { id: string },
): PageRequest {
  return { cursor: args.cursor ?? null, limit: args.limit, principal: principal.id };
}

/** The `cursor` argument of every paged tool: the previous page's `next_cursor`, unchanged. */
export const cursorField = z
  .string()
  .min(1)
  .max(2048)
  .optional()
  .describe(
    'Opaque next_cursor from the previous page of the same search. Omit it for the first page; never edit it.',
  );

/** The `limit` argument of every paged tool: 1..MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when omitted. */
export const limitField = z
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .describe(`Records per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).`);
