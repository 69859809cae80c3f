import { useCallback, useEffect, useRef, useState } from 'react';
import type { ListTenantsInput, TenantRow } from '../../../shared/tenancy';
import { call, errorMessage } from '../api';

const PAGE = 100;

/**
 * Pages of the Customers list fetched on demand: the first page arrives with the total, the rest as
 * the virtual list scrolls to them. A new query (or a data change) starts over.
 */
export function useTenantPages(query: Omit<ListTenantsInput, 'offset' | 'limit'>, version: number) {
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, force] = useState(0);
  const pages = useRef(new Map<number, TenantRow[]>());
  const loading = useRef(new Set<number>());
  const generation = useRef(0);
  const key = JSON.stringify(query);

  const load = useCallback(
    (page: number) => {
      if (pages.current.has(page) || loading.current.has(page)) return;
      loading.current.add(page);
      const gen = generation.current;
      call('tenants.list', {
        ...(JSON.parse(key) as ListTenantsInput),
        offset: page * PAGE,
        limit: PAGE,
      })
        .then((res) => {
          if (gen !== generation.current) return;
          pages.current.set(page, res.rows);
          setTotal(res.total);
          setError(null);
          force((n) => n + 1);
        })
        .catch((err: unknown) => gen === generation.current && setError(errorMessage(err)))
        .finally(() => loading.current.delete(page));
    },
    [key],
  );

  useEffect(() => {
    generation.current++;
    pages.current = new Map();
    loading.current = new Set();
    load(0);
  }, [key, version, load]);

  const row = useCallback(
    (index: number): TenantRow | undefined => {
      const page = Math.floor(index / PAGE);
      const rows = pages.current.get(page);
      if (!rows) {
        load(page);
        return undefined;
      }
      return rows[index - page * PAGE];
    },
    [load],
  );

  return { total, error, row };
}
