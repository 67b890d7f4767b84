import { useEffect, useState } from "react";
import { Route, Routes } from "react-router-dom";
import { Layout } from "./components/Layout";
import { onUnauthorized } from "./lib/api";
import { adminSession } from "./lib/session";
import { DestinationsPage } from "./pages/Destinations";
import { EventsPage } from "./pages/Events";
import { FlowsPage } from "./pages/Flows";
import { LoginPage } from "./pages/Login";
import { MonitoringPage } from "./pages/Monitoring";
import { OverviewPage } from "./pages/Overview";
import { ProfilePage } from "./pages/Profile";
import { ProfilesPage } from "./pages/Profiles";
import { SessionsPage } from "./pages/Sessions";
import { SourcesPage } from "./pages/Sources";

export function App() {
  const [signedIn, setSignedIn] = useState(() => adminSession.token() !== null);
  useEffect(
    () =>
      onUnauthorized(() => {
        adminSession.clear();
        setSignedIn(false);
      }),
    [],
  );
  if (!signedIn) return <LoginPage onLogin={() => setSignedIn(true)} />;
  const logout = () => {
    adminSession.clear();
    setSignedIn(false);
  };
  return (
    <Layout onLogout={logout}>
      <Routes>
        <Route path="/" element={<OverviewPage />} />
        <Route path="/sources" element={<SourcesPage />} />
        <Route path="/events" element={<EventsPage />} />
        <Route path="/profiles" element={<ProfilesPage />} />
        <Route path="/profiles/:id" element={<ProfilePage />} />
        <Route path="/sessions" element={<SessionsPage />} />
        <Route path="/flows" element={<FlowsPage />} />
        <Route path="/destinations" element={<DestinationsPage />} />
        <Route path="/monitoring" element={<MonitoringPage />} />
        <Route path="*" element={<OverviewPage />} />
      </Routes>
    </Layout>
  );
}
