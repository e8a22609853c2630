//! What the device tests share: a worker signed in on a device, as a login
//! to the server would leave it, with no server.

use doorstep_core::device::Device;
use doorstep_core::store::households::GridInfo;
use doorstep_core::sync::protocol::{Account, LoginResponse, Role};
use uuid::Uuid;

/// Signs `device` in as the worker 李娜 (`worker1`) of one grid, 第一网格 of
/// 阳光社区, for 30 days from the device's clock.
pub fn sign_in_worker(device: &Device) {
    let grid = GridInfo {
        id: Uuid::new_v4(),
        code: "G01".into(),
        name: "第一网格".into(),
        community: "阳光社区".into(),
        subdistrict: "东城街道".into(),
    };
    let login = LoginResponse {
        token: "t".repeat(64),
        expires_at: device.now().utc + chrono::Duration::days(30),
        account: Account {
            user_id: Uuid::new_v4(),
            username: "worker1".into(),
            display_name: "李娜".into(),
            role: Role::Worker,
            grids: vec![grid],
        },
    };
    device
        .store()
        .save_login("http://127.0.0.1:9", &login)
        .unwrap();
}
