//! One notification when a budget holds the queue: the dispatcher gives the
//! first waiting generation the budget's wait reason once per hold; this
//! keeps the shell from repeating itself if the reason moves to another
//! generation (the first was cancelled) within the same hold. Saving the
//! spend settings ends the hold, so a later one notifies again.

use chrono::{DateTime, Utc};
use genqueue_core::events::Event;
use genqueue_core::model::GenerationStatus;
use genqueue_core::wait::{WaitCode, WaitReason};

/// Whether a wait reason is a budget's.
pub fn is_budget(code: WaitCode) -> bool {
    matches!(
        code,
        WaitCode::DailyBudget | WaitCode::MonthlyBudget | WaitCode::TokenBudgets
    )
}

/// Follows events; says when to notify.
#[derive(Debug, Default)]
pub struct BudgetNotice {
    last: Option<(WaitCode, Option<DateTime<Utc>>)>,
}

impl BudgetNotice {
    /// The hold to announce, if `ev` starts one not announced yet.
    pub fn on_event(&mut self, ev: &Event) -> Option<WaitReason> {
        match ev {
            Event::GenerationChanged(g) if g.status == GenerationStatus::Pending => {
                let w = g.wait_reason.as_ref().filter(|w| is_budget(w.code))?;
                let key = (w.code, w.until);
                if self.last == Some(key) {
                    return None;
                }
                self.last = Some(key);
                Some(w.clone())
            }
            Event::SpendChanged => {
                self.last = None;
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genqueue_core::model::GenerationSummary;

    fn held(code: WaitCode) -> Event {
        let mut g: GenerationSummary = serde_json::from_value(serde_json::json!({
            "id": "0192f0e0-0000-7000-8000-000000000001", "model_name": "a/b", "status": "pending",
            "created_at": "2026-05-01T00:00:00Z", "output_urls": [], "output_files": [],
            "prompt_excerpt": "x", "started_at": null, "completed_at": null, "viewed": false,
            "progress": null, "replicate_status": null, "error": null, "error_kind": null,
            "wait_reason": null, "next_attempt_at": null, "priority": 0, "batch_id": null, "retried_from": null
        }))
        .unwrap();
        g.wait_reason = Some(WaitReason::new(code).detail("$5.00"));
        Event::GenerationChanged(Box::new(g))
    }

    #[test]
    fn a_hold_is_announced_once_until_the_budgets_change() {
        let mut n = BudgetNotice::default();
        assert!(n.on_event(&held(WaitCode::DailyBudget)).is_some());
        assert!(n.on_event(&held(WaitCode::DailyBudget)).is_none());
        assert!(n.on_event(&held(WaitCode::AllBusy)).is_none());
        assert!(n.on_event(&held(WaitCode::MonthlyBudget)).is_some());
        assert!(n.on_event(&Event::SpendChanged).is_none());
        assert!(n.on_event(&held(WaitCode::MonthlyBudget)).is_some());
    }
}
