import { type FormEvent, useState } from "react";
import { Badge, Card, Empty, ErrorNote, Field, JsonView, PageHeader, type Tone } from "../components/ui";
import { ApiError, query } from "../lib/api";
import { dateTime, plural } from "../lib/format";
import type { LogEntry } from "../lib/types";
import { useApi } from "../lib/use-api";
import { Pager } from "./Events";

const LEVEL_TONE: Record<string, Tone> = { error: "bad", warning: "warn", info: "ok" };
/** What an entry is about (the `kind` filter of `GET /api/v1/logs`). */
const KINDS = ["backend", "stage", "dead-letter", "licence", "merge"];
const SINCE = [
  { label: "last 15 minutes", minutes: 15 },
  { label: "last hour", minutes: 60 },
  { label: "last 24 hours", minutes: 24 * 60 },
  { label: "last 7 days", minutes: 7 * 24 * 60 },
  { label: "any time", minutes: 0 },
];

/** The monitoring log: major events of every process (backend problems, stage errors, dead letters, …). */
export function MonitoringPage() {
  const [draft, setDraft] = useState({ level: "", kind: "", since: "60" });
  const [filters, setFilters] = useState(draft);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const limit = 50;
  // Rounded to the minute, so the refresh asks for the same window for a while.
  const minutes = Number(filters.since);
  const since = minutes > 0 ? new Date(Math.floor(Date.now() / 60_000 - minutes) * 60_000).toISOString() : "";
  const logs = useApi<{ total: number; result: LogEntry[] }>(
    `/api/v1/logs${query({ level: filters.level, kind: filters.kind, since, limit, offset })}`,
    5000,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOffset(0);
    setFilters(draft);
  };
  const missing = logs.error instanceof ApiError && logs.error.status === 404;
  return (
    <>
      <PageHeader
        title="Monitoring"
        subtitle="Major events of every process: backend problems and recoveries, stage errors, dead letters, licence changes, merges."
      />
      <Card>
        <form className="filters" onSubmit={submit} data-testid="log-filters">
          <Field label="Level">
            <select
              name="level"
              value={draft.level}
              onChange={(e) => setDraft({ ...draft, level: e.target.value })}
            >
              <option value="">any</option>
              <option value="error">error</option>
              <option value="warning">warning</option>
              <option value="info">info</option>
            </select>
          </Field>
          <Field label="Kind">
            <select
              name="kind"
              value={draft.kind}
              onChange={(e) => setDraft({ ...draft, kind: e.target.value })}
            >
              <option value="">any</option>
              {KINDS.map((kind) => (
                <option key={kind} value={kind}>
                  {kind}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Since">
            <select
              name="since"
              value={draft.since}
              onChange={(e) => setDraft({ ...draft, since: e.target.value })}
            >
              {SINCE.map((s) => (
                <option key={s.minutes} value={s.minutes}>
                  {s.label}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" className="primary">
            Filter
          </button>
        </form>
      </Card>
      {missing ? (
        <p className="note">This runtime has no monitoring log yet (GET /api/v1/logs answered 404).</p>
      ) : (
        <ErrorNote error={logs.error} />
      )}
      <Card title={logs.data ? plural(logs.data.total, "entry", "entries") : "Log"}>
        {logs.data && logs.data.result.length === 0 && (
          <Empty>Nothing recorded in this window: all quiet.</Empty>
        )}
        {logs.data && logs.data.result.length > 0 && (
          <table data-testid="logs-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Level</th>
                <th>Kind</th>
                <th>Process</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {logs.data.result.map((entry) => (
                <LogRow
                  key={entry.id}
                  entry={entry}
                  open={open === entry.id}
                  onToggle={() => setOpen(open === entry.id ? null : entry.id)}
                />
              ))}
            </tbody>
          </table>
        )}
        <Pager total={logs.data?.total ?? 0} limit={limit} offset={offset} onOffset={setOffset} />
      </Card>
    </>
  );
}

function LogRow({ entry, open, onToggle }: { entry: LogEntry; open: boolean; onToggle: () => void }) {
  return (
    <>
      <tr className="clickable" onClick={onToggle}>
        <td>{dateTime(entry.time)}</td>
        <td>
          <Badge tone={LEVEL_TONE[entry.level] ?? "neutral"}>{entry.level}</Badge>
        </td>
        <td className="mono">{entry.kind}</td>
        <td className="mono">{entry.process}</td>
        <td className="wrap">{entry.message}</td>
      </tr>
      {open && entry.details != null && (
        <tr>
          <td colSpan={5}>
            <JsonView value={entry.details} />
          </td>
        </tr>
      )}
    </>
  );
}
