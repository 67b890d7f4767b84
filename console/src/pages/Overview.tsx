import { Link } from "react-router-dom";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Badge, Card, Empty, ErrorNote, PageHeader, Stat, type Tone } from "../components/ui";
import { clock, dateTime } from "../lib/format";
import { pipelineVerdict } from "../lib/health";
import { isError, type Status, type Throughput } from "../lib/types";
import { useApi } from "../lib/use-api";

const REFRESH_MS = 5000;

export function OverviewPage() {
  const status = useApi<Status>("/api/v1/status", REFRESH_MS);
  const throughput = useApi<Throughput>("/api/v1/throughput?minutes=60", REFRESH_MS);
  const s = status.data;
  return (
    <>
      <PageHeader
        title="Overview"
        subtitle="Is data flowing? Stages, backlog, throughput and backends, refreshed every 5 s."
      />
      <ErrorNote error={status.error} />
      {s && <Verdict status={s} throughput={throughput.data} />}
      {s && <Numbers status={s} throughput={throughput.data} />}
      <div className="grid-2">
        <Card title="Events per minute (last hour)" testId="throughput-chart">
          <ThroughputChart throughput={throughput.data} />
          <p className="muted small">
            {throughput.data?.counted === "store"
              ? "Stored events by the minute they were accepted, counted in the store (the public APIs count what they accept in /metrics). "
              : "Accepted: client events queued by /track and /collect. "}
            Stored: every event written, with the profile-created, session-opened and visit-started events the
            runtime adds.
          </p>
        </Card>
        <Card title="Backlog per topic">{s && <BacklogChart status={s} />}</Card>
      </div>
      {s && (
        <div className="grid-2">
          <Stages status={s} />
          <Backends status={s} />
        </div>
      )}
    </>
  );
}

function Verdict({ status, throughput }: { status: Status; throughput: Throughput | null }) {
  const verdict = pipelineVerdict(status, throughput);
  return (
    <div className={`verdict verdict-${verdict.tone}`} data-testid="verdict">
      <strong>{verdict.headline}</strong>
      <span>{verdict.reasons.join(" · ")}</span>
    </div>
  );
}

function Numbers({ status, throughput }: { status: Status; throughput: Throughput | null }) {
  const lastHour = (throughput?.minutes ?? []).reduce(
    (sum, m) => ({ accepted: sum.accepted + (m.accepted ?? 0), stored: sum.stored + m.stored }),
    { accepted: 0, stored: 0 },
  );
  const acceptedHere = throughput?.counted !== "store";
  const backlog = isError(status.queue.backlog)
    ? null
    : Object.values(status.queue.backlog).reduce((a, b) => a + b, 0);
  const deadLetters = isError(status.queue.deadLetters) ? null : status.queue.deadLetters;
  const license = status.license;
  return (
    <div className="stats">
      <Stat
        label={acceptedHere ? "accepted, last hour" : "accepted: see the public APIs' /metrics"}
        value={acceptedHere ? lastHour.accepted : "—"}
        testId="accepted-hour"
      />
      <Stat label="stored, last hour" value={lastHour.stored} testId="stored-hour" />
      <Stat label="waiting in the queue" value={backlog ?? "?"} tone={backlog ? "warn" : undefined} />
      <Stat
        label="dead letters"
        value={deadLetters === null ? "?" : <Link to="/destinations">{deadLetters}</Link>}
        tone={deadLetters ? "bad" : undefined}
        testId="dead-letters"
      />
      <Stat
        label={`licence${license.expires ? `, until ${license.expires.slice(0, 10)}` : ""}`}
        value={license.status === "None" ? "open source" : license.status}
        tone={
          license.processing === "paused" ? "bad" : license.status === "ExpiringSoon" ? "warn" : undefined
        }
      />
    </div>
  );
}

function ThroughputChart({ throughput }: { throughput: Throughput | null }) {
  const data = (throughput?.minutes ?? []).map((m) => ({ ...m, label: clock(m.time) }));
  return (
    <div className="chart">
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -12 }} barGap={0}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e8ef" vertical={false} />
          <XAxis dataKey="label" minTickGap={40} tick={{ fontSize: 11 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend />
          {throughput?.counted !== "store" && (
            <Bar dataKey="accepted" fill="#4f6bed" isAnimationActive={false} />
          )}
          <Bar dataKey="stored" fill="#1aa37a" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function BacklogChart({ status }: { status: Status }) {
  if (isError(status.queue.backlog)) return <p className="error-note">queue: {status.queue.backlog.error}</p>;
  const data = Object.entries(status.queue.backlog).map(([topic, waiting]) => ({ topic, waiting }));
  return (
    <div className="chart" data-testid="backlog-chart">
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: -12 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e8ef" />
          <XAxis dataKey="topic" tick={{ fontSize: 11 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11 }} />
          <Tooltip />
          <Bar dataKey="waiting" fill="#f0a020" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function Stages({ status }: { status: Status }) {
  const progress = status.stageProgress;
  return (
    <Card
      title="Stages"
      extra={<span className="muted small">{status.stages.join(", ") || "none in this process"}</span>}
    >
      {isError(progress) ? (
        <p className="error-note">{progress.error}</p>
      ) : progress.length === 0 ? (
        <Empty>
          No stage runs in this process: the workers run them (their /readyz and /metrics say how they do).
        </Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Stage</th>
              <th>State</th>
              <th>Oldest waiting</th>
              <th>Last settled</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {progress.map((stage) => (
              <tr key={stage.stage}>
                <td>{stage.stage}</td>
                <td>
                  <Badge tone={stage.stalled ? "bad" : "ok"}>{stage.stalled ? "stalled" : "running"}</Badge>
                </td>
                <td>{stage.oldestWaitingSeconds === null ? "—" : `${stage.oldestWaitingSeconds} s`}</td>
                <td>{dateTime(stage.lastSettledAt)}</td>
                <td className="wrap">
                  {stage.lastError ? `${stage.lastError.message} (${dateTime(stage.lastError.at)})` : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!status.workflow.enabled && <p className="muted small">{status.workflow.reason}</p>}
    </Card>
  );
}

function Backends({ status }: { status: Status }) {
  const { backends } = status;
  const problems = isError(backends.problems) ? [backends.problems.error] : backends.problems;
  const rows: [string, string][] = [
    ["queue", backends.queue],
    ["store", backends.store],
    ["configuration", backends.config],
  ];
  const tone: Tone = problems.length > 0 ? "bad" : "ok";
  return (
    <Card title="Backends" testId="backends">
      <table>
        <tbody>
          {rows.map(([role, kind]) => (
            <tr key={role}>
              <td>{role}</td>
              <td>{kind}</td>
              <td>
                <Badge
                  tone={problems.some((p) => p.toLowerCase().includes(kind.toLowerCase())) ? "bad" : "ok"}
                >
                  {problems.some((p) => p.toLowerCase().includes(kind.toLowerCase()))
                    ? "problem"
                    : "reachable"}
                </Badge>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {problems.length > 0 && (
        <ul className={`problems problems-${tone}`}>
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <p className="muted small">
        Licence: {status.license.message} ({status.license.processing})
      </p>
    </Card>
  );
}
