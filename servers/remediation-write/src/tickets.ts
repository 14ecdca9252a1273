import type { Store } from '@portcullis/core/store';
import type { TicketRequest, TicketSink } from './backend.js';

/**
 * The embedded ticket queue: tickets in the kit's store, keyed SEC-<n> per tenant. The default
 * sink, so the ticket fallback works with no ticketing system; the Jira connector plugs in beside it.
 */
export class EmbeddedTicketSink implements TicketSink {
  readonly kind = 'embedded' as const;

  constructor(
    private readonly store: Store,
    private readonly createdBy: () => string = () => 'portcullis-remediation-write',
    private readonly now: () => number = () => Date.now(),
  ) {}

  async create(request: TicketRequest): Promise<{ key: string }> {
    return this.store.transaction(async (tx) => {
      // Serialise key allocation per tenant: an advisory lock works on PGlite and PostgreSQL alike.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`remediation-tickets:${request.tenant}`]);
      const res = await tx.query<{ next: number }>(
        'SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM remediation_tickets WHERE tenant = $1',
        [request.tenant],
      );
      const seq = Number(res.rows[0]?.next ?? 1);
      const key = `SEC-${seq}`;
      await tx.query(
        `INSERT INTO remediation_tickets (key, tenant, seq, summary, description, severity, account, resource, finding_id, plan_id, labels, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)`,
        [
          `${request.tenant}:${key}`,
          request.tenant,
          seq,
          request.summary,
          request.description,
          request.severity ?? null,
          request.account ?? null,
          request.resource ?? null,
          request.finding_id ?? null,
          request.plan_id ?? null,
          JSON.stringify(request.labels),
          this.createdBy(),
          new Date(this.now()).toISOString(),
        ],
      );
      return { key };
    });
  }

  /** The tenant's first ticket for the finding (a dead claim's, when the engine takes it over). */
  async find(tenant: string, findingId: string): Promise<{ key: string } | null> {
    const res = await this.store.query<{ seq: number }>(
      'SELECT seq FROM remediation_tickets WHERE tenant = $1 AND finding_id = $2 ORDER BY seq LIMIT 1',
      [tenant, findingId],
    );
    const row = res.rows[0];
    return row === undefined ? null : { key: `SEC-${row.seq}` };
  }

  /** The tenant's tickets, newest first. */
  async list(
    tenant: string,
    limit = 50,
  ): Promise<
    Array<{
      key: string;
      summary: string;
      description: string;
      finding_id: string | null;
      plan_id: string | null;
      labels: string[];
    }>
  > {
    const res = await this.store.query<{
      seq: number;
      summary: string;
      description: string;
      finding_id: string | null;
      plan_id: string | null;
      labels: unknown;
    }>(
      'SELECT seq, summary, description, finding_id, plan_id, labels FROM remediation_tickets WHERE tenant = $1 ORDER BY seq DESC LIMIT $2',
      [tenant, limit],
    );
    return res.rows.map((r) => ({
      key: `SEC-${r.seq}`,
      summary: r.summary,
      description: r.description,
      finding_id: r.finding_id,
      plan_id: r.plan_id,
      labels: (typeof r.labels === 'string' ? JSON.parse(r.labels) : r.labels) as string[],
    }));
  }
}
