/** The server's JSON API: cookie session plus the X-CSRF-Token header on every write. */
import type { Payload, Session, SyncResponse } from './types';

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

  async signInOptions(): Promise<SignInOptions> {
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

  async changes(since: string): Promise<{ records: Payload[]; cursor: string; has_more: boolean }> {
    const path = `/api/sync/changes?since=${encodeURIComponent(since)}`;
    const tag = this.etags.get(path);
    let etag: string | null = null;
    const r = await this.request<{ records: Payload[]; cursor: string; has_more: boolean } | null>(
      'GET', path, undefined, tag ? { 'If-None-Match': tag } : {}, (resp) => { etag = resp.headers.get('ETag'); });
    if (r == null) return { records: [], cursor: since, has_more: false }; // 304: nothing new
    this.etags.clear(); // one cursor at a time: older tags are never asked for again
    if (etag) this.etags.set(path, etag);
    return r;
  }

  get<T>(path: string): Promise<T> { return this.request<T>('GET', path); }
  post<T>(path: string, body: unknown): Promise<T> { return this.request<T>('POST', path, body); }
}
