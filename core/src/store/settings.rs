//! The phone's settings, kept in the encrypted store so they survive a restart
//! and a sign-out: the language of the app, the language forms are shown in
//! when a community's templates carry one beyond Chinese and English (ug, bo,
//! …), the server address the sign-in
//! screen offers, whether a background sync waits for Wi-Fi, and whether photos
//! may go over cellular. Also when the last sync succeeded, for the home screen.
//!
//! The network the phone is on is not a setting: the shell reports it as it
//! changes ([`crate::device::Device::set_network`]).

use super::Store;
use super::error::{Result, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::params;

/// The language the app speaks. The core gives every text in both; the
/// shells show the one chosen here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Language {
    /// 中文 (the default).
    #[default]
    Zh,
    En,
}

impl Language {
    /// The stored code: `zh` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    fn parse(code: &str) -> Self {
        if code == "en" { Self::En } else { Self::Zh }
    }
}

/// The phone's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub language: Language,
    /// The language the forms' labels, hints and choices are shown in, by
    /// code (`ug`, `bo`, …, as the templates key them); `None` (the default)
    /// shows them in the app's language. A text a form lacks in it is shown
    /// in Chinese, then English.
    pub form_language: Option<String>,
    /// The last server signed in to (kept after signing out); `None` before
    /// the first sign-in.
    pub server_url: Option<String>,
    /// A background sync runs only on Wi-Fi (default: yes). A sync the worker
    /// asks for runs on any network.
    pub wifi_only_sync: bool,
    /// Photos may go over cellular or metered networks (default: no).
    pub photos_on_cellular: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            language: Language::Zh,
            form_language: None,
            server_url: None,
            wifi_only_sync: true,
            photos_on_cellular: false,
        }
    }
}

impl Settings {
    /// The code of the language forms are shown in: the form language when
    /// one is chosen, else the app's.
    pub fn form_language_code(&self) -> &str {
        self.form_language
            .as_deref()
            .unwrap_or(self.language.as_str())
    }
}

/// The longest form language code kept (BCP 47 allows 35 characters; a
/// template may key an unknown language by its own name).
pub const MAX_FORM_LANGUAGE_CHARS: usize = 64;

/// When the phone last reached the server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    /// The end of the last sync or pull that completed.
    pub last_success_at: Option<DateTime<Utc>>,
    /// The end of the last sync or pull, whether it completed or not.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The stable code of the last attempt's failure; `None` when it succeeded.
    pub last_error: Option<String>,
}

/// The server address as it is stored: `http` or `https` (added when the
/// worker typed none), a host, maybe a port and a path, no trailing `/`.
/// `None` when `typed` is not such an address.
pub fn normalize_server_url(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.is_empty() || typed.chars().any(char::is_whitespace) {
        return None;
    }
    let with_scheme = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("https://{typed}")
    };
    let url = reqwest::Url::parse(&with_scheme).ok()?;
    let fine = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    fine.then(|| url.as_str().trim_end_matches('/').to_owned())
}

impl Store {
    /// The phone's settings.
    pub fn settings(&self) -> Result<Settings> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT language, server_url, wifi_only_sync, photos_on_cellular, form_language
                 FROM phone_settings WHERE id = 1",
                [],
                |r| {
                    Ok(Settings {
                        language: Language::parse(&r.get::<_, String>(0)?),
                        form_language: r.get(4)?,
                        server_url: r.get(1)?,
                        wifi_only_sync: r.get(2)?,
                        photos_on_cellular: r.get(3)?,
                    })
                },
            )?)
        })
    }

    /// Stores every setting at once (the server address must already be
    /// normalized by [`normalize_server_url`], a form language must be a
    /// non-empty code of at most [`MAX_FORM_LANGUAGE_CHARS`]); returns them as
    /// stored.
    pub fn save_settings(&self, settings: &Settings) -> Result<Settings> {
        if let Some(url) = &settings.server_url
            && normalize_server_url(url).as_deref() != Some(url.as_str())
        {
            return Err(StoreError::Invalid(
                "the server address is not valid".into(),
            ));
        }
        if let Some(code) = &settings.form_language
            && (code.trim().is_empty()
                || code.trim() != code
                || code.chars().count() > MAX_FORM_LANGUAGE_CHARS)
        {
            return Err(StoreError::Invalid("the form language is not valid".into()));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE phone_settings SET language = ?1, server_url = ?2, wifi_only_sync = ?3,
                     photos_on_cellular = ?4, form_language = ?5 WHERE id = 1",
                params![
                    settings.language.as_str(),
                    settings.server_url,
                    settings.wifi_only_sync,
                    settings.photos_on_cellular,
                    settings.form_language
                ],
            )?;
            Ok(())
        })?;
        self.settings()
    }

    /// The visit the worker had open and where in it she was, as the visit
    /// screen saved it (JSON), if any.
    pub fn open_visit_place(&self) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT open_visit FROM phone_settings WHERE id = 1",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// Remembers the visit the worker has open and where in it she is.
    pub fn set_open_visit_place(&self, place: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE phone_settings SET open_visit = ?1 WHERE id = 1",
                [place],
            )?;
            Ok(())
        })
    }

    /// When the phone last reached the server.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.read(|conn| {
            let (success, attempt, error): (Option<String>, Option<String>, Option<String>) = conn
                .query_row(
                    "SELECT last_success_at, last_attempt_at, last_error FROM sync_status WHERE id = 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?;
            let time = |t: Option<String>| -> Result<Option<DateTime<Utc>>> {
                t.map(|t| {
                    DateTime::parse_from_rfc3339(&t)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| StoreError::Invalid("a stored sync time is malformed".into()))
                })
                .transpose()
            };
            Ok(SyncStatus {
                last_success_at: time(success)?,
                last_attempt_at: time(attempt)?,
                last_error: error,
            })
        })
    }

    /// Records the end of a sync or pull at `at`: a success, or the stable
    /// code of its failure (never personal data).
    pub fn record_sync(&self, at: DateTime<Utc>, failure: Option<&str>) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_status SET last_attempt_at = ?1, last_error = ?2,
                     last_success_at = CASE WHEN ?2 IS NULL THEN ?1 ELSE last_success_at END
                 WHERE id = 1",
                params![at.to_rfc3339(), failure],
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_address_gets_a_scheme_and_loses_its_trailing_slash() {
        assert_eq!(
            normalize_server_url(" doorstep.example.cn/ ").as_deref(),
            Some("https://doorstep.example.cn")
        );
        assert_eq!(
            normalize_server_url("http://10.0.2.2:8080").as_deref(),
            Some("http://10.0.2.2:8080")
        );
        assert_eq!(
            normalize_server_url("HTTPS://Doorstep.Example.cn/api/").as_deref(),
            Some("https://doorstep.example.cn/api")
        );
        for bad in [
            "",
            "   ",
            "ftp://doorstep.example.cn",
            "http://",
            "https://user:pw@doorstep.example.cn",
            "https://doorstep.example.cn/?x=1",
            "door step.cn",
        ] {
            assert_eq!(normalize_server_url(bad), None, "{bad:?}");
        }
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::create(
            &dir.path().join("s.db"),
            &super::super::DatabaseKey::generate(),
        )
        .unwrap();
        (dir, store)
    }

    #[test]
    fn settings_start_chinese_on_wifi_without_photos_on_cellular_and_are_kept() {
        let (_dir, store) = store();
        assert_eq!(store.settings().unwrap(), Settings::default());
        let chosen = Settings {
            language: Language::En,
            form_language: Some("bo".into()),
            server_url: Some("https://doorstep.example.cn".into()),
            wifi_only_sync: false,
            photos_on_cellular: true,
        };
        assert_eq!(store.save_settings(&chosen).unwrap(), chosen);
        let bad = Settings {
            server_url: Some("not a url".into()),
            ..chosen.clone()
        };
        assert!(store.save_settings(&bad).is_err());
        for language in ["", " ug", &"x".repeat(MAX_FORM_LANGUAGE_CHARS + 1)] {
            let bad = Settings {
                form_language: Some(language.to_owned()),
                ..chosen.clone()
            };
            assert!(store.save_settings(&bad).is_err(), "{language:?}");
        }
        assert_eq!(
            store.settings().unwrap(),
            chosen,
            "nothing of a refused save"
        );
    }

    #[test]
    fn a_failed_sync_keeps_the_last_success() {
        let (_dir, store) = store();
        assert_eq!(store.sync_status().unwrap(), SyncStatus::default());
        let t1 = DateTime::parse_from_rfc3339("2026-12-05T06:05:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let t2 = t1 + chrono::Duration::hours(2);
        store.record_sync(t1, None).unwrap();
        store.record_sync(t2, Some("network")).unwrap();
        assert_eq!(
            store.sync_status().unwrap(),
            SyncStatus {
                last_success_at: Some(t1),
                last_attempt_at: Some(t2),
                last_error: Some("network".into()),
            }
        );
    }
}
