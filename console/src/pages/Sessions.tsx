import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { Card, Empty, ErrorNote, Field, JsonView, PageHeader } from "../components/ui";
import { query } from "../lib/api";
import { dateTime, shortId } from "../lib/format";
import type { Page, Session } from "../lib/types";
import { useApi } from "../lib/use-api";
import { Pager } from "./Events";

export function SessionsPage() {
  const [profile, setProfile] = useState("");
  const [filter, setFilter] = useState("");
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Session | null>(null);
  const limit = 25;
  const sessions = useApi<Page<Session>>(
    `/api/v1/sessions${query({ profile: filter, limit, offset })}`,
    10_000,
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOffset(0);
    setFilter(profile.trim());
  };
  return (
    <>
      <PageHeader title="Sessions" subtitle="Visits, newest first." />
      <Card>
        <form className="filters" onSubmit={submit}>
          <Field label="Profile id">
            <input value={profile} onChange={(e) => setProfile(e.target.value)} />
          </Field>
          <button type="submit" className="primary">
            Search
          </button>
        </form>
      </Card>
      <ErrorNote error={sessions.error} />
      <div className="grid-2 grid-wide-left">
        <Card title={sessions.data ? `${sessions.data.total} sessions` : "Sessions"}>
          {sessions.data && sessions.data.items.length === 0 && <Empty>No session matches.</Empty>}
          {sessions.data && sessions.data.items.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Id</th>
                  <th>Profile</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                {sessions.data.items.map((s) => (
                  <tr
                    key={s.id}
                    className={`clickable ${selected?.id === s.id ? "selected" : ""}`}
                    onClick={() => setSelected(s)}
                  >
                    <td>{dateTime(s.metadata.time.insert)}</td>
                    <td className="mono" title={s.id}>
                      {shortId(s.id)}
                    </td>
                    <td className="mono" title={s.profile?.id}>
                      {s.profile ? (
                        <Link to={`/profiles/${encodeURIComponent(s.profile.id)}`}>
                          {shortId(s.profile.id)}
                        </Link>
                      ) : (
                        "—"
                      )}
                    </td>
                    <td>{Math.round(s.metadata.time.duration)} s</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <Pager total={sessions.data?.total ?? 0} limit={limit} offset={offset} onOffset={setOffset} />
        </Card>
        <Card title="Session">
          {selected ? <JsonView value={selected} /> : <Empty>Pick a session to see it whole.</Empty>}
        </Card>
      </div>
    </>
  );
}
