// The History's people controls on a team's database (issue #15, "People"):
// the "Created by" filter (everyone's, mine, or one other member, from the
// members present in the database) and the explicit "Other members' too"
// choice that lets "Clear finished" and the bulk actions touch other
// members' generations (the Rust side refuses them otherwise).
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { backend } from "../backend";

/** "Created by": `value` is a member name, or null for everyone's. */
export function CreatorFilter({ me, value, onChange }: { me: string; value: string | null; onChange: (member: string | null) => void }) {
  const { t } = useTranslation();
  const [members, setMembers] = useState<string[]>([]);
  useEffect(() => {
    backend.historyMembers().then(setMembers, (e: unknown) => console.error("history_members failed", e));
  }, []);
  const others = members.filter((m) => m !== me);
  // A member filtered on whose last generation went is still offered.
  if (value !== null && value !== me && !others.includes(value)) others.push(value);
  return (
    <select className="input" aria-label={t("team.creatorFilter")} value={value ?? ""} onChange={(e) => onChange(e.target.value || null)} data-testid="creator-filter">
      <option value="">{t("team.everyone")}</option>
      <option value={me}>{t("team.mine", { member: me })}</option>
      {others.map((m) => (
        <option key={m} value={m}>
          {t("team.onlyMember", { member: m })}
        </option>
      ))}
    </select>
  );
}

/** The explicit choice to act on other members' generations too. */
export function OthersToo({ checked, onChange }: { checked: boolean; onChange: (on: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <label className="others-too small" data-testid="others-too">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>{t("team.othersToo")}</span>
    </label>
  );
}
