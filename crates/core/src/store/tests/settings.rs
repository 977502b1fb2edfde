//! Settings: defaults, round-trip, tolerance of old and foreign values, validation.

use super::{file_store, on_both};
use crate::settings::{
    LanguageChoice, NotifyMode, SETTINGS_KEY, Settings, SettingsError, ThemeChoice,
};

#[test]
fn settings_default_when_nothing_is_stored() {
    on_both(|store| {
        let s = store.settings().unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.notifications, NotifyMode::Unfocused);
        assert!(s.notify_queue_finished && !s.start_paused_after_crash);
        assert_eq!(
            (s.output_folder, s.api_base, s.retention_days),
            (None, None, None)
        );
    });
}

#[test]
fn settings_round_trip_through_the_file() {
    let (dir, store) = file_store();
    let out = dir.path().join("elsewhere");
    let s = Settings {
        notifications: NotifyMode::Never,
        notify_queue_finished: false,
        output_folder: Some(format!("  {}  ", out.display())),
        api_base: Some("https://proxy.example/v1/".into()),
        retention_days: Some(30),
        theme: ThemeChoice::Dark,
        language: LanguageChoice::Ru,
        start_paused_after_crash: true,
        start_deadline_minutes: 30,
        telegram: crate::settings::TelegramSettings {
            chat_id: Some("-100123".into()),
            send_completed: false,
            send_failed: true,
            send_queue_finished: false,
            api_base: Some("http://127.0.0.1:8081".into()),
        },
    }
    .validated()
    .unwrap();
    assert_eq!(s.output_folder.as_deref(), Some(out.to_str().unwrap()));
    assert!(out.is_dir(), "the folder is created");
    assert_eq!(s.api_base.as_deref(), Some("https://proxy.example/v1"));
    store.set_settings(&s).unwrap();
    let path = store.path().unwrap().to_owned();
    drop(store);
    let store = crate::store::Store::open(&path).unwrap();
    assert_eq!(store.settings().unwrap(), s);
}

#[test]
fn missing_and_unknown_fields_read_as_defaults() {
    on_both(|store| {
        store
            .set_setting(SETTINGS_KEY, r#"{"theme":"light","from_the_future":1}"#)
            .unwrap();
        let s = store.settings().unwrap();
        assert_eq!(s.theme, ThemeChoice::Light);
        assert_eq!(s.notifications, NotifyMode::Unfocused);
        store.set_setting(SETTINGS_KEY, "not json").unwrap();
        assert_eq!(store.settings().unwrap(), Settings::default());
    });
}

#[test]
fn bad_settings_are_refused_with_a_reason() {
    let bad = |f: &dyn Fn(&mut Settings)| {
        let mut s = Settings::default();
        f(&mut s);
        s.validated().unwrap_err()
    };
    assert!(matches!(
        bad(&|s| s.output_folder = Some("relative/dir".into())),
        SettingsError::RelativeOutputFolder(_)
    ));
    assert!(matches!(
        bad(&|s| s.api_base = Some("ftp://x".into())),
        SettingsError::BadApiBase(_)
    ));
    assert!(matches!(
        bad(&|s| s.api_base = Some("not a url".into())),
        SettingsError::BadApiBase(_)
    ));
    assert!(matches!(
        bad(&|s| s.retention_days = Some(0)),
        SettingsError::BadRetention(0)
    ));
    // A time-to-start deadline under a minute would cancel cold boots.
    assert!(matches!(
        bad(&|s| s.start_deadline_minutes = 0),
        SettingsError::BadStartDeadline(_)
    ));
    // Blank strings mean "default".
    let s = Settings {
        output_folder: Some("  ".into()),
        api_base: Some("".into()),
        ..Settings::default()
    }
    .validated()
    .unwrap();
    assert_eq!((s.output_folder, s.api_base), (None, None));
}

#[test]
fn output_paths_are_relative_inside_the_data_dir_and_absolute_outside() {
    use crate::paths::{resolve_output_path, stored_output_path};
    use std::path::Path;
    let data = Path::new("/data/gq");
    assert_eq!(
        stored_output_path(data, &data.join("outputs").join("x").join("0.png")),
        "outputs/x/0.png"
    );
    assert_eq!(
        stored_output_path(data, Path::new("/pictures/x/0.png")),
        "/pictures/x/0.png"
    );
    assert_eq!(
        resolve_output_path(data, "outputs/x/0.png"),
        data.join("outputs/x/0.png")
    );
    assert_eq!(
        resolve_output_path(data, "/pictures/x/0.png"),
        Path::new("/pictures/x/0.png")
    );
}
