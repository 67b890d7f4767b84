import { type FormEvent, useState } from "react";
import { Badge, Card, Empty, ErrorNote, Field, PageHeader } from "../components/ui";
import { api, query } from "../lib/api";
import { dateTime, plural } from "../lib/format";
import type { DeadLetter, Destination, Page, Resource, Throughput } from "../lib/types";
import { useApi } from "../lib/use-api";

export function DestinationsPage() {
  const destinations = useApi<Page<Destination>>("/api/v1/destinations", 10_000);
  const resources = useApi<Page<Resource>>("/api/v1/resources", 10_000);
  const throughput = useApi<Throughput>("/api/v1/throughput?minutes=1", 5000);
  const reload = () => {
    destinations.reload();
    resources.reload();
  };
  return (
    <>
      <PageHeader
        title="Destinations and dead letters"
        subtitle="Where events go, how many arrived, and what failed for good."
      />
      <ErrorNote error={destinations.error ?? resources.error} />
      <Card title="Destinations" testId="destinations">
        {destinations.data && destinations.data.items.length === 0 && <Empty>No destination yet.</Empty>}
        {destinations.data && destinations.data.items.length > 0 && (
          <table data-testid="destinations-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Sends</th>
                <th>Webhook</th>
                <th>Delivered</th>
                <th>Failed attempts</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {destinations.data.items.map((d) => {
                const resource = resources.data?.items.find((r) => r.id === d.resource.id);
                const counts = throughput.data?.deliveries.find((c) => c.destination === d.id);
                return (
                  <DestinationRow
                    key={d.id}
                    destination={d}
                    resource={resource}
                    delivered={counts?.delivered ?? 0}
                    failed={counts?.failed ?? 0}
                    onChanged={reload}
                  />
                );
              })}
            </tbody>
          </table>
        )}
        <p className="muted small">Counts since the runtime started.</p>
      </Card>
      <div className="grid-2 grid-wide-right">
        <CreateDestination onCreated={reload} />
        <DeadLetters />
      </div>
    </>
  );
}

function DestinationRow({
  destination,
  resource,
  delivered,
  failed,
  onChanged,
}: {
  destination: Destination;
  resource: Resource | undefined;
  delivered: number;
  failed: number;
  onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const scope = destination.on_profile_change_only
    ? "profile changes"
    : `${destination.event_type?.id ?? "every event type"}${destination.source ? ` from ${destination.source.id}` : ""}`;
  return (
    <>
      <tr data-testid={`destination-${destination.id}`}>
        <td>{destination.name}</td>
        <td>{scope}</td>
        <td className="mono wrap">{resource?.credentials.url ?? destination.resource.id}</td>
        <td>
          <Badge tone={delivered > 0 ? "ok" : "neutral"}>{delivered}</Badge>
        </td>
        <td>
          <Badge tone={failed > 0 ? "bad" : "neutral"}>{failed}</Badge>
        </td>
        <td className="right">
          {resource && (
            <button type="button" className="small-button" onClick={() => setEditing(!editing)}>
              {editing ? "Close" : "Edit webhook"}
            </button>
          )}
        </td>
      </tr>
      {editing && resource && (
        <tr>
          <td colSpan={6}>
            <EditResource
              resource={resource}
              onSaved={() => {
                setEditing(false);
                onChanged();
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}

function EditResource({ resource, onSaved }: { resource: Resource; onSaved: () => void }) {
  const [url, setUrl] = useState(resource.credentials.url);
  const [username, setUsername] = useState(resource.credentials.username ?? "");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api(`/api/v1/resources/${encodeURIComponent(resource.id)}`, {
        method: "PUT",
        body: {
          name: resource.name,
          enabled: resource.enabled,
          credentials: { url, ...(username ? { username } : {}), ...(password ? { password } : {}) },
        },
      });
      onSaved();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <form className="filters" onSubmit={submit} data-testid="edit-resource">
      <Field label="Webhook URL">
        <input name="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
      </Field>
      <Field label="User (basic auth)">
        <input value={username} onChange={(e) => setUsername(e.target.value)} />
      </Field>
      <Field label="Password (enter again to keep one)">
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <button type="submit" className="primary">
        Save
      </button>
      <ErrorNote error={error} />
    </form>
  );
}

function CreateDestination({ onCreated }: { onCreated: () => void }) {
  const [form, setForm] = useState({ name: "", url: "", eventType: "", source: "", attempts: "5" });
  const [error, setError] = useState<Error | null>(null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm({ ...form, [key]: e.target.value });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const resource = await api<Resource>("/api/v1/resources", {
        method: "POST",
        body: { name: `${form.name} webhook`, credentials: { url: form.url } },
      });
      await api("/api/v1/destinations", {
        method: "POST",
        body: {
          name: form.name,
          resource: { id: resource.id },
          on_profile_change_only: false,
          event_type: form.eventType ? { id: form.eventType } : null,
          source: form.source ? { id: form.source } : null,
          mapping: { type: "event@type", profile: "profile@id", properties: "event@properties" },
          destination: {
            type: "webhook",
            init: { method: "POST", timeout_ms: 5000, max_attempts: Number(form.attempts) },
          },
        },
      });
      setForm({ name: "", url: "", eventType: "", source: "", attempts: "5" });
      onCreated();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Card title="New webhook destination">
      <form className="form" onSubmit={submit} data-testid="create-destination">
        <Field label="Name">
          <input name="name" value={form.name} onChange={set("name")} required />
        </Field>
        <Field label="Webhook URL">
          <input
            name="url"
            value={form.url}
            onChange={set("url")}
            required
            placeholder="https://example.com/hook"
          />
        </Field>
        <Field label="Event type (empty: every type)">
          <input name="eventType" value={form.eventType} onChange={set("eventType")} />
        </Field>
        <Field label="Source id (empty: every source)">
          <input name="source" value={form.source} onChange={set("source")} />
        </Field>
        <Field label="Attempts before a dead letter">
          <input
            name="attempts"
            type="number"
            min={1}
            max={100}
            value={form.attempts}
            onChange={set("attempts")}
          />
        </Field>
        <ErrorNote error={error} />
        <button type="submit" className="primary">
          Create destination
        </button>
      </form>
    </Card>
  );
}

const TOPICS = ["", "collector", "storage", "workflow", "dispatch"];

function DeadLetters() {
  const [topic, setTopic] = useState("");
  const letters = useApi<Page<DeadLetter>>(`/api/v1/dead-letters${query({ topic, limit: 50 })}`, 5000);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const act = async (what: () => Promise<string>) => {
    setError(null);
    setNote(null);
    try {
      setNote(await what());
      letters.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  const replayOne = (id: string) =>
    act(async () => {
      await api(`/api/v1/dead-letters/${encodeURIComponent(id)}/replay`, { method: "POST" });
      return "Replayed: the letter is back on its topic.";
    });
  const replayAll = () =>
    act(async () => {
      const { replayed } = await api<{ replayed: number }>("/api/v1/dead-letters/replay", {
        method: "POST",
        body: topic ? { topic } : {},
      });
      return `Replayed ${plural(replayed, "letter")}.`;
    });
  return (
    <Card
      title={letters.data ? `Dead letters (${letters.data.total})` : "Dead letters"}
      testId="dead-letters"
      extra={
        <div className="inline">
          <select value={topic} onChange={(e) => setTopic(e.target.value)} aria-label="topic">
            {TOPICS.map((t) => (
              <option key={t} value={t}>
                {t || "every topic"}
              </option>
            ))}
          </select>
          <button type="button" className="small-button" disabled={!letters.data?.total} onClick={replayAll}>
            Replay all{topic ? ` of ${topic}` : ""}
          </button>
        </div>
      }
    >
      {note && <p className="ok-note">{note}</p>}
      <ErrorNote error={error ?? letters.error} />
      {letters.data && letters.data.items.length === 0 && (
        <Empty>No dead letter: everything was delivered.</Empty>
      )}
      {letters.data && letters.data.items.length > 0 && (
        <table data-testid="dead-letters-table">
          <thead>
            <tr>
              <th>Failed</th>
              <th>Topic</th>
              <th>Reason</th>
              <th>Attempts</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {letters.data.items.map((l) => (
              <tr key={l.id}>
                <td>{dateTime(l.failedAt)}</td>
                <td className="mono">{l.topic}</td>
                <td className="wrap">{l.reason}</td>
                <td>{l.attempts}</td>
                <td className="right">
                  <button type="button" className="small-button" onClick={() => replayOne(l.id)}>
                    Replay
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
