import { type FormEvent, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { Badge, Card, Empty, ErrorNote, Field, JsonView, PageHeader } from "../components/ui";
import { query } from "../lib/api";
import { dateTime, shortId } from "../lib/format";
import type { Page, TrackedEvent } from "../lib/types";
import { useApi } from "../lib/use-api";

const FILTERS = ["type", "profile", "session", "valid", "from", "to"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/** `datetime-local` value (local time) to ISO 8601 in UTC; empty stays empty. */
function toIso(local: string): string {
  return local === "" ? "" : new Date(local).toISOString();
}

export function EventsPage() {
  const [params, setParams] = useSearchParams();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) ?? ""])) as Filters;
  const [draft, setDraft] = useState<Filters>(filters);
  const search = params.toString();
  // The form shows the filters of the URL (a link to /events?profile=… or back to /events).
  useEffect(() => setDraft(filters), [search]);
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const path = `/api/v1/events${query({
    type: filters.type,
    profile: filters.profile,
    session: filters.session,
    valid: filters.valid,
    from: toIso(filters.from),
    to: toIso(filters.to),
    limit,
    offset,
  })}`;
  const events = useApi<Page<TrackedEvent>>(path, 5000);
  const [selected, setSelected] = useState<TrackedEvent | null>(null);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setOffset(0);
    setParams(Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== "")));
  };
  const set = (key: keyof Filters) => (e: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: e.target.value });

  return (
    <>
      <PageHeader title="Events" subtitle="Stored events, newest first. Refreshed every 5 s." />
      <Card>
        <form className="filters" onSubmit={apply} data-testid="event-filters">
          <Field label="Type">
            <input name="type" value={draft.type} onChange={set("type")} placeholder="page-view" />
          </Field>
          <Field label="Profile id">
            <input name="profile" value={draft.profile} onChange={set("profile")} />
          </Field>
          <Field label="Session id">
            <input name="session" value={draft.session} onChange={set("session")} />
          </Field>
          <Field label="Validity">
            <select name="valid" value={draft.valid} onChange={set("valid")}>
              <option value="">any</option>
              <option value="true">valid</option>
              <option value="false">invalid</option>
            </select>
          </Field>
          <Field label="From">
            <input type="datetime-local" name="from" value={draft.from} onChange={set("from")} />
          </Field>
          <Field label="To">
            <input type="datetime-local" name="to" value={draft.to} onChange={set("to")} />
          </Field>
          <button type="submit" className="primary">
            Search
          </button>
        </form>
      </Card>
      <ErrorNote error={events.error} />
      <div className="grid-2 grid-wide-left">
        <Card title={events.data ? `${events.data.total} events` : "Events"}>
          {events.data && events.data.items.length === 0 && <Empty>No event matches.</Empty>}
          {events.data && events.data.items.length > 0 && (
            <table data-testid="events-table">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Type</th>
                  <th>Source</th>
                  <th>Profile</th>
                  <th>Session</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((e) => (
                  <tr
                    key={e.id}
                    className={`clickable ${selected?.id === e.id ? "selected" : ""}`}
                    onClick={() => setSelected(e)}
                  >
                    <td>{dateTime(e.metadata.time.insert)}</td>
                    <td className="mono">{e.type}</td>
                    <td className="mono" title={e.source.id}>
                      {e.source.id.startsWith("@internal") ? "runtime" : e.source.id}
                    </td>
                    <td className="mono" title={e.profile?.id}>
                      {e.profile ? (
                        <Link to={`/profiles/${encodeURIComponent(e.profile.id)}`}>
                          {shortId(e.profile.id)}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="mono" title={e.session?.id}>
                      {shortId(e.session?.id)}
                    </td>
                    <td>{e.metadata.valid ? null : <Badge tone="bad">invalid</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager total={events.data?.total ?? 0} limit={limit} offset={offset} onOffset={setOffset} />
        </Card>
        <Card title="Event">
          {selected ? (
            <JsonView value={selected} testId="event-json" />
          ) : (
            <Empty>Pick an event to see it whole.</Empty>
          )}
        </Card>
      </div>
    </>
  );
}

export function Pager({
  total,
  limit,
  offset,
  onOffset,
}: {
  total: number;
  limit: number;
  offset: number;
  onOffset: (offset: number) => void;
}) {
  if (total <= limit) return null;
  return (
    <div className="pager">
      <button
        type="button"
        className="small-button"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - limit))}
      >
        ← Newer
      </button>
      <span className="muted small">
        {offset + 1}–{Math.min(total, offset + limit)} of {total}
      </span>
      <button
        type="button"
        className="small-button"
        disabled={offset + limit >= total}
        onClick={() => onOffset(offset + limit)}
      >
        Older →
      </button>
    </div>
  );
}
