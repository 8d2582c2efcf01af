import { describe, expect, it } from 'vitest';
import { Api } from '../src/api';

describe('the changes check', () => {
  it('asks with the last ETag and takes a 304 as "nothing new", keeping the cursor', async () => {
    const asked: (string | null)[] = [];
    let changed = false;
    const fetchFn = async (_url: string, init: RequestInit = {}) => {
      const tag = (init.headers as Record<string, string>)['If-None-Match'] ?? null;
      asked.push(tag);
      if (!changed && tag === 'W/"a"') return new Response(null, { status: 304, headers: { ETag: 'W/"a"' } });
      const body = changed ? { records: [{ id: 'r1', status: 'returned' }], cursor: '9', has_more: false }
        : { records: [], cursor: '5', has_more: false };
      return new Response(JSON.stringify(body), { status: 200, headers: { ETag: changed ? 'W/"b"' : 'W/"a"' } });
    };
    const api = new Api(fetchFn);
    expect(await api.changes('5')).toEqual({ records: [], cursor: '5', has_more: false });
    expect(await api.changes('5')).toEqual({ records: [], cursor: '5', has_more: false });
    changed = true;
    const r = await api.changes('5');
    expect(r.records).toHaveLength(1);
    expect(r.cursor).toBe('9');
    expect(asked).toEqual([null, 'W/"a"', 'W/"a"']);
  });
});
