import { type FormEvent, useState } from "react";
import { FlowGraph } from "../components/FlowGraph";
import { Badge, Card, Empty, ErrorNote, Field, PageHeader } from "../components/ui";
import { ApiError, api } from "../lib/api";
import { exportGraph, type Graph, layoutFlow } from "../lib/flow-graph";
import type { EventSource, Flow, Page, Rule } from "../lib/types";
import { useApi } from "../lib/use-api";

const NEW_FLOW = JSON.stringify(
  {
    name: "Count purchases",
    nodes: [
      { id: "start", type: "start" },
      { id: "count", type: "increment", config: { path: "profile@stats.counters.purchases", by: 1 } },
      { id: "end", type: "end" },
    ],
    edges: [
      { source: "start", sourcePort: "payload", target: "count", targetPort: "payload" },
      { source: "count", sourcePort: "payload", target: "end", targetPort: "payload" },
    ],
  },
  null,
  2,
);

/** A flow that failed to save or import: what was sent, drawn, with the problems on their nodes. */
interface Draft {
  graph: Graph;
  error: ApiError;
  /** Each failed attempt draws afresh (and fits the view to it). */
  attempt: number;
}

export function FlowsPage() {
  const flows = useApi<Page<Flow>>("/api/v1/flows");
  const [selected, setSelected] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const flow = flows.data?.items.find((f) => f.id === selected) ?? null;

  const failed = (next: Omit<Draft, "attempt">) =>
    setDraft((last) => ({ ...next, attempt: (last?.attempt ?? 0) + 1 }));
  const saved = (created: Flow) => {
    setDraft(null);
    flows.reload();
    setSelected(created.id);
  };

  return (
    <>
      <PageHeader title="Flows and rules" subtitle="Rules run a flow for the events of a source and type." />
      <ErrorNote error={flows.error} />
      <div className="grid-2 grid-wide-right">
        <Card title="Flows">
          {flows.data && flows.data.items.length === 0 && <Empty>No flow yet.</Empty>}
          <ul className="list" data-testid="flows-list">
            {flows.data?.items.map((f) => (
              <li key={f.id}>
                <button
                  type="button"
                  className={`list-item ${f.id === selected ? "selected" : ""}`}
                  onClick={() => {
                    setDraft(null);
                    setSelected(f.id);
                  }}
                >
                  <strong>{f.name}</strong>
                  <span className="muted small">{f.nodes.length} nodes</span>
                </button>
              </li>
            ))}
          </ul>
        </Card>
        <Card title={draft ? "Not saved: fix the marked nodes" : (flow?.name ?? "Graph")} testId="flow-view">
          {draft && <ErrorNote error={draft.error} />}
          {draft ? (
            <FlowGraph
              key={`draft-${draft.attempt}`}
              graph={draft.graph}
              problems={draft.error.nodeProblems()}
            />
          ) : flow ? (
            <FlowGraph key={flow.id} graph={layoutFlow(flow.nodes, flow.edges)} />
          ) : (
            <Empty>Pick a flow to see its graph.</Empty>
          )}
        </Card>
      </div>
      <div className="grid-2">
        <FlowEditor onSaved={saved} onFailed={failed} />
        <FlowImport onSaved={saved} onFailed={failed} />
      </div>
      <Rules flows={flows.data?.items ?? []} />
    </>
  );
}

interface EditorProps {
  onSaved: (flow: Flow) => void;
  onFailed: (draft: Omit<Draft, "attempt">) => void;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`Not JSON: ${(e as Error).message}`);
  }
}

function FlowEditor({ onSaved, onFailed }: EditorProps) {
  const [text, setText] = useState(NEW_FLOW);
  const [error, setError] = useState<Error | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const body = parse(text) as { nodes?: Flow["nodes"]; edges?: Flow["edges"] };
      try {
        onSaved(await api<Flow>("/api/v1/flows", { method: "POST", body }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 422 && Array.isArray(body.nodes))
          onFailed({ graph: layoutFlow(body.nodes, Array.isArray(body.edges) ? body.edges : []), error: e });
        throw e;
      }
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Card title="New flow">
      <form className="form" onSubmit={submit}>
        <textarea
          className="code"
          rows={14}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
        />
        <ErrorNote error={error} />
        <button type="submit" className="primary">
          Save flow
        </button>
      </form>
    </Card>
  );
}

function FlowImport({ onSaved, onFailed }: EditorProps) {
  const [text, setText] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const body = parse(text);
      try {
        onSaved(await api<Flow>("/api/v1/flows/import", { method: "POST", body }));
        setText("");
      } catch (e) {
        const graph = exportGraph(body);
        if (e instanceof ApiError && e.status === 422 && graph) onFailed({ graph, error: e });
        throw e;
      }
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Card title="Import a Tracardi flow export">
      <form className="form" onSubmit={submit} data-testid="flow-import">
        <input
          type="file"
          accept="application/json,.json"
          onChange={async (e) => setText((await e.target.files?.[0]?.text()) ?? "")}
        />
        <textarea
          name="export"
          className="code"
          rows={10}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='{"flowGraph": {"nodes": [...], "edges": [...]}}'
          spellCheck={false}
        />
        <ErrorNote error={error} />
        <button type="submit" className="primary" disabled={text.trim() === ""}>
          Import
        </button>
      </form>
    </Card>
  );
}

function Rules({ flows }: { flows: Flow[] }) {
  const rules = useApi<Page<Rule>>("/api/v1/rules");
  const sources = useApi<Page<EventSource>>("/api/v1/event-sources");
  const [form, setForm] = useState({ name: "", source: "", type: "", flow: "" });
  const [error, setError] = useState<Error | null>(null);
  const flowName = (id: string) => flows.find((f) => f.id === id)?.name ?? id;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api("/api/v1/rules", {
        method: "POST",
        body: {
          name: form.name,
          source: { id: form.source },
          event_type: { id: form.type },
          flow: { id: form.flow },
          enabled: true,
        },
      });
      setForm({ name: "", source: "", type: "", flow: "" });
      rules.reload();
    } catch (e) {
      setError(e as Error);
    }
  };
  return (
    <Card title="Rules" testId="rules">
      {rules.data && rules.data.items.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Source</th>
              <th>Event type</th>
              <th>Flow</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {rules.data.items.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td className="mono">{r.source.id}</td>
                <td className="mono">{r.event_type.id}</td>
                <td>{flowName(r.flow.id)}</td>
                <td>
                  <Badge tone={r.enabled ? "ok" : "neutral"}>{r.enabled ? "enabled" : "disabled"}</Badge>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <Empty>No rule yet: a flow runs only when a rule triggers it.</Empty>
      )}
      <form className="filters" onSubmit={submit} data-testid="create-rule">
        <Field label="Rule name">
          <input
            name="name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            required
          />
        </Field>
        <Field label="Source">
          <select
            name="source"
            value={form.source}
            onChange={(e) => setForm({ ...form, source: e.target.value })}
            required
          >
            <option value="">choose…</option>
            {sources.data?.items.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Event type">
          <input
            name="type"
            value={form.type}
            onChange={(e) => setForm({ ...form, type: e.target.value })}
            required
            placeholder="purchase"
          />
        </Field>
        <Field label="Flow">
          <select
            name="flow"
            value={form.flow}
            onChange={(e) => setForm({ ...form, flow: e.target.value })}
            required
          >
            <option value="">choose…</option>
            {flows.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" className="primary">
          Add rule
        </button>
      </form>
      <ErrorNote error={error} />
    </Card>
  );
}
