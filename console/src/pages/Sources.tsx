import { type FormEvent, useState } from "react";
import { CopyBlock } from "../components/CopyBlock";
import { Badge, Card, Empty, ErrorNote, Field, PageHeader } from "../components/ui";
import { api } from "../lib/api";
import { dateTime } from "../lib/format";
import {
  type ConsoleConfig,
  curlSnippet,
  publicApiUrl,
  savePublicApiUrl,
  trackerSnippet,
  webhookSnippet,
} from "../lib/snippets";
import type { EventSource, Page } from "../lib/types";
import { useApi } from "../lib/use-api";

export function SourcesPage() {
  const sources = useApi<Page<EventSource>>("/api/v1/event-sources");
  const config = useApi<ConsoleConfig>("/console-config.json");
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const current = sources.data?.items.find((s) => s.id === selected) ?? null;

  const toggle = async (source: EventSource) => {
    setError(null);
    try {
      const { id, timestamp: _timestamp, ...rest } = source;
      await api(`/api/v1/event-sources/${encodeURIComponent(id)}`, {
        method: "PUT",
        body: { ...rest, enabled: !source.enabled },
      });
      sources.reload();
    } catch (e) {
      setError(e as Error);
    }
  };

  return (
    <>
      <PageHeader
        title="Event sources"
        subtitle="Where events come from. A site sends to a source by its id."
      />
      <ErrorNote error={sources.error ?? error} />
      <div className="grid-2 grid-wide-left">
        <Card title="Sources">
          {sources.data && sources.data.items.length === 0 && (
            <Empty>No source yet: create one to start collecting.</Empty>
          )}
          {sources.data && sources.data.items.length > 0 && (
            <table data-testid="sources-table">
              <thead>
                <tr>
                  <th>Id</th>
                  <th>Name</th>
                  <th>Type</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {sources.data.items.map((source) => (
                  <tr
                    key={source.id}
                    className={`clickable ${source.id === selected ? "selected" : ""}`}
                    onClick={() => setSelected(source.id)}
                  >
                    <td className="mono">{source.id}</td>
                    <td>{source.name}</td>
                    <td>{source.type.join(", ")}</td>
                    <td>
                      <Badge tone={source.enabled ? "ok" : "neutral"}>
                        {source.enabled ? "enabled" : "disabled"}
                      </Badge>
                    </td>
                    <td className="right">
                      <button
                        type="button"
                        className="small-button"
                        onClick={(e) => {
                          e.stopPropagation();
                          void toggle(source);
                        }}
                      >
                        {source.enabled ? "Disable" : "Enable"}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <CreateSource
          onCreated={(id) => {
            sources.reload();
            setSelected(id);
          }}
        />
      </div>
      {current && config.data && <SourceSnippets source={current} config={config.data} />}
    </>
  );
}

function CreateSource({ onCreated }: { onCreated: (id: string) => void }) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [type, setType] = useState("rest");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api<EventSource>("/api/v1/event-sources", {
        method: "POST",
        body: { ...(id.trim() ? { id: id.trim() } : {}), name: name.trim(), type, enabled: true },
      });
      setId("");
      setName("");
      onCreated(created.id);
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Card title="New source">
      <form className="form" onSubmit={submit} data-testid="create-source">
        <Field label="Name">
          <input
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            placeholder="My site"
          />
        </Field>
        <Field label="Id (optional, generated when empty)">
          <input name="id" value={id} onChange={(e) => setId(e.target.value)} placeholder="my-site" />
        </Field>
        <Field label="Type">
          <select name="type" value={type} onChange={(e) => setType(e.target.value)}>
            <option value="rest">rest — the JavaScript tracker or POST /track</option>
            <option value="webhook">webhook — /collect/&lt;type&gt;/&lt;source&gt;</option>
          </select>
        </Field>
        <ErrorNote error={error} />
        <button type="submit" className="primary">
          Create source
        </button>
      </form>
    </Card>
  );
}

function SourceSnippets({ source, config }: { source: EventSource; config: ConsoleConfig }) {
  const [url, setUrl] = useState(() => publicApiUrl(config));
  const webhook = source.type.includes("webhook");
  return (
    <Card
      title={`Send events to “${source.name}”`}
      extra={<span className="muted small">created {dateTime(source.timestamp)}</span>}
      testId="source-snippets"
    >
      <Field label="Public API as your site reaches it">
        <input
          value={url}
          onChange={(e) => {
            setUrl(e.target.value);
            savePublicApiUrl(e.target.value);
          }}
        />
      </Field>
      {webhook ? (
        <>
          <h3>Webhook</h3>
          <CopyBlock text={webhookSnippet(url, source.id)} />
        </>
      ) : (
        <>
          <h3>Paste into every page of your site (before &lt;/body&gt;)</h3>
          <CopyBlock text={trackerSnippet(url, source.id)} testId="tracker-snippet" />
          <h3>Or from a server</h3>
          <CopyBlock text={curlSnippet(url, source.id)} testId="curl-snippet" />
        </>
      )}
    </Card>
  );
}
