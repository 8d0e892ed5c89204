/**
 * Paging through the API's keyset cursors (`nextCursor` of a list answer, passed back as
 * `cursor`): a list shows its first page and a "Load more" button while the server says there
 * is more. A refresh walks again as many pages as were shown, so loading more is not undone by
 * the next refresh.
 */
export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

/** Page sizes of the console's lists (the API caps `limit` at 200). */
export const PAGE_SIZE = { queue: 200, scans: 50, audit: 100 } as const;

/** The first `pages` pages of a list, joined; `page(cursor)` requests one page. */
export async function fetchPages<T>(fetchPage: (cursor: string | undefined) => Promise<PageOf<T>>, pages: number): Promise<PageOf<T>> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < Math.max(1, pages); i++) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    if (!page.nextCursor) return { items, nextCursor: null };
    cursor = page.nextCursor;
  }
  return { items, nextCursor: cursor ?? null };
}

export function LoadMore({ cursor, busy, shown, onMore, testid = 'load-more' }: { cursor: string | null; busy: boolean; shown: number; onMore: () => void; testid?: string }) {
  return (
    <div class="row load-more">
      <span class="muted" data-testid={`${testid}-count`}>{shown} shown{cursor ? '' : ' (all)'}</span>
      {cursor && (
        <button type="button" data-testid={testid} disabled={busy} onClick={onMore}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
