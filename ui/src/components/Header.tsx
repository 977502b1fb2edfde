import { NavLink } from "react-router";
import { backend } from "../backend";
import { useApp } from "../context/AppContext";
import { LogoMark, PlayIcon } from "./icons";
import { QueueCounter } from "./QueueCounter";

/** The window header: name, Demo badge, navigation, paused state and the ⟳ N counter. */
export function Header({ minimal = false }: { minimal?: boolean }) {
  const { info, setInfo } = useApp();
  const resume = () => {
    backend.resumeQueue().then(
      () => info && setInfo({ ...info, paused: false }),
      (error: unknown) => console.error("resume_queue failed", error),
    );
  };
  return (
    <header className="header">
      <div className="brand">
        <LogoMark />
        <span className="brand-name">Genqueue</span>
        {info?.demo && (
          <span className="badge badge-demo" title="Offline demo: a simulated Replicate on this computer, no real tokens or credit used">
            Demo
          </span>
        )}
      </div>
      {!minimal && (
        <nav className="nav" aria-label="Main">
          <NavLink to="/" end>
            Create
          </NavLink>
          <NavLink to="/history">History</NavLink>
          <NavLink to="/tokens">Tokens</NavLink>
        </nav>
      )}
      <div className="header-end">
        {info?.paused && (
          <button type="button" className="pill pill-paused" onClick={resume} title="The queue is paused: nothing new is sent. Click to resume.">
            <PlayIcon /> Paused — resume
          </button>
        )}
        {!minimal && <QueueCounter />}
      </div>
    </header>
  );
}
