//! A create refused with a 422 whose `invalid_fields` name the inputs at
//! fault: the generation fails with `input_rejected`, and its error lists each
//! field on its own line (`- input.<name>: <description>`), which the window
//! reads back onto the form's fields (`ui/src/lib/schemaValues.ts`).

use std::time::Duration;

use genqueue_core::model::{ErrorKind, GenerationStatus};
use genqueue_tests::World;
use replicate_sim::SimConfig;
use serde_json::json;

const LONG: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_422_names_each_rejected_field_on_its_own_line_and_nothing_is_created() {
    let mut w = World::new(1, SimConfig::fast()).await;
    w.start();
    // Past our own form's checks (the queue takes any input): the sim's
    // schema check refuses both values, as Replicate's does.
    let g = w.submit(
        "two wrong settings",
        json!({ "num_outputs": 9, "output_format": "tiff" }),
    );
    let g = &w.wait_terminal(&[g.id], LONG).await[0];
    assert_eq!(g.status, GenerationStatus::Failed);
    assert_eq!(g.error_kind, Some(ErrorKind::InputRejected));
    let error = g.error.as_deref().expect("an error");
    let lines: Vec<&str> = error.lines().collect();
    // One line per entry of `invalid_fields` (an enum behind `allOf` gives
    // two for its field, as gojsonschema does).
    assert!(
        lines.len() >= 2 && lines.iter().all(|l| l.starts_with("- input.")),
        "one line per invalid field: {error:?}"
    );
    assert!(
        lines.contains(&"- input.num_outputs: Must be less than or equal to 4"),
        "{error:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("- input.output_format: ") && l.contains("\"png\"")),
        "{error:?}"
    );
    assert_eq!(w.sim.stats().creates_total, 0, "no prediction was made");
    let listed = w
        .queue
        .list(&genqueue_core::store::ListQuery::default())
        .unwrap();
    assert_eq!(listed.len(), 1, "the generation stays in the list to fix");
    assert_eq!(listed[0].error.as_deref(), Some(error));
}
