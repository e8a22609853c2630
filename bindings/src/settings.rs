//! The settings screen: language, the server address the sign-in screen
//! offers (kept after signing out), Wi-Fi-only sync and photos on cellular —
//! all kept in the encrypted database, so they survive a restart.

use crate::error::DoorstepError;
use crate::session::Doorstep;
use doorstep_core::store::settings::{Language, Settings};

/// The language the app speaks; every text of the core comes in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppLanguage {
    /// 中文 (the default).
    Zh,
    En,
}

/// The phone's settings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SettingsView {
    pub language: AppLanguage,
    /// The last server signed in to, or typed here; `None` before either.
    pub server_url: Option<String>,
    /// A background sync runs only on Wi-Fi (default: on); "sync now" runs
    /// on any network.
    pub wifi_only_sync: bool,
    /// Photos may go over cellular or metered networks (default: off).
    pub photos_on_cellular: bool,
}

impl From<Language> for AppLanguage {
    fn from(l: Language) -> Self {
        match l {
            Language::Zh => Self::Zh,
            Language::En => Self::En,
        }
    }
}

impl From<AppLanguage> for Language {
    fn from(l: AppLanguage) -> Self {
        match l {
            AppLanguage::Zh => Self::Zh,
            AppLanguage::En => Self::En,
        }
    }
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        Self {
            language: s.language.into(),
            server_url: s.server_url,
            wifi_only_sync: s.wifi_only_sync,
            photos_on_cellular: s.photos_on_cellular,
        }
    }
}

#[uniffi::export]
impl Doorstep {
    /// The phone's settings.
    pub fn settings(&self) -> Result<SettingsView, DoorstepError> {
        Ok(self.device().settings()?.into())
    }

    /// Sets the app's language; returns the settings as stored.
    pub fn set_language(&self, language: AppLanguage) -> Result<SettingsView, DoorstepError> {
        Ok(self.device().set_language(language.into())?.into())
    }

    /// Sets the server address the sign-in screen offers (signing in sets it
    /// too). A scheme is added when none was typed (`https://`), a trailing
    /// `/` dropped; an address that is not http(s) is refused with
    /// `bad_server_address` and nothing changes.
    pub fn set_server_url(&self, server_url: String) -> Result<SettingsView, DoorstepError> {
        Ok(self
            .device()
            .update_settings(|s| s.server_url = Some(server_url))?
            .into())
    }

    /// Whether a background sync waits for Wi-Fi (default: yes).
    pub fn set_wifi_only_sync(&self, wifi_only: bool) -> Result<SettingsView, DoorstepError> {
        Ok(self
            .device()
            .update_settings(|s| s.wifi_only_sync = wifi_only)?
            .into())
    }

    /// Whether photos may be sent over cellular or metered networks (default: no).
    pub fn set_photos_on_cellular(&self, allowed: bool) -> Result<SettingsView, DoorstepError> {
        Ok(self
            .device()
            .update_settings(|s| s.photos_on_cellular = allowed)?
            .into())
    }
}
