//! Signing in and out on the phone.
//!
//! - **Sign-in** keeps the address for next time, and says what went wrong in
//!   words a worker can act on: a wrong password, a server that cannot be
//!   reached, an address that is not a Doorstep server. Signing in again (the
//!   same worker, after a sign-out or an expired session) keeps everything on
//!   the phone: drafts, and visits not yet sent, which go at the next sync.
//! - **Sign-out** is refused while visits wait to be sent, unless the worker
//!   confirms ([`Device::sign_out_check`] gives the words for the dialog).
//!   Nothing is deleted by signing out: the token is forgotten, the data stays.

use crate::changes::DataChange;
use crate::device::{Device, DeviceError};
use crate::display;
use crate::forms::LocalizedText;
use crate::store::settings::normalize_server_url;
use crate::sync::protocol::{Account, LoginRequest};
use crate::sync::{ServerClient, SyncError};

/// What signing out now would leave behind, for the confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOutCheck {
    /// Finalized visits not yet on the server (set aside ones included).
    pub waiting: u32,
    /// Drafts on the phone (kept too).
    pub drafts: u32,
    /// Whether signing out needs the worker's confirmation.
    pub needs_confirmation: bool,
    /// What to tell her: `还有 3 次走访未上传……` or `可以安全退出`.
    pub message: LocalizedText,
}

/// What the phone says once the sign-in has expired (or the server refused
/// it): sign in again, and nothing on the phone is lost.
pub fn session_expired_text() -> LocalizedText {
    LocalizedText::new(
        "登录已过期，请重新登录。未上传的走访仍在手机上，重新登录后继续上传",
        "Your sign-in has expired: sign in again. Visits not yet sent stay on this phone and go after you sign in",
    )
}

impl Device {
    /// Logs in to `server_url` (normalized as the settings keep it: a scheme
    /// added, the trailing `/` dropped), keeps the token in the encrypted
    /// store and the address in the settings. Everything already on the phone
    /// stays. A refusal of the password is [`DeviceError::WrongPassword`]; no
    /// answer, [`DeviceError::ServerUnreachable`]; an answer that is not the
    /// Doorstep protocol, [`DeviceError::NotADoorstepServer`].
    pub async fn login(
        &self,
        server_url: &str,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Account, DeviceError> {
        let server_url = normalize_server_url(server_url).ok_or(DeviceError::BadServerAddress)?;
        let client = ServerClient::new(&server_url, None)?;
        let request = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
            device_name: device_name.to_owned(),
        };
        let login = client.login(&request).await.map_err(|e| match e {
            SyncError::Unauthorized => DeviceError::WrongPassword,
            SyncError::Network(_) => DeviceError::ServerUnreachable,
            SyncError::Protocol(_) => DeviceError::NotADoorstepServer,
            other => other.into(),
        })?;
        self.store().save_login(&server_url, &login)?;
        self.notify(DataChange::SESSION);
        Ok(login.account)
    }

    /// What signing out now would leave behind, in words.
    pub fn sign_out_check(&self) -> Result<SignOutCheck, DeviceError> {
        let (waiting, _) = self.store().visits_waiting_upload()?;
        let drafts = self.store().draft_count()?;
        let message = if waiting > 0 {
            let n = display::count(u64::from(waiting), "次走访", "visit", "visits");
            LocalizedText::new(
                format!(
                    "还有 {}未上传。退出登录后仍保存在手机上，您重新登录后会继续上传。确定退出吗？",
                    n.zh
                ),
                format!(
                    "{} not sent yet. {} stay on this phone after you sign out and go when you sign in again. Sign out anyway?",
                    n.en,
                    if waiting == 1 { "It will" } else { "They will" }
                ),
            )
        } else if drafts > 0 {
            let n = display::count(u64::from(drafts), "份草稿", "draft", "drafts");
            LocalizedText::new(
                format!("手机上有 {}，退出后仍会保留。", n.zh),
                format!("{} on this phone will be kept.", capitalized(&n.en)),
            )
        } else {
            LocalizedText::new(
                "所有走访都已上传，可以安全退出。",
                "Everything is sent; you can sign out safely.",
            )
        };
        Ok(SignOutCheck {
            waiting,
            drafts,
            needs_confirmation: waiting > 0,
            message,
        })
    }

    /// Signs out: refused with [`DeviceError::UnsentVisits`] while visits
    /// wait to be sent, unless `force` (the worker confirmed). The token is
    /// revoked on the server when it can be reached and always forgotten
    /// here; every visit and draft stays. Returns whether the server
    /// confirmed the revocation.
    pub async fn logout(&self, force: bool) -> Result<bool, DeviceError> {
        let check = self.sign_out_check()?;
        if check.needs_confirmation && !force {
            return Err(DeviceError::UnsentVisits {
                waiting: check.waiting,
            });
        }
        let Some(session) = self.store().session()? else {
            return Ok(false);
        };
        let revoked = match ServerClient::new(&session.server_url, Some(session.token)) {
            Ok(client) => client.logout().await.is_ok(),
            Err(_) => false,
        };
        self.store().clear_session()?;
        self.notify(DataChange::SESSION);
        Ok(revoked)
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
