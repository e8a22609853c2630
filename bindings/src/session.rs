//! The `Doorstep` object: the device database opened with the key from the
//! Android Keystore / iOS Keychain, and who is signed in.
//!
//! One `Doorstep` per app. Every method may be called from any thread; calls
//! that touch the network are `async`. The other domains add their methods to
//! the same object: [`crate::households`], [`crate::visit`], [`crate::sync`].

use crate::error::DoorstepError;
use doorstep_core::device::Device;
use doorstep_core::store::households::GridInfo;
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::protocol::{Account, Role};
use std::path::Path;
use std::sync::Arc;

/// The file name of the device database inside the app's directory.
const DATABASE_FILE: &str = "doorstep.db";

/// The app's handle on the core.
#[derive(uniffi::Object)]
pub struct Doorstep {
    /// Shared by the screens and the sync, which runs on a thread of its own;
    /// templates a sync brings become usable in place.
    device: Arc<Device>,
}

/// What signing out now would leave behind.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SignOutCheckView {
    /// Finalized visits not yet on the server.
    pub waiting: u32,
    /// Drafts on the phone (kept too).
    pub drafts: u32,
    /// Whether to ask before signing out (then call `logout(true)`).
    pub needs_confirmation: bool,
    /// `还有 3 次走访未上传。……确定退出吗？` or `所有走访都已上传，可以安全退出。`
    pub message_zh: String,
    pub message_en: String,
}

/// A grid the signed-in worker works in.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GridView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub community: String,
    pub subdistrict: String,
}

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum UserRole {
    Worker,
    Supervisor,
    Admin,
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AccountView {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: UserRole,
    pub grids: Vec<GridView>,
}

impl From<GridInfo> for GridView {
    fn from(g: GridInfo) -> Self {
        Self {
            id: g.id.to_string(),
            code: g.code,
            name: g.name,
            community: g.community,
            subdistrict: g.subdistrict,
        }
    }
}

impl From<Account> for AccountView {
    fn from(a: Account) -> Self {
        Self {
            user_id: a.user_id.to_string(),
            username: a.username,
            display_name: a.display_name,
            role: match a.role {
                Role::Worker => UserRole::Worker,
                Role::Supervisor => UserRole::Supervisor,
                Role::Admin => UserRole::Admin,
            },
            grids: a.grids.into_iter().map(GridView::from).collect(),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Doorstep {
    /// Opens the device database in `directory` (creating it on first use)
    /// with `key`, 32 random bytes the platform key store keeps. A wrong key is
    /// refused with nothing changed; a damaged database is set aside, never
    /// deleted.
    #[uniffi::constructor]
    pub fn open(directory: String, key: Vec<u8>) -> Result<Arc<Self>, DoorstepError> {
        let key: [u8; 32] = key.try_into().map_err(|_| {
            DoorstepError::invalid(
                "bad_key",
                "数据库密钥应为32字节",
                "the database key must be 32 bytes",
            )
        })?;
        let key = DatabaseKey::from_bytes(key);
        let dir = Path::new(&directory);
        std::fs::create_dir_all(dir)
            .map_err(|e| DoorstepError::from(doorstep_core::store::StoreError::Io(e)))?;
        let path = dir.join(DATABASE_FILE);
        let device = Device::open(&path, &key, OpenMode::OpenOrCreate)?;
        Ok(Arc::new(Self {
            device: Arc::new(device),
        }))
    }

    /// Logs in to the server at `server_url` (remembered in the settings; a
    /// scheme is added when none was typed) and keeps the device token in the
    /// encrypted database. Everything already on the phone stays. Errors:
    /// `wrong_password`, `server_unreachable`, `not_a_doorstep_server`,
    /// `bad_server_address`, each with zh/en words. Returns who signed in,
    /// with their grids.
    pub async fn login(
        &self,
        server_url: String,
        username: String,
        password: String,
        device_name: String,
    ) -> Result<AccountView, DoorstepError> {
        let device = self.device();
        let account = device
            .login(&server_url, &username, &password, &device_name)
            .await?;
        Ok(account.into())
    }

    /// Signs out. While visits wait to be sent it is refused with
    /// `UnsentVisits` (their count and the words for the dialog) unless
    /// `force` — the worker confirmed. The token is revoked on the server when
    /// it can be reached and always forgotten here; every visit and draft
    /// stays for the next sign-in. Returns whether the server confirmed the
    /// revocation.
    pub async fn logout(&self, force: bool) -> Result<bool, DoorstepError> {
        let device = self.device();
        Ok(device.logout(force).await?)
    }

    /// What signing out now would leave behind, for the confirmation dialog.
    pub fn sign_out_check(&self) -> Result<SignOutCheckView, DoorstepError> {
        let check = self.device().sign_out_check()?;
        Ok(SignOutCheckView {
            waiting: check.waiting,
            drafts: check.drafts,
            needs_confirmation: check.needs_confirmation,
            message_zh: check.message.zh,
            message_en: check.message.en,
        })
    }

    /// Who is signed in on this device, or `None`.
    pub fn current_account(&self) -> Result<Option<AccountView>, DoorstepError> {
        Ok(self
            .device()
            .store()
            .session()?
            .map(|s| AccountView::from(s.account)))
    }

    /// The grids this device works in, by code.
    pub fn grids(&self) -> Result<Vec<GridView>, DoorstepError> {
        Ok(self
            .device()
            .store()
            .grids()?
            .into_iter()
            .map(GridView::from)
            .collect())
    }
}

impl Doorstep {
    /// The device, for a call to keep while it runs.
    pub(crate) fn device(&self) -> Arc<Device> {
        Arc::clone(&self.device)
    }
}
