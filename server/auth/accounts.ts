import { AppError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import type { Account, CreateAccount, LoginResponse } from '../../shared/sync/protocol';
import { inSubtree, type AccountRole } from '../../shared/sync/roles';
import type { SqlDb } from '../db/sql';
import { decoyHash, hashPassword, newToken, tokenHash, verifyPassword } from './passwords';
import { RecordUserDirectory, assertUserMaySignIn } from './directory';

/** Who is calling: the account, the path of its node (its subtree), and its session. */
export interface Principal {
  account: Account;
  scopePath: string;
  sessionHash: string;
}

/**
 * Customer users who are not server accounts (the people model's users, synced as records:
 * RecordUserDirectory by default). A login that matches no account asks it; the user then acts
 * with the 'customer' role on its customer, refused (with the reason, from the shared access
 * function) while the user or the customer, or an integrator above it, is disabled.
 */
export interface UserDirectory {
  findByEmail(email: string): Promise<DirectoryUser | null>;
  findById(id: string): Promise<DirectoryUser | null>;
}
export interface DirectoryUser {
  id: string;
  name: string;
  email: string;
  tenantId: string;
  passwordHash: string;
  active: boolean;
  createdAt: string;
}
const DIRECTORY_PREFIX = 'user:';

interface AccountRecord {
  id: string;
  email: string;
  password_hash: string;
  tenant_id: string;
  role: AccountRole;
  disabled: number;
  created_at: string;
}

const toAccount = (r: AccountRecord): Account => ({
  id: r.id,
  email: r.email,
  tenantId: r.tenant_id,
  role: r.role,
  disabled: r.disabled === 1,
  createdAt: r.created_at,
});

const unauthorized = () =>
  new AppError('UNAUTHORIZED', 'Your session has expired or was ended. Log in again.');

export interface AccountOptions {
  sessionTtlMs: number;
  now?: () => Date;
  directory?: UserDirectory;
}

export class AccountService {
  private readonly now: () => Date;
  private readonly directory: UserDirectory;

  constructor(
    private readonly db: SqlDb,
    private readonly options: AccountOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.directory = options.directory ?? new RecordUserDirectory(db);
  }

  /** The path of a tenant, after checking that people of it may log in (not deleted or disabled). */
  private async usableScope(tenantId: string): Promise<string> {
    const t = await this.db.get<{
      path: string;
      name: string;
      kind: string;
      disabled_by: string | null;
      by_name: string | null;
      by_kind: string | null;
    }>(
      `SELECT t.path, t.name, t.kind, t.disabled_by, d.name AS by_name, d.kind AS by_kind
       FROM tenants t LEFT JOIN tenants d ON d.id = t.disabled_by WHERE t.id = ?`,
      [tenantId],
    );
    if (!t)
      throw new AppError(
        'FORBIDDEN',
        'The customer or integrator this account belongs to was deleted. Ask your administrator for a new account.',
      );
    if (t.disabled_by) {
      const reason =
        t.disabled_by === tenantId
          ? `${t.name} is disabled`
          : `${t.name} is disabled because ${t.by_kind ?? 'integrator'} ${t.by_name ?? t.disabled_by} above it is disabled`;
      throw new AppError(
        'TENANT_DISABLED',
        `${reason}: its users cannot log in. Ask your service provider to enable it.`,
      );
    }
    return t.path;
  }

  private async byEmail(email: string): Promise<AccountRecord | undefined> {
    return this.db.get<AccountRecord>('SELECT * FROM accounts WHERE email = ?', [email]);
  }

  private async insert(input: CreateAccount, createdBy: string | null): Promise<Account> {
    if (input.role === 'customer') {
      const t = await this.db.get<{ kind: string }>('SELECT kind FROM tenants WHERE id = ?', [
        input.tenantId,
      ]);
      if (t?.kind !== 'customer')
        throw new AppError(
          'VALIDATION',
          'A customer user belongs to a customer, not an integrator.',
        );
    }
    if (await this.byEmail(input.email))
      throw new AppError('CONFLICT', `An account for ${input.email} already exists.`);
    const record: AccountRecord = {
      id: newId(),
      email: input.email,
      password_hash: await hashPassword(input.password),
      tenant_id: input.tenantId,
      role: input.role,
      disabled: 0,
      created_at: this.now().toISOString(),
    };
    await this.db.run(
      `INSERT INTO accounts (id, email, password_hash, tenant_id, role, disabled, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
      [
        record.id,
        record.email,
        record.password_hash,
        record.tenant_id,
        record.role,
        record.created_at,
        createdBy,
      ],
    );
    return toAccount(record);
  }

  /** `npm run server -- init`: the root partner's first administrator. */
  async createFirstAdmin(email: string, password: string): Promise<Account> {
    return this.insert(
      { email: email.trim().toLowerCase(), password, tenantId: 'root', role: 'administrator' },
      null,
    );
  }

  private requireAdmin(by: Principal): void {
    if (by.account.role !== 'administrator')
      throw new AppError('FORBIDDEN', 'Only administrators manage accounts.');
  }

  private async requireInScope(by: Principal, tenantId: string): Promise<void> {
    const t = await this.db.get<{ path: string }>('SELECT path FROM tenants WHERE id = ?', [
      tenantId,
    ]);
    if (!t || !inSubtree(t.path, by.scopePath))
      throw new AppError(
        'NOT_FOUND',
        `No customer or integrator with id ${tenantId} in your part of the tree.`,
      );
  }

  /** An administrator creates an account for a node of its own subtree. */
  async create(by: Principal, input: CreateAccount): Promise<Account> {
    this.requireAdmin(by);
    await this.requireInScope(by, input.tenantId);
    return this.insert(input, by.account.id);
  }

  async list(by: Principal): Promise<Account[]> {
    this.requireAdmin(by);
    const rows = await this.db.all<AccountRecord>(
      `SELECT a.* FROM accounts a JOIN tenants t ON t.id = a.tenant_id
       WHERE t.path >= ? AND t.path < ? ORDER BY a.email`,
      [by.scopePath, `${by.scopePath}\uffff`],
    );
    return rows.map(toAccount);
  }

  /** Disables an account and ends its sessions at once. */
  async disable(by: Principal, id: string): Promise<Account> {
    this.requireAdmin(by);
    const row = await this.db.get<AccountRecord>('SELECT * FROM accounts WHERE id = ?', [id]);
    if (!row) throw new AppError('NOT_FOUND', `No account with id ${id}.`);
    await this.requireInScope(by, row.tenant_id);
    if (row.id === by.account.id)
      throw new AppError('VALIDATION', 'You cannot disable your own account.');
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE accounts SET disabled = 1 WHERE id = ?', [id]);
      await tx.run('UPDATE sessions SET revoked = 1 WHERE account_id = ?', [id]);
    });
    return toAccount({ ...row, disabled: 1 });
  }

  async login(emailInput: string, password: string): Promise<LoginResponse> {
    const email = emailInput.trim().toLowerCase();
    const refused = () => new AppError('UNAUTHORIZED', 'Wrong email or password.');
    const row = await this.byEmail(email);
    let account: Account;
    if (row) {
      if (!(await verifyPassword(password, row.password_hash))) throw refused();
      if (row.disabled)
        throw new AppError('FORBIDDEN', 'This account is disabled. Ask your administrator.');
      account = toAccount(row);
    } else {
      const user = await this.directory.findByEmail(email);
      if (!user) {
        await verifyPassword(password, await decoyHash());
        throw refused();
      }
      // The desktop hashes the NFC form (electron/people/password.ts).
      if (!(await verifyPassword(password.normalize('NFC'), user.passwordHash))) throw refused();
      await assertUserMaySignIn(this.db, user);
      account = {
        id: `${DIRECTORY_PREFIX}${user.id}`,
        email: user.email,
        tenantId: user.tenantId,
        role: 'customer',
        disabled: false,
        createdAt: user.createdAt,
      };
    }
    await this.usableScope(account.tenantId);
    const token = newToken();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.options.sessionTtlMs).toISOString();
    await this.db.run(
      'INSERT INTO sessions (token_hash, account_id, created_at, expires_at, revoked) VALUES (?, ?, ?, ?, 0)',
      [tokenHash(token), account.id, now.toISOString(), expiresAt],
    );
    return { token, expiresAt, account };
  }

  /** The principal behind a bearer token; refuses unknown, expired, revoked and disabled ones. */
  async authenticate(token: string | undefined): Promise<Principal> {
    if (!token) throw unauthorized();
    const hash = tokenHash(token);
    const session = await this.db.get<{ account_id: string; expires_at: string; revoked: number }>(
      'SELECT account_id, expires_at, revoked FROM sessions WHERE token_hash = ?',
      [hash],
    );
    if (!session || session.revoked || session.expires_at <= this.now().toISOString())
      throw unauthorized();
    let account: Account;
    if (session.account_id.startsWith(DIRECTORY_PREFIX)) {
      const user = await this.directory.findById(session.account_id.slice(DIRECTORY_PREFIX.length));
      if (!user || !user.active) throw unauthorized();
      account = {
        id: session.account_id,
        email: user.email,
        tenantId: user.tenantId,
        role: 'customer',
        disabled: false,
        createdAt: user.createdAt,
      };
    } else {
      const row = await this.db.get<AccountRecord>('SELECT * FROM accounts WHERE id = ?', [
        session.account_id,
      ]);
      if (!row || row.disabled) throw unauthorized();
      account = toAccount(row);
    }
    const scopePath = await this.usableScope(account.tenantId);
    return { account, scopePath, sessionHash: hash };
  }

  async logout(p: Principal): Promise<void> {
    await this.db.run('UPDATE sessions SET revoked = 1 WHERE token_hash = ?', [p.sessionHash]);
  }
}
