/** A stand-in for the Flask sync API with the same exactly-once rules, for unit tests. */
import type { Payload } from '../src/sync/types';

export interface StoredRecord { rec: Payload; version: number; status: string; officerId: number; review_comment: string | null }

export class FakeServer {
  records = new Map<string, StoredRecord>();
  shifts = new Map<string, Payload>();
  creates = 0;
  requests: { path: string; body: any; csrf: string | null }[] = [];
  officerId = 7;
  csrf = 'token-1';
  /** Queue of failures for the next /api/sync calls: 'network' | 'lost' | number (status) | 'csrf'. */
  failures: (string | number)[] = [];
  audit: { id: number; recordId: string }[] = [];
  /** Reject records whose area matches. */
  badArea = 'XX1';

  fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const path = url.replace(/^https?:\/\/[^/]+/, '');
    const headers = (init.headers ?? {}) as Record<string, string>;
    const body = init.body ? JSON.parse(String(init.body)) : null;
    this.requests.push({ path, body, csrf: headers['X-CSRF-Token'] ?? null });
    const json = (status: number, data: unknown) => new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });
    if (path === '/api/auth/me') {
      if (this.failures[0] === 401) { return json(401, { error: { status: 401, code: 'not_authenticated', message: 'Log in first.' } }); }
      return json(200, { officer: { id: this.officerId, shoulder_number: 'PC1', display_name: 'PC One', role: 'officer', team: 'T' }, csrf_token: this.csrf, operations: [] });
    }
    if (path === '/api/sync' && init.method === 'POST') {
      const failure = this.failures.shift();
      if (failure === 'network') throw new TypeError('Failed to fetch');
      if (failure === 401) return json(401, { error: { status: 401, code: 'not_authenticated', message: 'Log in first.' } });
      if (typeof failure === 'number') return json(failure, { error: { status: failure, code: 'x', message: 'Server trouble' } });
      if (failure === 'csrf' || headers['X-CSRF-Token'] !== this.csrf) {
        return json(403, { error: { status: 403, code: 'csrf_failed', message: 'CSRF' } });
      }
      if (body.shifts.length + body.records.length > 500) return json(413, { error: { status: 413, code: 'batch_too_large', message: 'big' } });
      const result = this.apply(body);
      if (failure === 'lost') throw new TypeError('Connection reset'); // stored, but the phone never hears
      return json(200, result);
    }
    if (path.startsWith('/api/sync/changes')) {
      const since = Number(new URL('http://x' + path).searchParams.get('since'));
      const rows = this.audit.filter((a) => a.id > since);
      const ids = [...new Set(rows.map((r) => r.recordId))];
      return json(200, { records: ids.map((id) => this.dump(id)), cursor: String(rows.length ? rows[rows.length - 1].id : since), has_more: false });
    }
    return json(404, { error: { status: 404, code: 'not_found', message: 'No' } });
  };

  dump(id: string): Payload {
    const s = this.records.get(id)!;
    return { ...s.rec, officer: { id: s.officerId }, version: s.version, status: s.status, review_comment: s.review_comment };
  }

  private addAudit(recordId: string) { this.audit.push({ id: this.audit.length + 1, recordId }); }

  apply(body: { shifts: Payload[]; records: Payload[] }) {
    const shifts = body.shifts.map((s) => {
      const id = String(s.id);
      const status = this.shifts.has(id) ? 'unchanged' : 'created';
      this.shifts.set(id, s);
      return { id, status };
    });
    const records = body.records.map((raw) => {
      const { base_version, ...rec } = raw as Payload & { base_version?: number };
      const id = String(rec.id);
      if (rec.area === this.badArea) return { id, status: 'rejected', errors: { area: ['Not a postcode district.'] } };
      const stored = this.records.get(id);
      if (!stored) {
        this.records.set(id, { rec, version: 1, status: 'submitted', officerId: this.officerId, review_comment: null });
        this.creates++;
        this.addAudit(id);
        return { id, status: 'created', version: 1 };
      }
      if (JSON.stringify(stored.rec) === JSON.stringify(rec)) return { id, status: 'unchanged', version: stored.version };
      if (base_version !== stored.version) return { id, status: 'conflict', version: stored.version, record: this.dump(id) };
      stored.rec = rec;
      stored.version++;
      if (stored.status === 'returned') stored.status = 'submitted';
      this.addAudit(id);
      return { id, status: 'updated', version: stored.version };
    });
    return { shifts, records };
  }

  /** The sergeant returns an entry. */
  returnRecord(id: string, comment: string) {
    const s = this.records.get(id)!;
    s.status = 'returned';
    s.review_comment = comment;
    s.version++;
    this.addAudit(id);
  }

  /** Someone else (the officer on another device) changes the stored copy. */
  amendOnServer(id: string, changes: Payload) {
    const s = this.records.get(id)!;
    s.rec = { ...s.rec, ...changes };
    s.version++;
    this.addAudit(id);
  }

  syncRequests() { return this.requests.filter((r) => r.path === '/api/sync'); }
  sentIds() { return this.syncRequests().flatMap((r) => (r.body.records as Payload[]).map((x) => String(x.id))); }
}
