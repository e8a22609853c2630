//! The settings screen: language, the language forms are shown in (any a
//! template carries: 维吾尔语, 藏语, …), the server address the sign-in screen
//! offers (kept after signing out), Wi-Fi-only sync and photos on cellular —
//! all kept in the encrypted database, so they survive a restart.

use crate::error::DoorstepError;
use crate::session::Doorstep;
use doorstep_core::settings::FormLanguage;
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
    /// The code of the language forms are shown in (`ug`, `bo`, …, one of
    /// `form_languages`); `None` shows them in `language`.
    #[uniffi(default)]
    pub form_language: Option<String>,
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

/// A language the forms on the phone can be shown in.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FormLanguageView {
    /// Pass this to `set_form_language`.
    pub code: String,
    /// Its name: 维吾尔语 / Uyghur.
    pub name_zh: String,
    pub name_en: String,
}

impl From<FormLanguage> for FormLanguageView {
    fn from(l: FormLanguage) -> Self {
        Self {
            code: l.code,
            name_zh: l.name.zh,
            name_en: l.name.en,
        }
    }
}

impl From<Settings> for SettingsView {
    fn from(s: Settings) -> Self {
        Self {
            language: s.language.into(),
            form_language: s.form_language,
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

    /// The languages the phone's templates are written in (中文 and English
    /// first), to offer as the forms' language.
    pub fn form_languages(&self) -> Result<Vec<FormLanguageView>, DoorstepError> {
        Ok(self
            .device()
            .form_languages()?
            .into_iter()
            .map(FormLanguageView::from)
            .collect())
    }

    /// Sets the language forms are shown in, by code (`ug`) or name
    /// (`Uyghur`, `维吾尔语`); `None` shows them in the app's language. A
    /// text a form lacks in it is shown in Chinese, then English.
    pub fn set_form_language(
        &self,
        language: Option<String>,
    ) -> Result<SettingsView, DoorstepError> {
        Ok(self.device().set_form_language(language.as_deref())?.into())
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
