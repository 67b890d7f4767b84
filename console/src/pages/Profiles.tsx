import { type FormEvent, useState } from "react";
import { Link } from "react-router-dom";
import { Card, Empty, ErrorNote, Field, PageHeader } from "../components/ui";
import { query } from "../lib/api";
import { dateTime } from "../lib/format";
import type { Page, Profile } from "../lib/types";
import { useApi } from "../lib/use-api";
import { Pager } from "./Events";

export function ProfilesPage() {
  const [field, setField] = useState("");
  const [value, setValue] = useState("");
  const [search, setSearch] = useState<{ field: string; value: string } | null>(null);
  const [offset, setOffset] = useState(0);
  const limit = 25;
  const profiles = useApi<Page<Profile>>(`/api/v1/profiles${query({ ...search, limit, offset })}`, 10_000);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setOffset(0);
    setSearch(field.trim() && value.trim() ? { field: field.trim(), value: value.trim() } : null);
  };
  return (
    <>
      <PageHeader
        title="Profiles"
        subtitle="Everyone the CDP knows. Search by any field, e.g. data.contact.email.main."
      />
      <Card>
        <form className="filters" onSubmit={submit}>
          <Field label="Field">
            <input
              value={field}
              onChange={(e) => setField(e.target.value)}
              placeholder="data.contact.email.main"
            />
          </Field>
          <Field label="Value">
            <input value={value} onChange={(e) => setValue(e.target.value)} placeholder="ann@example.com" />
          </Field>
          <button type="submit" className="primary">
            Search
          </button>
        </form>
      </Card>
      <ErrorNote error={profiles.error} />
      <Card title={profiles.data ? `${profiles.data.total} profiles` : "Profiles"}>
        {profiles.data && profiles.data.items.length === 0 && <Empty>No profile matches.</Empty>}
        {profiles.data && profiles.data.items.length > 0 && (
          <table data-testid="profiles-table">
            <thead>
              <tr>
                <th>Id</th>
                <th>Created</th>
                <th>Last visit</th>
                <th>Visits</th>
                <th>Views</th>
                <th>Segments</th>
              </tr>
            </thead>
            <tbody>
              {profiles.data.items.map((p) => (
                <tr key={p.id}>
                  <td className="mono">
                    <Link to={`/profiles/${encodeURIComponent(p.id)}`}>{p.id}</Link>
                  </td>
                  <td>{dateTime(p.metadata.time.insert)}</td>
                  <td>{dateTime(p.metadata.time.visit?.last)}</td>
                  <td>{p.metadata.time.visit?.count ?? 0}</td>
                  <td>{p.stats.views}</td>
                  <td>{p.segments.join(", ") || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager total={profiles.data?.total ?? 0} limit={limit} offset={offset} onOffset={setOffset} />
      </Card>
    </>
  );
}
