/**
 * The server's JSON API, every call and its answer's shape in one place: the sync engine,
 * the service worker and every screen go through it. Cookie session plus the X-CSRF-Token
 * header on every write.
 */
import type { Kind, Operation, Payload, Session, SyncResponse } from './sync/types';

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string,
              public fields: Record<string, string[]> = {}, public body: unknown = null) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer at all (offline, DNS, connection reset): worth retrying later. */
export class NetworkError extends Error {
  constructor(message = 'No connection to the server.') {
    super(message);
    this.name = 'NetworkError';
  }
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

export interface LoginResponse extends Session { csrf_token: string; }
/** How one signs in here (GET /api/auth/options). */
export interface SignInOptions {
  local_passwords: boolean;
  identity_provider: { name: string; start_url: string } | null;
}

export type Option = { value: string; label: string };
export type Lists = Record<string, Option[]>;
export interface ReferenceResponse { lists: Lists }

export interface ChangesResponse { records: Payload[]; cursor: string; has_more: boolean }

export type Counts = Partial<Record<Kind | 'all', number>>;
export interface OfficerRef { id: number; display_name: string; shoulder_number: string; team?: string | null }

/** One shift of the sergeant's day list. */
export interface ShiftRow {
  id: string; officer: OfficerRef; started_at: string; ended_at: string | null;
  counts: Counts; total: number; unverified: number;
}
/** One shift's counts per officer and what is left to review. */
export interface ShiftTally {
  shift: ShiftRow; window: { from: string; to: string };
  officers: { officer: OfficerRef; counts: Counts; total: number; unverified: number }[];
  totals: Counts; unverified: number; review_queue: Payload[];
}

export type ReviewAction = 'verify' | 'return';

export interface Change { previous: number; current: number; change_percent: number | null; label: string }
export type Period = { from: string; to: string };
export type Population = 'operation' | 'districts';
/** Both periods counted the same way: `current_totals` (not the headline's `totals`) is what `change` compares with `totals`. */
export interface Comparison {
  rule: string; population: Population; period: Period; days: number; current_period: Period; current_days: number;
  daily_rate: boolean; totals: Counts; current_totals: Counts; change: Record<string, Change>; description: string;
}
export interface Tally {
  operation: Operation; period: Period; totals: Counts;
  groups: ({ count: number } & Record<string, string | number>)[];
  comparison: Comparison | null;
  headline: string;
}

export class Api {
  csrf: string | null = null;
  /** The changes feed's last ETag per query: an unchanged feed answers 304 with no body. */
  private etags = new Map<string, string>();

  constructor(private fetchFn: FetchFn = (i, init) => fetch(i, init), private base = '') {}

  async request<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {},
                   onResponse?: (r: Response) => void): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json', ...extra };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    let resp: Response;
    try {
      resp = await this.fetchFn(this.base + path, {
        method, headers, credentials: 'same-origin', cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new NetworkError(err instanceof Error ? err.message : String(err));
    }
    onResponse?.(resp);
    if (resp.status === 304) return null as T;
    let data: unknown = null;
    const text = await resp.text().catch(() => '');
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (!resp.ok) {
      const e = (data as { error?: { code?: string; message?: string; fields?: Record<string, string[]> } })?.error;
      throw new ApiError(resp.status, e?.code ?? `http_${resp.status}`, e?.message ?? `The server answered ${resp.status}.`,
        e?.fields ?? {}, data);
    }
    return data as T;
  }

  async login(shoulderNumber: string, password: string): Promise<LoginResponse> {
    const r = await this.request<LoginResponse>('POST', '/api/auth/login', { shoulder_number: shoulderNumber, password });
    this.csrf = r.csrf_token;
    return r;
  }

  signInOptions(): Promise<SignInOptions> {
    return this.request<SignInOptions>('GET', '/api/auth/options');
  }

  async me(): Promise<LoginResponse> {
    const r = await this.request<LoginResponse>('GET', '/api/auth/me');
    this.csrf = r.csrf_token;
    return r;
  }

  async logout(): Promise<void> {
    await this.request('POST', '/api/auth/logout', {});
    this.csrf = null;
  }

  sync(deviceId: string, shifts: Payload[], records: Payload[]): Promise<SyncResponse> {
    return this.request<SyncResponse>('POST', '/api/sync', { device_id: deviceId, shifts, records });
  }

  async changes(since: string): Promise<ChangesResponse> {
    const path = `/api/sync/changes?since=${encodeURIComponent(since)}`;
    const tag = this.etags.get(path);
    let etag: string | null = null;
    const r = await this.request<ChangesResponse | null>(
      'GET', path, undefined, tag ? { 'If-None-Match': tag } : {}, (resp) => { etag = resp.headers.get('ETag'); });
    if (r == null) return { records: [], cursor: since, has_more: false }; // 304: nothing new
    this.etags.clear(); // one cursor at a time: older tags are never asked for again
    if (etag) this.etags.set(path, etag);
    return r;
  }

  /** The value lists the forms offer. */
  reference(): Promise<ReferenceResponse> {
    return this.request<ReferenceResponse>('GET', '/api/reference');
  }

  /** Withdraw an entry the server has: it stays on record as voided, with the reason. */
  voidRecord(id: string, reason: string): Promise<{ record: Payload }> {
    return this.request<{ record: Payload }>('POST', `/api/records/${encodeURIComponent(id)}/void`, { reason });
  }

  /** Verify or return one record; base_version makes the server refuse a copy that has moved on. */
  review(id: string, action: ReviewAction, baseVersion: unknown, comment?: string): Promise<{ record: Payload }> {
    const body: Record<string, unknown> = { base_version: baseVersion };
    if (comment != null) body.comment = comment;
    return this.request<{ record: Payload }>('POST', `/api/records/${encodeURIComponent(id)}/${action}`, body);
  }

  /** The shifts of one day the caller may review. */
  shifts(date: string): Promise<{ items: ShiftRow[] }> {
    return this.request<{ items: ShiftRow[] }>('GET', `/api/shifts?date=${encodeURIComponent(date)}`);
  }

  shiftTally(shiftId: string): Promise<ShiftTally> {
    return this.request<ShiftTally>('GET', `/api/shifts/${encodeURIComponent(shiftId)}/tally`);
  }

  operations(): Promise<Operation[]> {
    return this.request<Operation[]>('GET', '/api/operations');
  }

  /** An operation's counts for a period (query: from, to, compare, population, group_by). */
  tally(operationId: number, query: URLSearchParams): Promise<Tally> {
    return this.request<Tally>('GET', `/api/operations/${operationId}/tally?${query}`);
  }
}

/** One officer as the administrator (and a sergeant, for their team) sees them. */
export interface Membership { team: string; starts_on: string; ends_on: string | null }
export interface RosterOfficer {
  id: number; shoulder_number: string; display_name: string; role: string; team: string | null;
  active: boolean; must_change_password: boolean; created_at: string; teams: Membership[];
}
export interface Team { id: number; name: string; officers: number }
/** A new officer or a reset: the one-time password is in this answer only. */
export interface NewPassword { officer: RosterOfficer; one_time_password: string }
export interface Person { id: number; shoulder_number: string; display_name: string }
export interface AuditEntry {
  id: number; at: string; actor: Person; action: string; officer: Person | null; operation_id: number | null;
  team: string | null; before: Record<string, unknown> | null; after: Record<string, unknown> | null;
}
export interface AuditPage { items: AuditEntry[]; page: number; per_page: number; total: number }
export interface NewOfficer { shoulder_number: string; display_name: string; role: string; team: string | null }
export interface OperationBody {
  name: string; local_policing_area: string; starts_on: string; ends_on: string | null; target_areas: string[];
}

/** Running the force's Beatbook: officers, teams, operations, the audit trail, and one's own password. */
export class AdminApi {
  constructor(private api: Api) {}

  officers(): Promise<RosterOfficer[]> { return this.api.request('GET', '/api/admin/officers'); }
  officer(id: number): Promise<RosterOfficer> { return this.api.request('GET', `/api/admin/officers/${id}`); }
  createOfficer(body: NewOfficer): Promise<NewPassword> { return this.api.request('POST', '/api/admin/officers', body); }
  updateOfficer(id: number, body: Partial<NewOfficer>): Promise<RosterOfficer> {
    return this.api.request('PATCH', `/api/admin/officers/${id}`, body);
  }
  moveOfficer(id: number, body: { team: string; starts_on: string }): Promise<RosterOfficer> {
    return this.api.request('POST', `/api/admin/officers/${id}/move`, body);
  }
  setActive(id: number, active: boolean): Promise<RosterOfficer> {
    return this.api.request('POST', `/api/admin/officers/${id}/${active ? 'reactivate' : 'deactivate'}`, {});
  }
  resetPassword(id: number): Promise<NewPassword> {
    return this.api.request('POST', `/api/admin/officers/${id}/reset-password`, {});
  }
  teams(): Promise<Team[]> { return this.api.request('GET', '/api/admin/teams'); }
  createTeam(name: string): Promise<Team> { return this.api.request('POST', '/api/admin/teams', { name }); }
  operation(id: number): Promise<Operation> { return this.api.request('GET', `/api/operations/${id}`); }
  openOperation(body: OperationBody): Promise<Operation> { return this.api.request('POST', '/api/admin/operations', body); }
  updateOperation(id: number, body: OperationBody): Promise<Operation> {
    return this.api.request('PATCH', `/api/admin/operations/${id}`, body);
  }
  closeOperation(id: number): Promise<Operation> { return this.api.request('POST', `/api/admin/operations/${id}/close`, {}); }
  /** query: officer, operation, from, to, page, per_page. */
  audit(query: URLSearchParams): Promise<AuditPage> { return this.api.request('GET', `/api/admin/audit?${query}`); }
  /** One's own password; every other session of theirs ends. */
  changePassword(currentPassword: string, newPassword: string): Promise<{ other_sessions_ended: number }> {
    return this.api.request('POST', '/api/auth/password', { current_password: currentPassword, new_password: newPassword });
  }
}

/** Where the tally screen's downloads come from (plain links: the browser fetches them). */
export const exportLinks = {
  tallyCsv: (operationId: number, q: URLSearchParams) => `/api/operations/${operationId}/tally.csv?${q}`,
  recordsCsv: (q: URLSearchParams) => `/api/exports/records.csv?${q}`,
  stopSearchesCsv: (q: URLSearchParams) => `/api/exports/stop-searches.csv?${q}`,
  briefing: (operationId: number, q: URLSearchParams) => `/api/operations/${operationId}/briefing?${q}`,
};
