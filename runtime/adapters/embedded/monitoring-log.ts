import type { LogEntry, LogPage, LogQuery, LogStore } from "../../ports/monitoring-log.js";
import type { Db } from "./database.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS monitoring_log (
  id TEXT PRIMARY KEY, time TEXT NOT NULL, level TEXT NOT NULL, kind TEXT NOT NULL,
  process TEXT NOT NULL, message TEXT NOT NULL, details TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS monitoring_log_time ON monitoring_log (time);
`;

interface Row extends Omit<LogEntry, "details"> {
  details: string;
}

/** The monitoring log in the embedded SQLite file, beside the data it describes. */
export class EmbeddedLogStore implements LogStore {
  constructor(private readonly db: Db) {
    db.exec(SCHEMA);
  }

  async write(entries: LogEntry[]): Promise<void> {
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO monitoring_log (id, time, level, kind, process, message, details) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.db.transaction(() => {
      for (const e of entries)
        insert.run(e.id, e.time, e.level, e.kind, e.process, e.message, JSON.stringify(e.details));
    })();
  }

  async list(query: LogQuery): Promise<LogPage> {
    const clauses: string[] = [];
    const params: string[] = [];
    for (const [column, value] of [
      ["level", query.level],
      ["kind", query.kind],
    ] as const) {
      if (value === undefined) continue;
      clauses.push(`${column} = ?`);
      params.push(value);
    }
    if (query.since !== undefined) {
      clauses.push("time >= ?");
      params.push(query.since);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
    const { n } = this.db.prepare(`SELECT COUNT(*) AS n FROM monitoring_log ${where}`).get(...params) as {
      n: number;
    };
    const rows = this.db
      .prepare(`SELECT * FROM monitoring_log ${where} ORDER BY time DESC, id DESC LIMIT ? OFFSET ?`)
      .all(...params, query.limit, query.offset) as Row[];
    return { total: n, result: rows.map((row) => ({ ...row, details: JSON.parse(row.details) })) };
  }

  async prune(before: string): Promise<number> {
    return this.db.prepare("DELETE FROM monitoring_log WHERE time < ?").run(before).changes;
  }
}
