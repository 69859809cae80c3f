import type { Db } from '../db/connection';
import type { AuditEntry } from '../../shared/tenancy';

export interface AuditRecord {
  actor: string;
  at: string;
  tenantId: string | null;
  tenantName: string;
  operation: string;
  summary: string;
  before?: unknown;
  after?: unknown;
}

/** The audit log: who, when, what, before and after. Written in the same transaction as the change. */
export class AuditLog {
  private readonly insert;
  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO audit (at, actor, tenant_id, tenant_name, operation, summary, before, after)
       VALUES (@at, @actor, @tenantId, @tenantName, @operation, @summary, @before, @after)`,
    );
  }

  write(record: AuditRecord): void {
    this.insert.run({
      ...record,
      before: record.before === undefined ? null : JSON.stringify(record.before),
      after: record.after === undefined ? null : JSON.stringify(record.after),
    });
  }

  list(filter: {
    tenantId?: string;
    operation?: string;
    from?: string;
    to?: string;
    limit: number;
  }): AuditEntry[] {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: filter.limit };
    if (filter.tenantId) {
      where.push('tenant_id = @tenantId');
      params.tenantId = filter.tenantId;
    }
    if (filter.operation) {
      where.push('operation = @operation');
      params.operation = filter.operation;
    }
    if (filter.from) {
      where.push('at >= @from');
      params.from = new Date(filter.from).toISOString();
    }
    if (filter.to) {
      where.push('at <= @to');
      params.to = new Date(filter.to).toISOString();
    }
    const rows = this.db
      .prepare(
        `SELECT id, at, actor, tenant_id, tenant_name, operation, summary, before, after FROM audit
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`,
      )
      .all(params) as {
      id: number;
      at: string;
      actor: string;
      tenant_id: string | null;
      tenant_name: string;
      operation: string;
      summary: string;
      before: string | null;
      after: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      tenantId: r.tenant_id,
      tenantName: r.tenant_name,
      operation: r.operation,
      summary: r.summary,
      before: r.before === null ? null : (JSON.parse(r.before) as unknown),
      after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    }));
  }
}
