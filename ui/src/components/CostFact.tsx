// A result's cost: the final figure once its prediction ended (with how it
// was counted), else the estimate made when it was queued; unknown says so.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { i18n } from "../i18n";
import { backend } from "../backend";
import type { CostPart, Generation, GenerationSpend } from "../bindings";
import { formatRate, formatUsd } from "../lib/money";

function partText(p: CostPart): string {
  const t = i18n.t.bind(i18n);
  const q = p.quantity_milli / 1000;
  if (p.unit === "image") return `${t("spend.images", { count: q })} × ${formatRate(p.rate)}`;
  if (p.unit === "second") return `${q.toFixed(2)} s × ${formatRate(p.rate)}/s${p.hardware ? ` (${p.hardware})` : ""}`;
  return `${q} × ${formatRate(p.rate)}`;
}

export function CostFact({ generation: g }: { generation: Generation }) {
  const { t } = useTranslation();
  const [spend, setSpend] = useState<GenerationSpend | null>(null);
  useEffect(() => {
    let live = true;
    backend.generationSpend([g.id]).then(
      (rows) => live && setSpend(rows[0] ?? null),
      () => live && setSpend(null),
    );
    return () => {
      live = false;
    };
  }, [g.id, g.status]);
  if (!spend) return null;
  const ended = spend.ended;
  const amount = ended ? spend.final : spend.estimate;
  const parts = ended ? spend.final_parts : spend.estimate_parts;
  return (
    <dl className="facts" data-testid="cost">
      <dt>{t("spend.cost")}</dt>
      <dd>
        {ended ? formatUsd(amount) : t("spend.estimated", { amount: formatUsd(amount) })}
        {amount !== null && parts.length > 0 && <span className="muted small"> · {parts.map(partText).join(" + ")}</span>}
      </dd>
    </dl>
  );
}
