/** Shapes shared by the outbox, the sync engine and the UI. */
export type Kind = 'stop_search' | 'arrest' | 'safeguarding_referral' | 'intelligence_log';
export const KINDS: Kind[] = ['stop_search', 'arrest', 'safeguarding_referral', 'intelligence_log'];

/**
 * waiting: in the outbox, not yet acknowledged by the server.
 * sent: the server has it (submitted). verified / returned / voided: what the sergeant did.
 * rejected: the server refused it (errors say why); conflict: the server copy changed under us.
 */
export type EntryState = 'waiting' | 'sent' | 'verified' | 'returned' | 'voided' | 'rejected' | 'conflict';

export type Payload = Record<string, unknown>;
export type FieldErrors = Record<string, string[]>;

export interface Entry {
  id: string;
  officerId: number;
  kind: Kind;
  /** The record as the server takes it (no base_version; that is added when sending). */
  payload: Payload;
  state: EntryState;
  /** 1 while in the outbox (an index cannot hold booleans). */
  pending: 0 | 1;
  /** Local revision, bumped by every save: an ack only clears the revision it was for. */
  rev: number;
  /** The server's version as last acknowledged or seen. */
  version: number | null;
  /** Sent as base_version: the server version this edit was made on (null for a new entry). */
  baseVersion: number | null;
  errors: FieldErrors | null;
  serverRecord: Payload | null;
  reviewComment: string | null;
  createdAt: string;
  savedAt: string;
  sentAt: string | null;
}

export interface ShiftItem {
  id: string;
  officerId: number;
  operation_id: number;
  started_at: string;
  ended_at: string | null;
  state: 'waiting' | 'sent' | 'rejected';
  pending: 0 | 1;
  rev: number;
  errors: FieldErrors | null;
}

export interface Officer {
  id: number;
  shoulder_number: string;
  display_name: string;
  role: 'officer' | 'sergeant' | 'inspector' | 'analyst' | 'admin';
  team: string | null;
  active?: boolean;
  /** Signed in with a one-time password: only changing it is allowed until then. */
  must_change_password?: boolean;
}

export interface Operation {
  id: number;
  name: string;
  slug: string;
  target_areas: string[];
  starts_on: string;
  ends_on: string | null;
  local_policing_area?: string;
  is_current?: boolean;
}

export interface Session {
  officer: Officer;
  operations: Operation[];
}

export type ItemStatus = 'created' | 'unchanged' | 'updated' | 'conflict' | 'rejected';

export interface ItemResult {
  id: string | null;
  status: ItemStatus;
  version?: number;
  errors?: FieldErrors;
  record?: Payload;
}

export interface SyncResponse {
  shifts: ItemResult[];
  records: ItemResult[];
}

/** Fields the server owns: never part of what the phone sends. */
export const SERVER_FIELDS = ['officer', 'status', 'version', 'received_at', 'updated_at', 'review_comment',
  'void_reason'] as const;

export function contentOf(record: Payload): Payload {
  const out: Payload = { ...record };
  for (const f of SERVER_FIELDS) delete out[f];
  return out;
}

export function stateForStatus(status: unknown): EntryState {
  switch (status) {
    case 'verified': return 'verified';
    case 'returned': return 'returned';
    case 'voided': return 'voided';
    default: return 'sent';
  }
}
