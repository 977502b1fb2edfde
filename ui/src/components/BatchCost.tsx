// What a batch cost, summed by the store (batch_spend): "Batch of 40: $0.09
// + about $0.03 to come", read again when one of its generations is queued
// or ends. Retried attempts count too: their runs were paid for.
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { backend } from "../backend";
import { costChanges, totalText, useSpendTotal } from "../lib/spendTotals";

/** `named`: "Batch of 40: …" (the dropdown); otherwise "Cost: …" (inside the batch's own panel). */
export function BatchCost({ batchId, className, named = false }: { batchId: string; className?: string; named?: boolean }) {
  const { t } = useTranslation();
  const relevant = useMemo(() => costChanges(batchId), [batchId]);
  const total = useSpendTotal(() => backend.batchSpend(batchId), batchId, relevant);
  if (!total) return null;
  return (
    <span className={className} data-testid="batch-cost">
      {named ? t("spend.batchCostOf", { count: total.generations, amount: totalText(total) }) : t("spend.historyCost", { amount: totalText(total) })}
    </span>
  );
}
