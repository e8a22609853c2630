//! The one error the phones see.
//!
//! Every internal error (store, sync, device, photo) is mapped here, in one
//! place ([`DoorstepError::from`]), to a variant the shell can act on. Each
//! variant carries a stable `code` (for logic and analytics), and messages in
//! Chinese and English for the worker. **No personal data** ever goes into
//! them — no names, ID numbers, phones, positions or answers: the core's own
//! messages promise the same, and the few that pass through here are ones that
//! name only paths inside the app, counts, versions and codes.

use doorstep_core::device::DeviceError;
use doorstep_core::evidence::PhotoError;
use doorstep_core::store::StoreError;
use doorstep_core::sync::SyncError;

use crate::visit::FormProblem;

/// Why a call failed. Every variant has the same three fields (plus the
/// problems of an incomplete visit), so a shell can show `message_zh` and
/// switch on `code` without knowing every variant.
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum DoorstepError {
    /// The database key does not open this database (nothing was changed).
    #[error("{code}: {message_en}")]
    WrongKey {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// The database was damaged and set aside (never deleted); a new one is needed.
    #[error("{code}: {message_en}")]
    DatabaseDamaged {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// The database was written by a newer app: update the app.
    #[error("{code}: {message_en}")]
    NewerDatabase {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// The phone's storage failed (disk full, file error).
    #[error("{code}: {message_en}")]
    Storage {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// Nobody is signed in, or the server no longer accepts this device's token.
    #[error("{code}: {message_en}")]
    NotSignedIn {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// Something the call names does not exist (a household, visit, photo or template).
    #[error("{code}: {message_en}")]
    NotFound {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// The call was refused as it stands (a finalized visit edited, a bad path, …).
    #[error("{code}: {message_en}")]
    Invalid {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// The visit cannot be finalized: every problem is listed.
    #[error("{code}: {message_en}")]
    Incomplete {
        code: String,
        message_zh: String,
        message_en: String,
        problems: Vec<FormProblem>,
    },
    /// The photo was refused at capture (too large, not a photo, damaged).
    #[error("{code}: {message_en}")]
    PhotoRefused {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// No network, or it failed: try again later (nothing is lost).
    #[error("{code}: {message_en}")]
    Network {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// The server refused; `code` is the server's stable code.
    #[error("{code}: {message_en}")]
    Server {
        code: String,
        message_zh: String,
        message_en: String,
        retryable: bool,
    },
    /// The sync was cancelled; every item stays queued.
    #[error("{code}: {message_en}")]
    Cancelled {
        code: String,
        message_zh: String,
        message_en: String,
    },
    /// Sign-out refused: `waiting` visits are not sent yet. Ask the worker
    /// (the message says they stay on the phone) and call `logout(true)`.
    #[error("{code}: {message_en}")]
    UnsentVisits {
        code: String,
        message_zh: String,
        message_en: String,
        waiting: u32,
    },
}

fn texts(code: &str, zh: &str, en: impl Into<String>) -> (String, String, String) {
    (code.to_owned(), zh.to_owned(), en.into())
}

macro_rules! variant {
    ($v:ident, $code:expr, $zh:expr, $en:expr) => {{
        let (code, message_zh, message_en) = texts($code, $zh, $en);
        DoorstepError::$v {
            code,
            message_zh,
            message_en,
        }
    }};
}

impl DoorstepError {
    /// The stable code of this error.
    pub fn code(&self) -> &str {
        match self {
            Self::WrongKey { code, .. }
            | Self::DatabaseDamaged { code, .. }
            | Self::NewerDatabase { code, .. }
            | Self::Storage { code, .. }
            | Self::NotSignedIn { code, .. }
            | Self::NotFound { code, .. }
            | Self::Invalid { code, .. }
            | Self::Incomplete { code, .. }
            | Self::PhotoRefused { code, .. }
            | Self::Network { code, .. }
            | Self::Server { code, .. }
            | Self::Cancelled { code, .. }
            | Self::UnsentVisits { code, .. } => code,
        }
    }

    /// An invalid-argument error for input the FFI layer itself refuses.
    pub(crate) fn invalid(code: &str, zh: &str, en: &str) -> Self {
        variant!(Invalid, code, zh, en)
    }
}

impl From<StoreError> for DoorstepError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongKey => variant!(
                WrongKey,
                "wrong_key",
                "数据库密钥不正确，数据未作任何改动",
                "wrong key: the database cannot be decrypted with it (nothing was changed)"
            ),
            StoreError::CannotDecrypt => variant!(
                WrongKey,
                "cannot_decrypt",
                "无法解密数据库：密钥错误或文件损坏，数据未作任何改动",
                "the database cannot be decrypted: wrong key or a damaged file (nothing was changed)"
            ),
            StoreError::BadKey => variant!(
                WrongKey,
                "bad_key",
                "数据库密钥应为32字节",
                "the database key must be 32 bytes"
            ),
            StoreError::NotEncrypted(_) => variant!(
                DatabaseDamaged,
                "not_encrypted",
                "该文件不是入户通的加密数据库",
                "the file is not an encrypted Doorstep database"
            ),
            StoreError::Corrupt { .. } => variant!(
                DatabaseDamaged,
                "database_damaged",
                "数据库已损坏，已另存备份（未删除），请联系管理员恢复未上传的数据",
                "the database was damaged; it was set aside (not deleted) so unsent visits can be rescued"
            ),
            StoreError::NewerSchema { found, supported } => variant!(
                NewerDatabase,
                "newer_database",
                "数据库由更新版本的应用创建，请升级应用",
                format!(
                    "the database was written by a newer app (schema {found}, this app knows {supported}): update the app"
                )
            ),
            StoreError::Missing(_) | StoreError::AlreadyExists(_) | StoreError::Io(_) => variant!(
                Storage,
                "storage",
                "手机存储出错",
                "the phone's storage failed"
            ),
            StoreError::Sqlite(_) => {
                variant!(Storage, "database", "数据库出错", "the database failed")
            }
            StoreError::NotFound(what) => variant!(
                NotFound,
                &format!("{what}_not_found"),
                &format!("找不到{}", what_zh(what)),
                format!("no such {what}")
            ),
            // The core's Invalid messages name only fields, codes and counts.
            StoreError::Invalid(message) => variant!(Invalid, "invalid", "操作无效", message),
        }
    }
}

fn what_zh(what: &str) -> &'static str {
    match what {
        "household" => "住户",
        "visit" => "走访记录",
        "photo" => "照片",
        _ => "该记录",
    }
}

impl From<SyncError> for DoorstepError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Network(_) => variant!(
                Network,
                "network",
                "网络不通，数据已保存，稍后会自动重试",
                "no connection to the server; everything is kept and will be sent later"
            ),
            SyncError::Server(api) => DoorstepError::Server {
                code: api.code,
                message_zh: api.message_zh,
                message_en: api.message_en,
                retryable: api.retryable,
            },
            SyncError::Unauthorized => {
                let words = doorstep_core::sign_in::session_expired_text();
                variant!(NotSignedIn, "session_expired", &words.zh, words.en)
            }
            SyncError::NotSignedIn => not_signed_in(),
            SyncError::Protocol(_) => DoorstepError::Server {
                code: "protocol".to_owned(),
                message_zh: "服务器的答复无法识别，请升级应用".to_owned(),
                message_en: "the server's answer was not understood; update the app".to_owned(),
                retryable: false,
            },
            SyncError::Cancelled => variant!(
                Cancelled,
                "cancelled",
                "同步已取消，未发送的数据仍在待发送列表中",
                "sync was cancelled; nothing was lost and it resumes next time"
            ),
            SyncError::Store(e) => e.into(),
        }
    }
}

fn not_signed_in() -> DoorstepError {
    variant!(
        NotSignedIn,
        "not_signed_in",
        "尚未登录，请先登录",
        "not signed in: log in first"
    )
}

impl From<PhotoError> for DoorstepError {
    fn from(e: PhotoError) -> Self {
        DoorstepError::PhotoRefused {
            // The photo pipeline's codes are upper case; every FFI code is lower.
            code: e.code().to_ascii_lowercase(),
            message_zh: e.message_zh(),
            message_en: e.message_en(),
        }
    }
}

impl From<DeviceError> for DoorstepError {
    fn from(e: DeviceError) -> Self {
        match e {
            DeviceError::Store(e) => e.into(),
            DeviceError::Sync(e) => e.into(),
            DeviceError::NotSignedIn => not_signed_in(),
            DeviceError::UnknownTemplate(_) => variant!(
                NotFound,
                "template_not_found",
                "找不到该表单模板，请先同步",
                "this form template is not on the device; sync first"
            ),
            DeviceError::Incomplete(problems) => DoorstepError::Incomplete {
                code: "incomplete".to_owned(),
                message_zh: format!("还有{}个问题需要处理，不能提交", problems.len()),
                message_en: format!(
                    "the visit cannot be finalized: {} problem(s) in the answers",
                    problems.len()
                ),
                problems: problems.into_iter().map(FormProblem::from).collect(),
            },
            DeviceError::Photo(e) => e.into(),
            DeviceError::BadPosition => variant!(
                Invalid,
                "bad_position",
                "定位坐标无效",
                "the position is not a place on Earth"
            ),
            DeviceError::BadServerAddress => variant!(
                Invalid,
                "bad_server_address",
                "服务器地址格式不正确，应类似 https://doorstep.example.cn",
                "the server address is not valid; it looks like https://doorstep.example.cn"
            ),
            DeviceError::WrongPassword => variant!(
                NotSignedIn,
                "wrong_password",
                "用户名或密码不正确",
                "wrong username or password"
            ),
            DeviceError::ServerUnreachable => variant!(
                Network,
                "server_unreachable",
                "连不上服务器，请检查网络和服务器地址",
                "the server cannot be reached: check the network and the server address"
            ),
            DeviceError::NotADoorstepServer => variant!(
                Invalid,
                "not_a_doorstep_server",
                "该地址不是入户通服务器，请检查服务器地址",
                "this address is not a Doorstep server: check the server address"
            ),
            DeviceError::UnsentVisits { waiting } => DoorstepError::UnsentVisits {
                code: "unsent_visits".to_owned(),
                message_zh: format!(
                    "还有 {waiting} 次走访未上传。退出登录后仍保存在手机上，重新登录后继续上传"
                ),
                message_en: format!(
                    "{waiting} visit(s) not sent yet; they stay on this phone after signing out and go after the next sign-in"
                ),
                waiting,
            },
            DeviceError::DoorCheckNotAccepted => variant!(
                Invalid,
                "door_check_not_accepted",
                "到户核验尚未完成：请等待定位合格，或在可以时手动确认",
                "the door check is not accepted yet: wait for a good fix or accept it by hand"
            ),
            DeviceError::TooEarlyToAcceptByHand => variant!(
                Invalid,
                "too_early_to_accept_by_hand",
                "暂时不能手动确认：请等待定位结果或等待超时",
                "the door check can be accepted by hand only after a suspect fix or the wait"
            ),
            DeviceError::RepeatFull => variant!(
                Invalid,
                "repeat_full",
                "已达到表单允许的最多项数，不能再添加",
                "the form allows no more entries here"
            ),
            DeviceError::RepeatAtMinimum => variant!(
                Invalid,
                "repeat_at_minimum",
                "表单要求至少保留这些项，不能再移除",
                "the form needs at least these entries; none can be removed"
            ),
            DeviceError::UnknownSection => variant!(
                Invalid,
                "unknown_section",
                "表单当前没有这一节",
                "the form has no such section now"
            ),
            DeviceError::AlreadySyncing => variant!(
                Invalid,
                "already_syncing",
                "正在同步，请等这次同步结束",
                "a sync is already running; wait for it to finish"
            ),
            DeviceError::NotYourGrid => variant!(
                Invalid,
                "household_not_in_grids",
                "该住户已不在您负责的网格内，不能再开始走访",
                "this household is no longer in your grids; a visit cannot be started"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorstep_core::forms::{LocalizedText, Problem};

    fn all_texts(e: &DoorstepError) -> String {
        format!("{e} {e:?}")
    }

    #[test]
    fn every_mapped_error_has_a_lower_case_code_and_both_messages() {
        let errors: Vec<DoorstepError> = vec![
            StoreError::WrongKey.into(),
            StoreError::CannotDecrypt.into(),
            StoreError::NewerSchema {
                found: 9,
                supported: 3,
            }
            .into(),
            StoreError::NotFound("household").into(),
            StoreError::Invalid("only a draft visit can be changed".into()).into(),
            SyncError::Network("connection refused".into()).into(),
            SyncError::Unauthorized.into(),
            SyncError::NotSignedIn.into(),
            SyncError::Cancelled.into(),
            SyncError::Protocol("expected value at line 1".into()).into(),
            DeviceError::BadPosition.into(),
            DeviceError::UnknownTemplate("x".into()).into(),
            DeviceError::NotYourGrid.into(),
            DeviceError::AlreadySyncing.into(),
            DeviceError::BadServerAddress.into(),
            DeviceError::WrongPassword.into(),
            DeviceError::ServerUnreachable.into(),
            DeviceError::NotADoorstepServer.into(),
            DeviceError::UnsentVisits { waiting: 2 }.into(),
            PhotoError::UnsupportedFormat.into(),
        ];
        for e in &errors {
            let code = e.code();
            assert!(
                !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code}"
            );
            let (zh, en) = match e {
                DoorstepError::WrongKey {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::DatabaseDamaged {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::NewerDatabase {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::Storage {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::NotSignedIn {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::NotFound {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::Invalid {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::Incomplete {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::PhotoRefused {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::Network {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::Server {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::Cancelled {
                    message_zh,
                    message_en,
                    ..
                }
                | DoorstepError::UnsentVisits {
                    message_zh,
                    message_en,
                    ..
                } => (message_zh, message_en),
            };
            assert!(!zh.is_empty() && !en.is_empty(), "{code}");
            assert!(!zh.is_ascii(), "{code}: the Chinese message is Chinese");
        }
    }

    #[test]
    fn a_damaged_database_error_does_not_carry_its_path_and_network_details_stay_inside() {
        let e: DoorstepError = StoreError::Corrupt {
            moved_to: "/data/user/0/cn.doorstep.app/files/doorstep.db.corrupt-x".into(),
        }
        .into();
        assert_eq!(e.code(), "database_damaged");
        assert!(!all_texts(&e).contains("/data/user"));
        let e: DoorstepError = SyncError::Network("dns error: 10.0.0.7".into()).into();
        assert!(!all_texts(&e).contains("10.0.0.7"));
    }

    #[test]
    fn sign_in_problems_each_say_what_to_do() {
        let codes: Vec<String> = [
            DeviceError::WrongPassword,
            DeviceError::ServerUnreachable,
            DeviceError::NotADoorstepServer,
            DeviceError::Sync(SyncError::Unauthorized),
        ]
        .into_iter()
        .map(|e| DoorstepError::from(e).code().to_owned())
        .collect();
        assert_eq!(
            codes,
            [
                "wrong_password",
                "server_unreachable",
                "not_a_doorstep_server",
                "session_expired"
            ]
        );
        match DoorstepError::from(SyncError::Unauthorized) {
            DoorstepError::NotSignedIn { message_zh, .. } => {
                assert!(
                    message_zh.contains("过期") && message_zh.contains("未上传的走访仍在手机上")
                )
            }
            other => panic!("expected NotSignedIn, got {other:?}"),
        }
        match DoorstepError::from(DeviceError::UnsentVisits { waiting: 3 }) {
            DoorstepError::UnsentVisits {
                waiting,
                message_zh,
                ..
            } => {
                assert_eq!(waiting, 3);
                assert!(message_zh.starts_with("还有 3 次走访未上传"));
            }
            other => panic!("expected UnsentVisits, got {other:?}"),
        }
    }

    #[test]
    fn an_incomplete_visit_lists_every_problem() {
        let problems = vec![
            Problem {
                path: "respondent".into(),
                code: "required".into(),
                message: LocalizedText::new("「受访人」为必填项", "Respondent is required"),
            },
            Problem {
                path: "visit_date".into(),
                code: "constraint".into(),
                message: LocalizedText::new("不能晚于今天", "cannot be later than today"),
            },
        ];
        match DoorstepError::from(DeviceError::Incomplete(problems)) {
            DoorstepError::Incomplete { code, problems, .. } => {
                assert_eq!(code, "incomplete");
                assert_eq!(
                    problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
                    ["respondent", "visit_date"]
                );
            }
            other => panic!("expected Incomplete, got {other:?}"),
        }
    }
}
