import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { Badge, Card, Empty, ErrorNote, JsonView, PageHeader, Stat } from "../components/ui";
import { dateTime, plural, shortId } from "../lib/format";
import { mergeHistory } from "../lib/merge-history";
import type { Page, Profile, Session, TrackedEvent } from "../lib/types";
import { useApi } from "../lib/use-api";

export function ProfilePage() {
  const id = useParams().id ?? "";
  const profile = useApi<Profile>(`/api/v1/profiles/${encodeURIComponent(id)}`, 10_000);
  const p = profile.data;
  // Events and sessions of the profile a merged id resolves to.
  const events = useApi<Page<TrackedEvent>>(
    p ? `/api/v1/events?profile=${encodeURIComponent(p.id)}&limit=200` : null,
    10_000,
  );
  const sessions = useApi<Page<Session>>(
    p ? `/api/v1/sessions?profile=${encodeURIComponent(p.id)}&limit=100` : null,
    10_000,
  );
  return (
    <>
      <PageHeader
        title="Profile"
        subtitle={p ? p.id : id}
        actions={
          <Link className="button" to={`/events?profile=${encodeURIComponent(p?.id ?? id)}`}>
            Events of this profile
          </Link>
        }
      />
      <ErrorNote error={profile.error} />
      {p && p.id !== id && (
        <p className="note">
          <code>{id}</code> was merged into this profile.
        </p>
      )}
      {p && (
        <>
          <div className="stats">
            <Stat label="visits" value={p.metadata.time.visit?.count ?? 0} />
            <Stat label="views" value={p.stats.views} />
            <Stat label="sessions" value={sessions.data?.total ?? "…"} />
            <Stat label="events" value={events.data?.total ?? "…"} testId="profile-events" />
            <Stat label="created" value={<span className="small">{dateTime(p.metadata.time.insert)}</span>} />
          </div>
          <div className="grid-2 grid-wide-left">
            <Card title="Timeline" testId="timeline">
              <Timeline events={events.data?.items ?? []} sessions={sessions.data?.items ?? []} />
            </Card>
            <div className="stack">
              <MergeCard profile={p} />
              <Card title="Profile document">
                <JsonView value={p} testId="profile-json" />
              </Card>
            </div>
          </div>
        </>
      )}
    </>
  );
}

/** Events grouped by session, newest session first, each with its events newest first. */
function Timeline({ events, sessions }: { events: TrackedEvent[]; sessions: Session[] }) {
  const [open, setOpen] = useState<string | null>(null);
  if (events.length === 0) return <Empty>No event stored for this profile yet.</Empty>;
  const bySession = new Map<string, TrackedEvent[]>();
  for (const e of events) {
    const key = e.session?.id ?? "";
    bySession.set(key, [...(bySession.get(key) ?? []), e]);
  }
  const started = new Map(sessions.map((s) => [s.id, s.metadata.time.insert]));
  const groups = [...bySession.entries()].sort(([a], [b]) =>
    (started.get(b) ?? "").localeCompare(started.get(a) ?? ""),
  );
  return (
    <div className="timeline">
      {groups.map(([session, list]) => (
        <div key={session} className="timeline-session">
          <div className="timeline-session-title">
            <strong>{session ? `Session ${shortId(session)}` : "Without a session"}</strong>
            <span className="muted small">
              {started.has(session) ? `started ${dateTime(started.get(session))} · ` : ""}
              {plural(list.length, "event")}
            </span>
          </div>
          <ol>
            {list.map((e) => (
              <li key={e.id} className="timeline-item">
                <button
                  type="button"
                  className="link-button"
                  onClick={() => setOpen(open === e.id ? null : e.id)}
                >
                  <span className="timeline-time">{dateTime(e.metadata.time.insert)}</span>
                  <span className="mono">{e.type}</span>
                  {!e.metadata.valid && <Badge tone="bad">invalid</Badge>}
                </button>
                {open === e.id && <JsonView value={e} />}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </div>
  );
}

function MergeCard({ profile }: { profile: Profile }) {
  const history = mergeHistory(profile);
  return (
    <Card title="Merge history" testId="merge-history">
      {history.mergedIds.length === 0 ? (
        <p className="muted small">No profile merged into this one.</p>
      ) : (
        <>
          <p className="small">Old ids merged into this profile (they resolve to it):</p>
          <ul className="ids">
            {history.mergedIds.map((id) => (
              <li key={id} className="mono">
                {id}
              </li>
            ))}
          </ul>
        </>
      )}
      {history.mergeKeys.length > 0 && (
        <p className="small">
          Merge keys: <span className="mono">{history.mergeKeys.join(", ")}</span>
        </p>
      )}
      {history.pending.length > 0 && (
        <p className="small">Waiting for the next merge pass: {history.pending.length} key(s).</p>
      )}
      {history.skipped.map((skip) => (
        <p key={`${skip.at}-${skip.reason}`} className="small warn-text">
          Merge skipped ({skip.reason}) on {dateTime(skip.at)}
          {skip.profiles.length > 0 ? ` with ${skip.profiles.join(", ")}` : ""}
        </p>
      ))}
    </Card>
  );
}
