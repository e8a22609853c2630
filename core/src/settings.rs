//! The phone's settings as the device applies them: kept in the encrypted
//! store ([`crate::store::settings`]), and with the network the shell reports,
//! turned into what a sync may do; and the languages the forms on the phone
//! can be shown in, for the worker to choose one.
//!
//! | network | background sync | "sync now" |
//! |---|---|---|
//! | Wi-Fi | everything | everything |
//! | cellular / metered, Wi-Fi-only on | nothing (waits for Wi-Fi) | visits; photos if allowed on cellular |
//! | cellular / metered, Wi-Fi-only off | visits; photos if allowed on cellular | the same |
//! | none | nothing | nothing |

use crate::changes::DataChange;
use crate::device::{Device, DeviceError};
use crate::forms::LocalizedText;
use crate::forms::definition::{language_code, language_name};
use crate::store::settings::{Language, Settings, normalize_server_url};
use crate::sync::{Network, SyncOptions};

/// A language forms can be shown in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormLanguage {
    /// As the templates key it: `zh`, `en`, `ug`, …
    pub code: String,
    /// Its name in Chinese and English (维吾尔语 / Uyghur).
    pub name: LocalizedText,
}

/// What a sync may do on `network` with `settings`: a background sync
/// (`worker_asked` false) with Wi-Fi-only on sends nothing off Wi-Fi; a sync
/// the worker asked for retries failed items at once.
pub fn sync_options(settings: &Settings, network: Network, worker_asked: bool) -> SyncOptions {
    let held_for_wifi = settings.wifi_only_sync && !worker_asked && network != Network::Wifi;
    SyncOptions {
        network: if held_for_wifi {
            Network::Offline
        } else {
            network
        },
        photos_on_cellular: settings.photos_on_cellular,
        retry_now: worker_asked,
    }
}

impl Device {
    /// The phone's settings.
    pub fn settings(&self) -> Result<Settings, DeviceError> {
        Ok(self.store().settings()?)
    }

    /// Changes the settings with `change` and stores them; the server address
    /// is normalized first (a scheme added, the trailing `/` dropped) and a
    /// bad one is refused with nothing changed. Returns them as stored.
    pub fn update_settings(
        &self,
        change: impl FnOnce(&mut Settings),
    ) -> Result<Settings, DeviceError> {
        let mut settings = self.store().settings()?;
        change(&mut settings);
        if let Some(typed) = &settings.server_url {
            settings.server_url =
                Some(normalize_server_url(typed).ok_or(DeviceError::BadServerAddress)?);
        }
        let saved = self.store().save_settings(&settings)?;
        self.notify(DataChange::SETTINGS);
        Ok(saved)
    }

    /// Sets the app's language.
    pub fn set_language(&self, language: Language) -> Result<Settings, DeviceError> {
        self.update_settings(|s| s.language = language)
    }

    /// Sets the language forms are shown in, by code or name (`ug`,
    /// `Uyghur`, `维吾尔语` are all `ug`); `None` or a blank one shows them in
    /// the app's language again. A text a form lacks in it is shown in
    /// Chinese, then English.
    pub fn set_form_language(&self, language: Option<&str>) -> Result<Settings, DeviceError> {
        let code = language.map(language_code).filter(|c| !c.is_empty());
        self.update_settings(|s| s.form_language = code)
    }

    /// The languages the newest version of the phone's templates are written
    /// in (Chinese and English first), each with its name, for the worker to
    /// choose the forms' language from.
    pub fn form_languages(&self) -> Result<Vec<FormLanguage>, DeviceError> {
        let mut codes: Vec<String> = vec!["zh".to_owned(), "en".to_owned()];
        for id in self.template_ids()? {
            if let Ok(form) = self.templates().latest(&id) {
                for code in form.definition().languages() {
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
            }
        }
        Ok(codes
            .into_iter()
            .map(|code| FormLanguage {
                name: language_name(&code),
                code,
            })
            .collect())
    }

    /// Tells the device which network the phone is on now (the shell reports
    /// every change); the next sync and the outbox's states use it.
    pub fn set_network(&self, network: Network) {
        *self.network.write().unwrap_or_else(|p| p.into_inner()) = network;
        self.notify(DataChange::OUTBOX);
    }

    /// The network the shell last reported (Wi-Fi until it reports one).
    pub fn network(&self) -> Network {
        *self.network.read().unwrap_or_else(|p| p.into_inner())
    }

    /// What a sync started now may do (see the module docs).
    pub fn sync_options(&self, worker_asked: bool) -> Result<SyncOptions, DeviceError> {
        Ok(sync_options(
            &self.settings()?,
            self.network(),
            worker_asked,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_background_sync_waits_for_wifi_but_the_worker_can_send_on_cellular() {
        let settings = Settings::default();
        let background = sync_options(&settings, Network::Cellular, false);
        assert_eq!(background.network, Network::Offline);
        let asked = sync_options(&settings, Network::Cellular, true);
        assert_eq!(asked.network, Network::Cellular);
        assert!(asked.retry_now && !asked.photos_on_cellular);
        assert_eq!(
            sync_options(&settings, Network::Wifi, false).network,
            Network::Wifi
        );
        let anywhere = Settings {
            wifi_only_sync: false,
            photos_on_cellular: true,
            ..Settings::default()
        };
        let background = sync_options(&anywhere, Network::Metered, false);
        assert_eq!(background.network, Network::Metered);
        assert!(background.photos_on_cellular && !background.retry_now);
        assert_eq!(
            sync_options(&anywhere, Network::Offline, true).network,
            Network::Offline
        );
    }
}
