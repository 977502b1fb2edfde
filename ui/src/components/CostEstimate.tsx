// Before Create: what the request will cost ("about $0.12 for 40 images"),
// from the core's price table and the model's recent run times.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { backend } from "../backend";
import type { Estimate } from "../bindings";
import { formatUsd } from "../lib/money";
import "../styles/pages/spend.css";

type Props = { model: string; input: Record<string, unknown>; generations: number };

export function CostEstimate({ model, input, generations }: Props) {
  const { t } = useTranslation();
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const key = JSON.stringify([model, input, generations]);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      backend.estimateGeneration(model, input, generations).then(
        (e) => live && setEstimate(e),
        () => live && setEstimate(null),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // `key` stands for the three (input is a fresh object each render).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  if (!estimate || generations < 1) return null;
  const per = estimate.each.parts[0];
  const what =
    per?.unit === "image"
      ? t("spend.images", { count: estimate.images })
      : t("common.generations", { count: estimate.generations });
  return (
    <p className="spend-estimate muted small" aria-live="polite" data-testid="cost-estimate">
      {estimate.total === null ? (
        <>
          {t("spend.estimateUnknown")} <Link to="/spend">{t("spend.setPrice")}</Link>
        </>
      ) : (
        t("spend.estimate", { amount: formatUsd(estimate.total), what })
      )}
    </p>
  );
}
