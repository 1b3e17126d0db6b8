/**
 * A PostgreSQL database's schema as comparable text: every column (type, nullability, default), index,
 * constraint and trigger of the public schema, sorted. Two databases migrated differently (one process
 * alone, several at once) must give the same snapshot.
 */
import pg from "pg";

export async function schemaSnapshot(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (text: string) => (await client.query<{ s: string }>(text)).rows.map((r) => r.s);
    // One query at a time: a pg.Client does not run queries side by side.
    const parts: string[][] = [];
    for (const text of [
      `select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
           || ' ' || coalesce(column_default, '') as s
         from information_schema.columns where table_schema = 'public'`,
      `select 'index ' || tablename || ' ' || indexdef as s from pg_indexes where schemaname = 'public'`,
      `select 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) as s
         from pg_constraint where connamespace = 'public'::regnamespace`,
      `select 'trigger ' || event_object_table || ' ' || trigger_name || ' ' || event_manipulation as s
         from information_schema.triggers where trigger_schema = 'public'`,
    ]) {
      parts.push(await q(text));
    }
    return parts.flat().sort();
  } finally {
    await client.end();
  }
}
