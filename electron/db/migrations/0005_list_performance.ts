/**
 * v5: the Customers list at 100,000 tenants. Each sort order gets an index that ends in `id`, so a
 * page is an index walk that stops after LIMIT rows instead of a sort of the whole list; substring
 * search of names and emails goes through an FTS5 trigram index (external content, kept in step by
 * triggers) instead of a LIKE scan of every row.
 */
export const migration = {
  version: 5,
  name: 'list_performance',
  sql: `
DROP INDEX IF EXISTS tenants_name;
DROP INDEX IF EXISTS tenants_created;
-- Partial (kind != 'root'): the whole-installation list filters on exactly that, so it is an
-- index walk with no table lookups, OFFSET included.
CREATE INDEX tenants_sort_name ON tenants(name_key, id) WHERE kind != 'root';
CREATE INDEX tenants_sort_created ON tenants(created_at, id) WHERE kind != 'root';
CREATE INDEX tenants_sort_cameras ON tenants(camera_count, id) WHERE kind != 'root';
CREATE INDEX tenants_sort_users ON tenants(user_count, id) WHERE kind != 'root';
CREATE INDEX tenants_sort_kind ON tenants(kind, name_key, id) WHERE kind != 'root';
CREATE INDEX tenants_sort_status ON tenants((disabled_by IS NOT NULL), name_key, id) WHERE kind != 'root';
CREATE INDEX tenants_kind_state ON tenants(kind, disabled_by) WHERE kind != 'root';

CREATE VIRTUAL TABLE tenants_search USING fts5(
  name, email, content='tenants', content_rowid='rowid', tokenize='trigram'
);
INSERT INTO tenants_search(rowid, name, email) SELECT rowid, name, email FROM tenants;
CREATE TRIGGER tenants_search_ins AFTER INSERT ON tenants BEGIN
  INSERT INTO tenants_search(rowid, name, email) VALUES (NEW.rowid, NEW.name, NEW.email);
END;
CREATE TRIGGER tenants_search_del AFTER DELETE ON tenants BEGIN
  INSERT INTO tenants_search(tenants_search, rowid, name, email) VALUES ('delete', OLD.rowid, OLD.name, OLD.email);
END;
CREATE TRIGGER tenants_search_upd AFTER UPDATE OF name, email ON tenants BEGIN
  INSERT INTO tenants_search(tenants_search, rowid, name, email) VALUES ('delete', OLD.rowid, OLD.name, OLD.email);
  INSERT INTO tenants_search(rowid, name, email) VALUES (NEW.rowid, NEW.name, NEW.email);
END;
`,
};
