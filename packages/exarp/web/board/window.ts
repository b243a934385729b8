// Windowing for a column of fixed-height rows: which rows a scroll position makes visible. Pure.

export type RowWindow = { start: number; end: number };

/** Rows [start, end) that intersect the viewport, widened by `overscan` rows each side. */
export function visibleRows(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan = 4,
): RowWindow {
  if (count === 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(0, viewport)) / rowHeight);
  return { start: Math.min(count, Math.max(0, first - overscan)), end: Math.min(count, last + overscan) };
}
