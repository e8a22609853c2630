//! The phone's settings on a real encrypted file: kept across a restart and a
//! sign-out, and turned into what a sync may send on the network the shell reports.

use doorstep_core::device::{Device, DeviceError};
use doorstep_core::store::settings::{Language, Settings};
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::Network;
use doorstep_core::sync::protocol::{Account, LoginResponse, Role};
use uuid::Uuid;

fn login() -> LoginResponse {
    LoginResponse {
        token: "t".repeat(64),
        expires_at: "2026-12-31T00:00:00Z".parse().unwrap(),
        account: Account {
            user_id: Uuid::new_v4(),
            username: "worker1".into(),
            display_name: "李娜".into(),
            role: Role::Worker,
            grids: vec![],
        },
    }
}

#[test]
fn settings_survive_a_restart_and_the_server_address_a_sign_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("d.db");
    let key = DatabaseKey::generate();
    {
        let device = Device::open(&path, &key, OpenMode::CreateNew).unwrap();
        assert_eq!(device.settings().unwrap(), Settings::default());
        device
            .store()
            .save_login("https://doorstep.example.cn", &login())
            .unwrap();
        device.store().clear_session().unwrap();
        device.set_language(Language::En).unwrap();
        device
            .update_settings(|s| {
                s.wifi_only_sync = false;
                s.photos_on_cellular = true;
            })
            .unwrap();
        assert!(matches!(
            device.update_settings(|s| s.server_url = Some("ftp://x".into())),
            Err(DeviceError::BadServerAddress)
        ));
    }
    let device = Device::open(&path, &key, OpenMode::Existing).unwrap();
    assert_eq!(
        device.settings().unwrap(),
        Settings {
            language: Language::En,
            form_language: None,
            server_url: Some("https://doorstep.example.cn".into()),
            wifi_only_sync: false,
            photos_on_cellular: true,
        }
    );
    let typed = device
        .update_settings(|s| s.server_url = Some("10.0.2.2:8080/".into()))
        .unwrap();
    assert_eq!(typed.server_url.as_deref(), Some("https://10.0.2.2:8080"));
}

#[test]
fn the_network_the_shell_reports_decides_what_a_background_sync_sends() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(
        &dir.path().join("d.db"),
        &DatabaseKey::generate(),
        OpenMode::CreateNew,
    )
    .unwrap();
    assert_eq!(device.network(), Network::Wifi, "until the shell says");
    device.set_network(Network::Cellular);
    assert_eq!(
        device.sync_options(false).unwrap().network,
        Network::Offline,
        "Wi-Fi-only by default: a background sync waits"
    );
    assert_eq!(
        device.sync_options(true).unwrap().network,
        Network::Cellular
    );
    device
        .update_settings(|s| s.wifi_only_sync = false)
        .unwrap();
    assert_eq!(
        device.sync_options(false).unwrap().network,
        Network::Cellular
    );
}
