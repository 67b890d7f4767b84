import type { ReactNode } from "react";
import { NavLink } from "react-router-dom";

const NAV: { to: string; label: string; icon: string }[] = [
  { to: "/", label: "Overview", icon: "◉" },
  { to: "/sources", label: "Event sources", icon: "⇥" },
  { to: "/events", label: "Events", icon: "≡" },
  { to: "/profiles", label: "Profiles", icon: "☺" },
  { to: "/sessions", label: "Sessions", icon: "◷" },
  { to: "/flows", label: "Flows & rules", icon: "⋔" },
  { to: "/destinations", label: "Destinations", icon: "➚" },
  { to: "/monitoring", label: "Monitoring", icon: "⚑" },
];

export function Layout({ children, onLogout }: { children: ReactNode; onLogout: () => void }) {
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-mark">T</span>
          <div>
            <strong>Tracardi</strong>
            <small>console</small>
          </div>
        </div>
        <nav>
          {NAV.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.to === "/"} className="nav-link">
              <span className="nav-icon" aria-hidden>
                {item.icon}
              </span>
              {item.label}
            </NavLink>
          ))}
        </nav>
        <button type="button" className="logout" onClick={onLogout}>
          Log out
        </button>
      </aside>
      <main className="content">{children}</main>
    </div>
  );
}
