// Settings → Team queue: the team database's address (no password), the
// password (sent once to the OS keyring, never shown back), the member name,
// "Test connection" (what is wrong, in the window's language), Join and
// Leave. Join and Leave reopen the app's queue on the other store; the
// window then loads everything afresh (lib/queueEpoch.ts).
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { backend, toBackendError, type BackendError } from "../backend";
import type { CheckOutcome, ConnectionCheck, TeamInfo } from "../bindings";
import { queueReopened } from "../lib/queueEpoch";
import { ErrorNotice } from "./ErrorNotice";

/** A libpq URL (postgres:// or postgresql://) or key=value text; checked again in Rust. */
const ADDRESS = /^(postgres(ql)?:\/\/\S+|\S+=\S+(\s+\S+=\S+)*)$/;
/** A password inside the URL's user part, or a password= pair. */
const HAS_PASSWORD = /^postgres(ql)?:\/\/[^/@:]*:[^@]*@|(^|\s)password=/;

/** The outcome of a test, in the window's language. */
export function outcomeText(t: ReturnType<typeof useTranslation>["t"], o: CheckOutcome): string {
  switch (o.kind) {
    case "ready":
      if (o.schema === 0) return t("team.outcome.ready_empty");
      if (o.schema < o.supported) return t("team.outcome.ready_older", { schema: o.schema, supported: o.supported });
      return t("team.outcome.ready", { schema: o.schema });
    case "too_new":
      return t("team.outcome.too_new", { found: o.found, supported: o.supported });
    case "bad_password":
    case "password_needed":
    case "no_database":
      return t(`team.outcome.${o.kind}`);
    default:
      return t(`team.outcome.${o.kind}`, { reason: o.reason });
  }
}

export function TeamSection() {
  const { t } = useTranslation();
  const [info, setInfo] = useState<TeamInfo | null>(null);
  const [address, setAddress] = useState("");
  const [password, setPassword] = useState("");
  const [member, setMember] = useState("");
  const [problem, setProblem] = useState<{ address?: string; member?: string }>({});
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState<BackendError | null>(null);
  const [busy, setBusy] = useState<"test" | "join" | "leave" | null>(null);
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    let live = true;
    backend.teamInfo().then(
      (i) => {
        if (!live) return;
        setInfo(i);
        setAddress(i.setting?.database_url ?? "");
        setMember(i.setting?.member ?? i.member ?? i.default_member);
      },
      (e: unknown) => live && setError(toBackendError(e)),
    );
    return () => {
      live = false;
    };
  }, []);

  /** Checks the form; the tidy address and member, or null after marking what is wrong. */
  const valid = (): { url: string; name: string } | null => {
    const url = address.trim();
    const name = member.trim();
    const next: typeof problem = {};
    if (!ADDRESS.test(url)) next.address = t("team.badAddress");
    else if (HAS_PASSWORD.test(url)) next.address = t("team.passwordInAddress");
    if (name.length === 0 || [...name].length > 64) next.member = t("team.badMember");
    setProblem(next);
    return next.address || next.member ? null : { url, name };
  };

  const test = async () => {
    const v = valid();
    if (!v) return;
    setBusy("test");
    setError(null);
    setCheck(null);
    try {
      setCheck(await backend.testTeamConnection(v.url, password));
    } catch (e) {
      setError(toBackendError(e));
    } finally {
      setBusy(null);
    }
  };

  const join = async (e: FormEvent) => {
    e.preventDefault();
    const v = valid();
    if (!v) return;
    setBusy("join");
    setError(null);
    setCheck(null);
    try {
      // Test first, so that a problem is said in the window's language.
      const found = await backend.testTeamConnection(v.url, password);
      if (found.outcome.kind !== "ready") {
        setCheck(found);
        return;
      }
      setInfo(await backend.joinTeam(v.url, password, v.name));
      setPassword("");
      queueReopened();
    } catch (err) {
      setError(toBackendError(err));
    } finally {
      setBusy(null);
    }
  };

  const leave = async () => {
    setAsking(false);
    setBusy("leave");
    setError(null);
    try {
      setInfo(await backend.leaveTeam());
      setPassword("");
      queueReopened();
    } catch (err) {
      setError(toBackendError(err));
    } finally {
      setBusy(null);
    }
  };

  const locked = info === null || info.from_env || busy !== null;
  const ok = check?.outcome.kind === "ready";

  return (
    <section className="card settings-section team" aria-labelledby="settings-team" data-testid="team-section">
      <h2 id="settings-team">{t("team.title")}</h2>
      <p className="field-help">{t("team.lede")}</p>
      {info?.start_error && (
        <div className="notice notice-error" role="alert" data-testid="team-start-error">
          <span>{t("team.startError", { message: info.start_error })}</span>
        </div>
      )}
      {info && (
        <p className="team-status" data-testid="team-status">
          {info.from_env ? (
            t("team.fromEnv", { database: info.active ?? "" })
          ) : info.active ? (
            <>
              <span className="badge badge-ok">{t("team.joinedBadge")}</span> {t("team.active", { database: info.active, member: info.member ?? "" })}
            </>
          ) : (
            t("team.own")
          )}
        </p>
      )}
      <ErrorNotice error={error} onDismiss={() => setError(null)} />

      <form className="settings-form-group" onSubmit={(e) => void join(e)} noValidate>
        <div className={`field${problem.address ? " field-invalid" : ""}`}>
          <label htmlFor="team-address" className="field-label">
            {t("team.address")}
          </label>
          <input
            id="team-address"
            className="input input-mono"
            value={address}
            placeholder="postgres://user@host:5432/genqueue"
            spellCheck={false}
            autoComplete="off"
            disabled={locked}
            aria-describedby="team-address-help"
            onChange={(e) => setAddress(e.target.value)}
          />
          <p id="team-address-help" className="field-help">
            {problem.address ? <span className="field-error">{problem.address}</span> : t("team.addressHelp")}
          </p>
        </div>
        <div className="field">
          <label htmlFor="team-password" className="field-label">
            {t("team.password")}
          </label>
          <input
            id="team-password"
            className="input input-mono"
            type="password"
            value={password}
            autoComplete="off"
            disabled={locked}
            aria-describedby="team-password-help"
            onChange={(e) => setPassword(e.target.value)}
          />
          <p id="team-password-help" className="field-help">
            {info?.password_set ? t("team.passwordKept") : t("team.passwordHelp")}
          </p>
        </div>
        <div className={`field${problem.member ? " field-invalid" : ""}`}>
          <label htmlFor="team-member" className="field-label">
            {t("team.member")}
          </label>
          <input id="team-member" className="input" value={member} maxLength={64} disabled={locked} aria-describedby="team-member-help" onChange={(e) => setMember(e.target.value)} />
          <p id="team-member-help" className="field-help">
            {problem.member ? <span className="field-error">{problem.member}</span> : t("team.memberHelp", { machine: info?.machine || "?" })}
          </p>
        </div>
        {check && (
          <div className={`notice ${ok ? "notice-info" : "notice-error"}`} role="status" data-testid="team-check">
            <span>{outcomeText(t, check.outcome)}</span>
          </div>
        )}
        <div className="settings-save">
          <button type="button" className="btn" disabled={locked} onClick={() => void test()}>
            {busy === "test" ? t("team.testing") : t("team.test")}
          </button>
          <button type="submit" className="btn btn-primary" disabled={locked}>
            {busy === "join" ? t("team.joining") : info?.active && !info.from_env ? t("team.rejoin") : t("team.join")}
          </button>
          {info?.active && !info.from_env && !asking && (
            <button type="button" className="btn btn-danger" disabled={locked} onClick={() => setAsking(true)}>
              {t("team.leave")}
            </button>
          )}
        </div>
        {asking && (
          <div className="confirm" role="group" aria-label={t("team.leave")}>
            <span className="small">{t("team.leaveConfirm")}</span>
            <button type="button" className="btn btn-danger btn-sm" disabled={locked} onClick={() => void leave()}>
              {t("team.leave")}
            </button>
            <button type="button" className="btn btn-ghost btn-sm" onClick={() => setAsking(false)}>
              {t("common.cancel")}
            </button>
          </div>
        )}
      </form>
    </section>
  );
}
