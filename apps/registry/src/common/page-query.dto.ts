import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Page size of a list endpoint when the query gives none. */
export const DEFAULT_PAGE_SIZE = 50;

/** `page` (from 1) and `pageSize` (at most 500) of every paged list of the registry. */
export class PageQueryDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize?: number;
}

/** A row of a page: an item of the list plus the list's total (`count(*) OVER ()`). */
export type Paged<T> = T & { total: number };

/**
 * One page of a list whose rows are its items plus the list's total (`count(*) OVER ()`). Past
 * the last page no row carries it, so it is read with a one-row query from the start.
 */
export async function readPage<Row extends { total: number }>(
  fetch: (limit: number, offset: number) => Promise<Row[]>,
  page = 1,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<{ items: Array<Omit<Row, 'total'>>; page: number; pageSize: number; total: number }> {
  const rows = await fetch(pageSize, (page - 1) * pageSize);
  const total = rows[0]?.total ?? (page > 1 ? ((await fetch(1, 0))[0]?.total ?? 0) : 0);
  return { items: rows.map(({ total: _total, ...item }) => item), page, pageSize, total };
}
