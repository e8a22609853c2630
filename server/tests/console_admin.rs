//! The console's admin pages against a real server on loopback (SQLite, or
//! PostgreSQL under `tests/run-postgres.sh`): users and their grids reaching
//! the sync API, roles and CSRF on every admin route, household ledger import
//! (all or nothing, a row-by-row report, escaping, pulls), template upload.

use doorstep_core::sync::protocol::PullResponse;
use doorstep_server::storage::GridNode;
use reqwest::StatusCode;
use serde_json::{Value, json};

mod common;

use common::browser::{Browser, Page};
use common::{Fixture, PASSWORD, csrf_in};

async fn fixture() -> Fixture {
    common::fixture_with(3, 4, |_| {}).await
}

impl Fixture {
    async fn browser(&self, username: &str) -> Browser {
        self.browser_with(username, PASSWORD).await
    }

    async fn browser_with(&self, username: &str, password: &str) -> Browser {
        let mut b = Browser::new(&self.server.url());
        b.login_with(username, password).await;
        b
    }

    /// A device token of `username` through the sync API; `None` when refused.
    async fn token(&self, username: &str, password: &str) -> Option<String> {
        let r = self
            .http
            .post(format!("{}/api/v1/login", self.server.url()))
            .json(&json!({"username": username, "password": password, "device_name": "test"}))
            .send()
            .await
            .expect("login");
        if r.status() != StatusCode::OK {
            return None;
        }
        let v: Value = r.json().await.expect("JSON");
        v["token"].as_str().map(str::to_owned)
    }

    /// Everything a device of this token pulls from the beginning.
    async fn pull_all(&self, token: &str) -> PullResponse {
        let mut all: Option<PullResponse> = None;
        let mut cursor: Option<String> = None;
        loop {
            let mut req = self
                .http
                .get(format!("{}/api/v1/pull", self.server.url()))
                .bearer_auth(token);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let r = req.send().await.expect("pull");
            assert_eq!(r.status(), StatusCode::OK);
            let page: PullResponse = r.json().await.expect("pull JSON");
            cursor = Some(page.cursor.clone());
            let more = page.more;
            match &mut all {
                None => all = Some(page),
                Some(a) => {
                    a.households.extend(page.households);
                    a.templates.extend(page.templates);
                    a.cursor = page.cursor;
                }
            }
            if !more {
                return all.expect("a page");
            }
        }
    }

    async fn tree(&self) -> Vec<GridNode> {
        self.server.storage().grid_tree().await.expect("tree")
    }

    async fn household_total(&self) -> u64 {
        self.tree().await.iter().map(|g| g.households).sum()
    }

    async fn audit_actions(&self) -> Vec<String> {
        self.server
            .storage()
            .audit_log(100)
            .await
            .expect("audit")
            .into_iter()
            .map(|e| e.action)
            .collect()
    }
}

/// An 18-character identity number: 17 given characters and their GB 11643 check character.
fn id_number(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// The same number with a wrong check character.
fn bad_check(first17: &str) -> String {
    let good = id_number(first17);
    let last = if good.ends_with('0') { '1' } else { '0' };
    format!("{first17}{last}")
}

const HEADER: [&str; 10] = [
    "网格",
    "小区",
    "楼栋",
    "单元",
    "门牌号",
    "姓名",
    "身份证号",
    "联系电话",
    "与户主关系",
    "人员类别",
];

/// A ledger workbook: the header row, then these rows, every cell as text.
fn ledger(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("台账").expect("name");
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, cell).expect("cell");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[allow(clippy::too_many_arguments)]
fn row(
    grid: &str,
    estate: &str,
    building: &str,
    door: &str,
    name: &str,
    id: &str,
    phone: &str,
    relation: &str,
    tags: &str,
) -> Vec<String> {
    [
        grid, estate, building, "1单元", door, name, id, phone, relation, tags,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Two households of grid `code`: a couple with a child, and an elder living alone.
fn good_rows(code: &str) -> Vec<Vec<String>> {
    vec![
        row(
            code,
            "导入测试小区",
            "9栋",
            "101",
            "钱国强",
            &id_number("33010619800101001"),
            "13812340001",
            "户主",
            "低保",
        ),
        row(
            code,
            "导入测试小区",
            "9栋",
            "101",
            "孙丽",
            &id_number("33010619820202002"),
            "",
            "配偶",
            "",
        ),
        row(
            code,
            "导入测试小区",
            "9栋",
            "101",
            "钱小明",
            "",
            "",
            "子女",
            "",
        ),
        row(
            code,
            "导入测试小区",
            "9栋",
            "202",
            "周桂英",
            &id_number("33010619400303002"),
            "0571-87654321",
            "户主",
            "独居老人、高龄",
        ),
    ]
}

async fn grid_code(f: &Fixture, grid_no: usize) -> String {
    let id = f.seed.grid_ids[grid_no - 1];
    f.tree()
        .await
        .into_iter()
        .find(|g| g.id == id)
        .expect("seeded grid")
        .code
}

#[tokio::test]
async fn an_admin_creates_a_worker_who_pulls_only_their_grids() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let home = admin.get("/console").await;
    assert!(home.body.contains("href=\"/console/admin/users\""));
    assert!(home.body.contains("href=\"/console/admin/ledger\""));
    let page = admin.get("/console/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("worker1"), "seeded users are listed");
    let csrf = csrf_in(&page.body);
    let grid2 = f.seed.grid_ids[1].to_string();
    let created = admin
        .post(
            "/console/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "Worker9"),
                ("display_name", "吴晓燕"),
                ("password", "a-long-password"),
                ("role", "worker"),
                ("grid", &grid2),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location.as_deref(), Some("/console/admin/users"));
    let list = admin.get("/console/admin/users").await;
    assert!(list.body.contains("worker9") && list.body.contains("吴晓燕"));
    assert!(f.audit_actions().await.contains(&"user.create".to_owned()));

    // The new worker logs in through the sync API and pulls grid 2 only.
    let token = f
        .token("worker9", "a-long-password")
        .await
        .expect("the new worker can log in");
    let pulled = f.pull_all(&token).await;
    let mut got: Vec<_> = pulled.households.iter().map(|h| h.id).collect();
    got.sort();
    let mut want = f.seed.households[1].clone();
    want.sort();
    assert_eq!(got, want, "exactly grid 2's households");

    // Moved to grid 3: the next pull from the same cursor brings grid 3's households.
    let users = f.server.storage().users().await.expect("users");
    let worker9 = users
        .iter()
        .find(|u| u.username == "worker9")
        .expect("stored");
    let edit = admin
        .get(&format!("/console/admin/users/{}", worker9.id))
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    let grid3 = f.seed.grid_ids[2].to_string();
    let moved = admin
        .post(
            &format!("/console/admin/users/{}/grids", worker9.id),
            &[("csrf", &csrf), ("grid", &grid3)],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let pulled = f.pull_all(&token).await;
    assert!(!pulled.households.is_empty());
    assert!(
        pulled
            .households
            .iter()
            .all(|h| h.grid_id == f.seed.grid_ids[2])
    );
    assert!(f.audit_actions().await.contains(&"user.grids".to_owned()));
}

#[tokio::test]
async fn a_taken_username_or_empty_fields_reshow_the_form_without_the_password() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let grid1 = f.seed.grid_ids[0].to_string();
    let taken = admin
        .post(
            "/console/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "worker1"),
                ("display_name", "重名测试"),
                ("password", "secret-password-1"),
                ("role", "supervisor"),
                ("grid", &grid1),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("该用户名已被使用"));
    assert!(taken.body.contains("value=\"重名测试\""), "typed name kept");
    assert!(
        !taken.body.contains("secret-password-1"),
        "password not echoed"
    );
    assert!(
        taken.body.contains("value=\"supervisor\" selected"),
        "role kept"
    );

    let empty = admin
        .post(
            "/console/admin/users",
            &[
                ("csrf", &csrf),
                ("username", ""),
                ("display_name", ""),
                ("password", "short"),
                ("role", "worker"),
            ],
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    for msg in [
        "请填写用户名",
        "请填写姓名",
        "初始密码至少",
        "请至少选择一个网格",
    ] {
        assert!(empty.body.contains(msg), "missing {msg}");
    }
    let users = f.server.storage().users().await.expect("users");
    assert_eq!(users.len(), f.seed.users.len(), "nobody was created");
}

#[tokio::test]
async fn a_supervisor_is_refused_every_admin_route() {
    let f = fixture().await;
    let mut sup = f.browser("supervisor").await;
    let home = sup.get("/console").await;
    assert!(!home.body.contains("/console/admin/"), "no admin links");
    let csrf = sup.csrf().await;
    let worker1 = f.seed.user("worker1").expect("seeded").id;
    for path in [
        "/console/admin/users".to_owned(),
        format!("/console/admin/users/{worker1}"),
        "/console/admin/grids".to_owned(),
        "/console/admin/ledger".to_owned(),
        "/console/admin/ledger/template.xlsx".to_owned(),
        "/console/admin/templates".to_owned(),
    ] {
        let p = sup.get(&path).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}");
        // Told the page is for admins, with the navigation and a way back.
        assert!(
            p.body.contains("此页面仅限管理员使用"),
            "{path}: {}",
            p.body
        );
        assert!(!p.body.contains("仅限督导员和管理员"), "{path}");
        assert!(
            p.body.contains("<a href=\"/console/queue\">审核队列</a>"),
            "{path}"
        );
        assert!(p.body.contains("返回审核队列"), "{path}");
    }
    let p = sup.get("/console/audit").await;
    assert!(p.body.contains("此页面仅限管理员使用"));
    // A visit that does not exist: the page keeps the navigation too.
    let p = sup
        .get(&format!("/console/visits/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert!(
        p.body.contains("<a href=\"/console/queue\">审核队列</a>") && p.body.contains("返回概览")
    );
    let grid1 = f.seed.grid_ids[0].to_string();
    let p = sup
        .post(
            "/console/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "sneaky"),
                ("display_name", "某人"),
                ("password", "a-long-password"),
                ("role", "worker"),
                ("grid", &grid1),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = sup
        .post(
            &format!("/console/admin/users/{worker1}/grids"),
            &[("csrf", &csrf), ("grid", &grid1)],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let code = grid_code(&f, 1).await;
    let before = f.household_total().await;
    let p = sup
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            &ledger(&good_rows(&code)),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = sup
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            json_form("sup_form", 1).as_bytes(),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(f.household_total().await, before);
    assert!(
        f.server
            .storage()
            .user_by_username("sneaky")
            .await
            .expect("read")
            .is_none()
    );
    let templates = f.server.storage().templates().await.expect("templates");
    assert!(templates.iter().all(|t| t.template_id != "sup_form"));
}

#[tokio::test]
async fn admin_posts_without_the_csrf_token_change_nothing() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let grid1 = f.seed.grid_ids[0].to_string();
    let p = admin
        .post(
            "/console/admin/users",
            &[
                ("username", "nocsrf"),
                ("display_name", "某人"),
                ("password", "a-long-password"),
                ("role", "worker"),
                ("grid", &grid1),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.body.contains("表单已失效"));
    let p = admin
        .post(
            "/console/admin/users",
            &[
                ("csrf", "0000"),
                ("username", "nocsrf"),
                ("display_name", "某人"),
                ("password", "a-long-password"),
                ("role", "worker"),
                ("grid", &grid1),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "a wrong token too");
    let code = grid_code(&f, 1).await;
    let before = f.household_total().await;
    let p = admin
        .upload(
            "/console/admin/ledger",
            None,
            "ledger.xlsx",
            &ledger(&good_rows(&code)),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = admin
        .upload(
            "/console/admin/templates",
            None,
            "form.json",
            json_form("nocsrf_form", 1).as_bytes(),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(f.household_total().await, before);
    assert!(
        f.server
            .storage()
            .user_by_username("nocsrf")
            .await
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn a_good_ledger_imports_every_row_and_reaches_the_workers_pull() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let form = admin.get("/console/admin/ledger").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let csrf = csrf_in(&form.body);
    let code = grid_code(&f, 1).await;
    let before = f.household_total().await;
    let p = import_ledger(&mut admin, &csrf, &good_rows(&code)).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("已导入 2 户、4 位居民"), "{}", p.body);
    assert_eq!(f.household_total().await, before + 2);
    assert!(
        f.audit_actions()
            .await
            .contains(&"ledger.import".to_owned())
    );

    let token = f.token("worker1", PASSWORD).await.expect("token");
    let pulled = f.pull_all(&token).await;
    let imported: Vec<_> = pulled
        .households
        .iter()
        .filter(|h| h.estate == "导入测试小区")
        .collect();
    assert_eq!(imported.len(), 2, "both households reach grid 1's worker");
    let couple = imported
        .iter()
        .find(|h| h.door.as_deref() == Some("101"))
        .expect("door 101");
    assert_eq!(couple.residents.len(), 3);
    assert_eq!(couple.residents[0].name, "钱国强");
    assert_eq!(couple.residents[0].relation, "head");
    assert_eq!(couple.residents[0].tags[0].code, "dibao");
    assert_eq!(couple.residents[1].relation, "spouse");
    assert_eq!(couple.grid_id, f.seed.grid_ids[0]);
    let elder = imported
        .iter()
        .find(|h| h.door.as_deref() == Some("202"))
        .expect("door 202");
    let tags: Vec<_> = elder.residents[0]
        .tags
        .iter()
        .map(|t| t.code.as_str())
        .collect();
    assert_eq!(tags, ["elder_alone", "senior"]);
    assert_eq!(elder.residents[0].phone.as_deref(), Some("0571-87654321"));
    // Another grid's worker does not receive them.
    let token2 = f.token("worker2", PASSWORD).await.expect("token");
    let other = f.pull_all(&token2).await;
    assert!(other.households.iter().all(|h| h.estate != "导入测试小区"));
}

#[tokio::test]
async fn a_ledger_with_bad_rows_imports_nothing_and_names_each_row_and_column() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let code = grid_code(&f, 1).await;
    let bad_id = bad_check("33010619800101001");
    let mut rows = good_rows(&code);
    // Sheet rows: header 1, then 2..=5 good; 6 bad check digit, 7 unknown
    // grid, 8 bad phone, 9 unknown tag.
    rows.push(row(
        &code,
        "坏行小区",
        "1栋",
        "1",
        "甲",
        &bad_id,
        "",
        "户主",
        "",
    ));
    rows.push(row(
        "NO-SUCH-GRID",
        "坏行小区",
        "2栋",
        "1",
        "乙",
        "",
        "",
        "户主",
        "",
    ));
    rows.push(row(
        &code,
        "坏行小区",
        "3栋",
        "1",
        "丙",
        "",
        "12345",
        "户主",
        "",
    ));
    rows.push(row(
        &code,
        "坏行小区",
        "4栋",
        "1",
        "丁",
        "",
        "",
        "户主",
        "不存在的类别",
    ));
    // 10: a head with a bad ID number; 11: their spouse, whose household is
    // then not also reported headless.
    rows.push(row(
        &code,
        "坏行小区",
        "5栋",
        "1",
        "戊",
        &bad_id,
        "",
        "户主",
        "",
    ));
    rows.push(row(&code, "坏行小区", "5栋", "1", "己", "", "", "配偶", ""));
    let before = f.household_total().await;
    let p = admin
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            &ledger(&rows),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(f.household_total().await, before, "nothing imported");
    assert!(
        p.body
            .contains("<tr><td>台账</td><td>10</td><td>身份证号</td>")
    );
    assert!(!p.body.contains("no_head"), "no second-hand problem");
    assert!(p.body.contains("未导入任何数据"));
    for (row, column, code) in [
        (6, "身份证号", "bad_check_digit"),
        (7, "网格", "unknown_grid"),
        (8, "联系电话", "phone_bad_format"),
        (9, "人员类别", "unknown_tag"),
    ] {
        let line =
            format!("<tr><td>台账</td><td>{row}</td><td>{column}</td><td><code>{code}</code></td>");
        assert!(p.body.contains(&line), "missing {line} in {}", p.body);
    }
    assert!(
        !p.body.contains(&bad_id),
        "the ID number is never echoed whole"
    );
    assert!(p.body.contains("330106********"), "a masked ID is shown");
    assert!(
        f.audit_actions()
            .await
            .contains(&"ledger.refused".to_owned())
    );

    // A household with two heads, and one ID number twice.
    let mut rows = good_rows(&code);
    rows[1][8] = "户主".into();
    rows[3][6] = rows[0][6].clone();
    let p = admin
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            &ledger(&rows),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("<code>second_head</code>"));
    assert!(p.body.contains("<code>duplicate_id_number</code>"));
    assert!(p.body.contains("与第 2 行重复"));
    assert_eq!(f.household_total().await, before);
}

#[tokio::test]
async fn a_resident_named_like_markup_renders_escaped() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let code = grid_code(&f, 1).await;
    let rows = vec![row(
        &code,
        "转义小区",
        "1栋",
        "101",
        "<script>alert(1)</script>",
        "",
        "",
        "户主",
        "",
    )];
    let preview = admin
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            &ledger(&rows),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let p = confirm(&mut admin, &csrf, &preview).await;
    for p in [preview, p] {
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert!(p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!p.body.contains("<script>"));
    }
}

#[tokio::test]
async fn uploads_that_are_not_ledgers_get_a_clear_refusal() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let p = admin
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            b"name,id\nsomeone,1\n",
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("无法读取该文件"), "{}", p.body);
    let p = admin
        .upload("/console/admin/ledger", Some(&csrf), "ledger.xlsx", b"")
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("请选择要上传的文件"));
    // A workbook without the required columns.
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .write_string(0, 0, "随便一列")
        .expect("cell");
    let p = admin
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            &wb.save_to_buffer().expect("xlsx"),
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert!(p.body.contains("没有找到台账表格"), "{}", p.body);
    // A table without a name column.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["小区", "楼栋", "身份证号"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).expect("cell");
        ws.write_string(1, c as u16, "x").expect("cell");
    }
    let p = admin
        .upload(
            "/console/admin/ledger",
            Some(&csrf),
            "ledger.xlsx",
            &wb.save_to_buffer().expect("xlsx"),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("<code>missing_column</code>"));
    assert!(p.body.contains("缺少必填列“姓名”"));
    assert!(!p.body.contains("value=\"confirm\""), "no confirm button");
    // Past the size cap.
    let big = vec![b'x'; 6 * 1024 * 1024];
    let p = admin
        .upload("/console/admin/ledger", Some(&csrf), "big.xlsx", &big)
        .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(p.body.contains("5 MB"), "{}", p.body);
}

/// One household of grid `code` at `estate`: a head and a spouse, with ID
/// numbers made from `serial` (so files of different serials share none).
fn household_rows(code: &str, estate: &str, serial: u32) -> Vec<Vec<String>> {
    vec![
        row(
            code,
            estate,
            "1栋",
            "101",
            "吴建华",
            &id_number(&format!("33010619700101{serial:03}")),
            "",
            "户主",
            "",
        ),
        row(
            code,
            estate,
            "1栋",
            "101",
            "郑秀兰",
            &id_number(&format!("33010619720202{serial:03}")),
            "",
            "配偶",
            "",
        ),
    ]
}

/// Uploads `rows` as the ledger workbook 台账.xlsx and, when its preview is
/// clean, confirms the import as previewed.
async fn import_ledger(admin: &mut Browser, csrf: &str, rows: &[Vec<String>]) -> Page {
    upload_and_confirm(admin, csrf, "台账.xlsx", &ledger(rows)).await
}

/// Uploads a workbook and confirms its preview when it is clean; the page of
/// the step that ended it.
async fn upload_and_confirm(admin: &mut Browser, csrf: &str, name: &str, bytes: &[u8]) -> Page {
    let preview = admin
        .upload("/console/admin/ledger", Some(csrf), name, bytes)
        .await;
    if preview.status != StatusCode::OK {
        return preview;
    }
    confirm(admin, csrf, &preview).await
}

/// The token of a ledger preview page.
fn preview_token(body: &str) -> String {
    let mark = "name=\"token\" value=\"";
    let at = body.find(mark).expect("a preview token") + mark.len();
    body[at..at + 36].to_owned()
}

/// Confirms the previewed ledger as shown.
async fn confirm(admin: &mut Browser, csrf: &str, preview: &Page) -> Page {
    assert!(
        preview
            .body
            .contains("action=\"/console/admin/ledger/confirm\""),
        "{}",
        preview.body
    );
    let token = preview_token(&preview.body);
    admin
        .post(
            "/console/admin/ledger/confirm",
            &[("csrf", csrf), ("token", &token), ("action", "confirm")],
        )
        .await
}

/// The household codes of grid 1, as its worker pulls them.
async fn grid1_codes(f: &Fixture) -> Vec<String> {
    let token = f.token("worker1", PASSWORD).await.expect("token");
    let pulled = f.pull_all(&token).await;
    pulled
        .households
        .iter()
        .filter(|h| h.grid_id == f.seed.grid_ids[0])
        .map(|h| h.code.clone())
        .collect()
}

/// The next `k` codes of grid 1 in the format its seeded households have
/// (`HP01-0005` after `HP01-0004`, beside the grid's own code `HP-01`).
async fn next_grid1_codes(f: &Fixture, k: u32) -> Vec<String> {
    let high = grid1_codes(f)
        .await
        .iter()
        .filter_map(|c| c.strip_prefix("HP01-"))
        .filter_map(|n| n.parse::<u32>().ok())
        .max()
        .expect("seeded households in the HP01- format");
    (1..=k).map(|i| format!("HP01-{:04}", high + i)).collect()
}

#[tokio::test]
async fn the_same_ledger_twice_is_refused_the_second_time_and_writes_nothing() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let code = grid_code(&f, 1).await;
    let rows = good_rows(&code);
    let expected = next_grid1_codes(&f, 1).await;
    let first = import_ledger(&mut admin, &csrf, &rows).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let couple = expected[0].clone();
    assert!(first.body.contains(&couple), "{}", first.body);
    assert!(
        !first.body.contains(&format!("{code}-0")),
        "the grid's own format"
    );
    let after_first = f.household_total().await;

    let again = import_ledger(&mut admin, &csrf, &rows).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert_eq!(
        f.household_total().await,
        after_first,
        "nothing more written"
    );
    assert!(again.body.contains("未导入任何数据"));
    // Rows 2-4 are the couple's household (row 4 has no ID number), row 5 the elder's.
    for (row, column) in [
        (2, "小区"),
        (2, "身份证号"),
        (3, "身份证号"),
        (5, "小区"),
        (5, "身份证号"),
    ] {
        let line = format!(
            "<tr><td>台账</td><td>{row}</td><td>{column}</td><td><code>already_registered</code>"
        );
        assert!(
            again.body.contains(&line),
            "missing {line} in {}",
            again.body
        );
    }
    assert!(
        !again.body.contains("<tr><td>台账</td><td>4</td>"),
        "row 4 matches nothing"
    );
    assert!(again.body.contains(&format!("已登记在住户 {couple}")));
    for r in &rows {
        if !r[6].is_empty() {
            assert!(
                !again.body.contains(&r[6]),
                "a whole ID number is never shown"
            );
        }
    }
    assert!(
        again.body.contains("330106********"),
        "a masked ID is shown"
    );
    assert!(
        f.audit_actions()
            .await
            .contains(&"ledger.refused".to_owned())
    );
}

#[tokio::test]
async fn a_row_with_a_stored_residents_id_number_is_refused_by_row() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let seeded = f
        .server
        .storage()
        .household(f.seed.households[1][0])
        .await
        .expect("read")
        .expect("seeded household");
    let id = seeded.residents[0].id_number.clone().expect("an ID number");
    let code = grid_code(&f, 1).await;
    let mut rows = household_rows(&code, "新台账小区", 1);
    // Row 3: the spouse carries the ID number of a seeded resident of grid 2.
    rows[1][6] = id.clone();
    let before = f.household_total().await;
    let p = import_ledger(&mut admin, &csrf, &rows).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert_eq!(f.household_total().await, before, "nothing imported");
    assert!(
        p.body.contains(
            "<tr><td>台账</td><td>3</td><td>身份证号</td><td><code>already_registered</code>"
        ),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("<tr><td>台账</td><td>2</td>"),
        "row 2 is new"
    );
    assert!(p.body.contains(&seeded.code), "names the stored household");
    assert!(!p.body.contains(&id), "never the whole ID number");
    assert!(
        p.body
            .contains(&format!("{}********{}", &id[..6], &id[14..]))
    );
}

#[tokio::test]
async fn an_address_that_differs_only_by_spaces_is_the_same_household() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let code = grid_code(&f, 1).await;
    let first = import_ledger(&mut admin, &csrf, &household_rows(&code, "新台账小区", 1)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let stored = f.household_total().await;

    // New people, the same home typed with spaces (ASCII and 全角).
    let mut rows = household_rows(&code, "新台账\u{3000}小区", 2);
    for r in &mut rows {
        r[2] = "1 栋".into();
        r[3] = "1 单元".into();
        r[4] = " 101".into();
    }
    let again = import_ledger(&mut admin, &csrf, &rows).await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert!(
        again.body.contains(
            "<tr><td>台账</td><td>2</td><td>小区</td><td><code>already_registered</code>"
        ),
        "{}",
        again.body
    );
    assert!(
        !again
            .body
            .contains("<td>身份证号</td><td><code>already_registered"),
        "the people are new"
    );
    assert_eq!(f.household_total().await, stored, "nothing imported");
}

#[tokio::test]
async fn a_legacy_15_digit_id_number_matches_its_stored_18_digit_form() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    let storage = f.server.storage();
    let mut stored = None;
    for id in &f.seed.households[1] {
        let h = storage.household(*id).await.expect("read").expect("seeded");
        if let Some(n) = h
            .residents
            .iter()
            .filter_map(|r| r.id_number.clone())
            .find(|n| &n[6..8] == "19")
        {
            stored = Some((h.code, n));
            break;
        }
    }
    let (household_code, id) = stored.expect("a seeded resident born in the 1900s");
    // The old card: no century digits, no check character.
    let legacy = format!("{}{}", &id[..6], &id[8..17]);
    let code = grid_code(&f, 1).await;
    let mut rows = household_rows(&code, "旧证小区", 1);
    rows[1][6] = legacy.clone();
    let p = import_ledger(&mut admin, &csrf, &rows).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body.contains(
            "<tr><td>台账</td><td>3</td><td>身份证号</td><td><code>already_registered</code>"
        ),
        "{}",
        p.body
    );
    assert!(
        p.body.contains(&household_code),
        "names the stored household"
    );
    assert!(!p.body.contains(&legacy) && !p.body.contains(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_imports_into_one_grid_get_unique_codes_and_one_file_lands_once() {
    let f = fixture().await;
    let (mut a, mut b) = (f.browser("admin").await, f.browser("admin").await);
    let (csrf_a, csrf_b) = (a.csrf().await, b.csrf().await);
    let code = grid_code(&f, 1).await;
    let mut file_a = household_rows(&code, "甲小区", 1);
    file_a.extend(household_rows(&code, "甲小区二期", 2));
    let mut file_b = household_rows(&code, "乙小区", 3);
    file_b.extend(household_rows(&code, "乙小区二期", 4));
    let (file_a, file_b) = (ledger(&file_a), ledger(&file_b));
    let before = f.household_total().await;
    let expected = next_grid1_codes(&f, 4).await;
    let (pa, pb) = tokio::join!(
        upload_and_confirm(&mut a, &csrf_a, "a.xlsx", &file_a),
        upload_and_confirm(&mut b, &csrf_b, "b.xlsx", &file_b),
    );
    assert_eq!(pa.status, StatusCode::OK, "{}", pa.body);
    assert_eq!(pb.status, StatusCode::OK, "{}", pb.body);
    assert_eq!(f.household_total().await, before + 4);
    let codes = grid1_codes(&f).await;
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), codes.len(), "codes are unique: {codes:?}");
    for c in &expected {
        assert!(codes.contains(c), "{c} in {codes:?}");
    }

    // One file sent twice at once: one import lands, the other is refused.
    let same = ledger(&household_rows(&code, "丙小区", 5));
    let (pa, pb) = tokio::join!(
        upload_and_confirm(&mut a, &csrf_a, "c.xlsx", &same),
        upload_and_confirm(&mut b, &csrf_b, "c.xlsx", &same),
    );
    let mut statuses = [pa.status, pb.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY],
        "{}\n{}",
        pa.body,
        pb.body
    );
    assert_eq!(f.household_total().await, before + 5);
}

#[tokio::test]
async fn a_workbook_that_unpacks_past_the_cap_is_refused_before_parsing() {
    use std::io::Write;
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let csrf = admin.csrf().await;
    // A sheet padded with 51 MB of spaces: a few dozen KB deflated. It has no
    // workbook part, so had calamine opened it the answer would be a 400.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    zip.start_file("xl/worksheets/sheet1.xml", options)
        .expect("part");
    zip.write_all(b"<worksheet><sheetData>").expect("write");
    let padding = vec![b' '; 1024 * 1024];
    for _ in 0..51 {
        zip.write_all(&padding).expect("write");
    }
    zip.write_all(b"</sheetData></worksheet>").expect("write");
    let bomb = zip.finish().expect("zip").into_inner();
    assert!(bomb.len() < 1024 * 1024, "small enough to upload");
    let before = f.household_total().await;
    let p = admin
        .upload("/console/admin/ledger", Some(&csrf), "台账.xlsx", &bomb)
        .await;
    assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", p.body);
    assert!(p.body.contains("解压后超过 50 MB"), "{}", p.body);
    assert_eq!(f.household_total().await, before);
}

#[tokio::test]
async fn the_blank_ledger_template_has_the_header_row() {
    use calamine::Reader;
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let (status, bytes) = admin.get_bytes("/console/admin/ledger/template.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let header: Vec<String> = range
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    for h in HEADER {
        assert!(header.contains(&h.to_owned()), "missing {h}");
    }
}

fn json_form(id: &str, version: u64) -> String {
    json!({
        "format": 1, "id": id, "version": version,
        "title": {"zh": "管理员上传测试", "en": "Admin upload test"},
        "fields": [
            {"name": "note", "type": "text", "label": {"zh": "情况说明", "en": "Notes"}, "required": true}
        ]
    })
    .to_string()
}

fn xlsform(id: &str, version: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let survey = wb.add_worksheet();
    survey.set_name("survey").expect("name");
    for (r, cells) in [
        ["type", "name", "label::zh", "label::en"],
        ["text", "note", "情况说明", "Notes"],
        ["integer", "people", "在家人数", "People at home"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in cells.iter().enumerate() {
            survey.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    let settings = wb.add_worksheet();
    settings.set_name("settings").expect("name");
    for (r, cells) in [
        ["form_id", "version", "form_title"],
        [id, version, "管理员上传测试"],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in cells.iter().enumerate() {
            settings.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn templates_upload_as_new_versions_and_an_older_one_is_refused() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let page = admin.get("/console/admin/templates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("elder_alone_visit"), "built-ins listed");
    let csrf = csrf_in(&page.body);

    let check = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            json_form("admin_upload", 1).as_bytes(),
        )
        .await;
    assert!(check.body.contains("尚未发布"), "{}", check.body);
    let p = press(&mut admin, &check, "publish").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("已发布模板 admin_upload 版本 1"));

    let check = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.xlsx",
            &xlsform("admin_upload", "2"),
        )
        .await;
    let p = press(&mut admin, &check, "publish").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("<td>1, 2</td>"), "both versions listed");

    let p = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            json_form("admin_upload", 2).as_bytes(),
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("不大于已发布的最新版本 2"), "{}", p.body);

    // Load problems carry their positions.
    let bad = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let survey = wb.add_worksheet();
        survey.set_name("survey").expect("name");
        for (r, cells) in [["type", "name", "label"], ["no_such_type", "q", "问题"]]
            .iter()
            .enumerate()
        {
            for (c, v) in cells.iter().enumerate() {
                survey.write_string(r as u32, c as u16, *v).expect("cell");
            }
        }
        let settings = wb.add_worksheet();
        settings.set_name("settings").expect("name");
        settings.write_string(0, 0, "form_id").expect("cell");
        settings.write_string(1, 0, "admin_upload").expect("cell");
        wb.save_to_buffer().expect("xlsx")
    };
    let p = admin
        .upload("/console/admin/templates", Some(&csrf), "bad.xlsx", &bad)
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body
            .contains("工作表 survey 第 2 行 A (type) 列：不支持类型 `no_such_type`"),
        "{}",
        p.body
    );
    let p = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            b"{\"id\": \"x\"",
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains(
            "表单定义有误：定义不是有效的表单 JSON：内容不完整，提前结束（第 1 行第 10 列）"
        ),
        "{}",
        p.body
    );
    // A broken definition's problems are in Chinese, HTML-escaped.
    let broken = serde_json::json!({
        "id": "admin_upload",
        "version": 3,
        "title": {"zh": "坏表", "en": "Broken"},
        "fields": [{"name": "a<b", "type": "text", "label": {"zh": "甲", "en": "A"}}],
    });
    let p = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            broken.to_string().as_bytes(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains(
            "<li>表单定义有误：`a&lt;b` 不是有效的字段名（须以字母或 `_` 开头，其后只能是字母、数字、`_`、`-`、`.`）</li>"
        ),
        "{}",
        p.body
    );
    assert!(!p.body.contains("a<b"), "escaped");

    let stored: Vec<u32> = f
        .server
        .storage()
        .templates()
        .await
        .expect("templates")
        .into_iter()
        .filter(|t| t.template_id == "admin_upload")
        .map(|t| t.version)
        .collect();
    assert_eq!(stored, [1, 2]);
    let audit = f.audit_actions().await;
    assert_eq!(audit.iter().filter(|a| *a == "template.publish").count(), 2);
    // Phones receive both versions.
    let token = f.token("worker1", PASSWORD).await.expect("token");
    let pulled = f.pull_all(&token).await;
    let mut versions: Vec<u32> = pulled
        .templates
        .iter()
        .filter(|t| t.template_id == "admin_upload")
        .map(|t| t.version)
        .collect();
    versions.sort();
    assert_eq!(versions, [1, 2]);
}

/// The content hash a template check page publishes or cancels.
fn checked_upload(page: &str) -> String {
    let at = page
        .find("name=\"upload\" value=\"")
        .unwrap_or_else(|| panic!("no check form: {page}"))
        + "name=\"upload\" value=\"".len();
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

/// Presses 发布 (`publish`) or 取消 (`cancel`) on a template check page.
async fn press(admin: &mut Browser, check: &Page, action: &str) -> Page {
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    let csrf = csrf_in(&check.body);
    let upload = checked_upload(&check.body);
    admin
        .post(
            "/console/admin/templates/confirm",
            &[("csrf", &csrf), ("upload", &upload), ("action", action)],
        )
        .await
}

/// A workbook of `(sheet, rows)`, every cell written as text.
fn workbook_of(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = wb.add_worksheet();
        sheet.set_name(*name).expect("name");
        for (r, cells) in rows.iter().enumerate() {
            for (c, v) in cells.iter().enumerate() {
                sheet.write_string(r as u32, c as u16, *v).expect("cell");
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn a_kobo_workbook_with_its_choice_file_publishes_with_what_it_left_out_listed() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let page = admin.get("/console/admin/templates").await;
    assert!(
        page.body.contains("name=\"attachments\""),
        "choice files can be attached"
    );
    let csrf = csrf_in(&page.body);
    let kobo = workbook_of(&[
        ("说明", vec![vec!["填写说明"], vec!["第一行是表头"]]),
        (
            "survey",
            vec![
                vec!["type", "name", "label:English", "label:Chinese"],
                vec!["start", "start", "", ""],
                vec!["text", "note", "Notes", "情况说明"],
                vec![
                    "select_one_from_file villages.csv",
                    "village",
                    "Village",
                    "村",
                ],
            ],
        ),
        (
            "settings",
            vec![
                vec!["form_title", "form_id", "version", "public_key"],
                vec!["入户走访（Kobo）", "kobo_upload", "3", "MIIBIjAN"],
            ],
        ),
    ]);
    let villages = "name,label\nxc,新村\ndz,东庄\n".as_bytes();

    // Without its choice file the workbook is refused, saying which file to attach.
    let p = admin
        .upload("/console/admin/templates", Some(&csrf), "kobo.xlsx", &kobo)
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body
            .contains("没有找到选项文件 `villages.csv`：请与表单一起上传"),
        "{}",
        p.body
    );

    // With it, the check page lists what is left out, cell by cell, and the
    // questions with their choices; nothing is published yet.
    let check = admin
        .upload_attached(
            "/console/admin/templates",
            Some(&csrf),
            "kobo.xlsx",
            &kobo,
            &[("villages.csv", villages)],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    for shown in [
        "<th>工作表</th><th>行</th><th>列</th><th>原因</th>",
        "<tr><td>说明</td><td>—</td><td>—</td><td>这个工作表不属于 XLSForm",
        "<tr><td>settings</td><td>2</td><td>D (public_key)</td><td>设置项 `public_key` 不适用于手机表单，未读取</td></tr>",
        "问题（2 个）",
        "<code>village</code></td><td>select_one</td><td>村</td><td>新村、东庄</td>",
        "<button type=\"submit\" name=\"action\" value=\"publish\">发布</button>",
        "<button type=\"submit\" name=\"action\" value=\"cancel\">取消</button>",
    ] {
        assert!(
            check.body.contains(shown),
            "{shown} on the check page: {}",
            check.body
        );
    }
    assert!(
        f.server
            .storage()
            .templates()
            .await
            .expect("templates")
            .iter()
            .all(|t| t.template_id != "kobo_upload"),
        "not published before 发布"
    );
    let p = press(&mut admin, &check, "publish").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("已发布模板 kobo_upload 版本 3"),
        "{}",
        p.body
    );
    assert!(p.body.contains("已略过"), "{}", p.body);
    for left_out in [
        "工作表 `说明`：这个工作表不属于 XLSForm",
        "工作表 `settings` 第 2 行 D (public_key) 列：设置项 `public_key` 不适用于手机表单，未读取",
    ] {
        assert!(p.body.contains(left_out), "{left_out} listed: {}", p.body);
    }
    // The phones get the Chinese labels of the English-first workbook and
    // the villages of the attached file.
    let token = f.token("worker1", PASSWORD).await.expect("token");
    let pulled = f.pull_all(&token).await;
    let template = pulled
        .templates
        .iter()
        .find(|t| t.template_id == "kobo_upload")
        .expect("published");
    let definition = template.definition.to_string();
    assert!(definition.contains("情况说明") && definition.contains("Notes"));
    assert!(definition.contains("新村") && definition.contains("东庄"));

    // An English console shows the English texts.
    let mut en = f.browser("admin").await;
    let _ = en.get("/console/lang?to=en").await;
    let page = en.get("/console/admin/templates").await;
    let csrf = csrf_in(&page.body);
    let p = en
        .upload_attached(
            "/console/admin/templates",
            Some(&csrf),
            "kobo.xlsx",
            &kobo,
            &[("villages.csv", villages)],
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);
    assert!(
        p.body.contains(
            "sheet `settings`, row 2, column D (public_key): setting `public_key` does not apply to a phone form; left out"
        ),
        "{}",
        p.body
    );
}

/// The create-user form of a user named 郑丽 with a good password.
fn new_user_form<'a>(
    csrf: &'a str,
    username: &'a str,
    role: &'a str,
    community: &'a str,
) -> [(&'static str, &'a str); 6] {
    [
        ("csrf", csrf),
        ("username", username),
        ("display_name", "郑丽"),
        ("password", "a-long-password"),
        ("role", role),
        ("community", community),
    ]
}

#[tokio::test]
async fn an_admin_makes_a_supervisor_of_a_whole_community_who_also_oversees_grids_added_later() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let page = admin.get("/console/admin/users").await;
    let csrf = csrf_in(&page.body);
    let community = f.tree().await[0].community_id.to_string();
    assert!(
        page.body
            .contains(&format!("<option value=\"{community}\">")),
        "the form offers the community"
    );
    let nowhere = uuid::Uuid::new_v4().to_string();
    for (fields, reason) in [
        (
            new_user_form(&csrf, "worker8", "worker", &community),
            "网格员按网格分配，不能负责整个社区",
        ),
        (
            new_user_form(&csrf, "sup8", "supervisor", ""),
            "请至少选择一个网格",
        ),
        (
            new_user_form(&csrf, "sup8", "supervisor", &nowhere),
            "所选社区不存在",
        ),
    ] {
        let refused = admin.post("/console/admin/users", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.body.contains(reason), "{reason}: {}", refused.body);
    }

    let created = admin
        .post(
            "/console/admin/users",
            &new_user_form(&csrf, "sup8", "supervisor", &community),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let storage = f.server.storage();
    let sup = storage
        .user_by_username("sup8")
        .await
        .expect("read")
        .expect("created");
    assert_eq!(
        sup.community_id.map(|c| c.to_string()).as_deref(),
        Some(community.as_str())
    );
    let scope = |grids: Vec<doorstep_core::store::households::GridInfo>| {
        let mut ids: Vec<_> = grids.into_iter().map(|g| g.id).collect();
        ids.sort();
        ids
    };
    let mut community_grids: Vec<_> = f
        .tree()
        .await
        .into_iter()
        .filter(|g| g.community_id.to_string() == community)
        .map(|g| g.id)
        .collect();
    community_grids.sort();
    assert_eq!(
        scope(storage.grids_of(sup.id).await.expect("grids")),
        community_grids
    );

    let added = doorstep_core::domain::Grid {
        id: uuid::Uuid::new_v4(),
        community_id: community.parse().expect("uuid"),
        code: "HP-09".into(),
        name: "和平社区新建网格".into(),
    };
    storage.add_grid(&added).await.expect("add grid");
    assert!(
        scope(storage.grids_of(sup.id).await.expect("grids")).contains(&added.id),
        "a grid added to the community later is the supervisor's too"
    );
    let mut supervisor = f.browser_with("sup8", "a-long-password").await;
    let dashboard = supervisor.get("/console").await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.body.contains("和平社区新建网格"),
        "{}",
        dashboard.body
    );
}

#[tokio::test]
async fn a_checked_template_is_published_only_on_confirm_and_cancel_discards_it() {
    let f = fixture().await;
    let mut admin = f.browser("admin").await;
    let _ = admin.get("/console/lang?to=en").await;
    let page = admin.get("/console/admin/templates").await;
    let csrf = csrf_in(&page.body);
    let published = |f: &Fixture| {
        let storage = f.server.storage();
        async move {
            storage
                .templates()
                .await
                .expect("templates")
                .into_iter()
                .filter(|t| t.template_id == "checked_form")
                .map(|t| t.version)
                .collect::<Vec<u32>>()
        }
    };
    // Upload, then 取消 / Cancel: nothing is published, and the upload is gone.
    let check = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            json_form("checked_form", 1).as_bytes(),
        )
        .await;
    assert!(
        check.body.contains("nothing is published yet")
            && check.body.contains("Nothing was left out."),
        "{}",
        check.body
    );
    let p = press(&mut admin, &check, "cancel").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("Cancelled: the form was not published"),
        "{}",
        p.body
    );
    assert_eq!(published(&f).await, Vec::<u32>::new());
    let p = press(&mut admin, &check, "publish").await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.body);
    assert!(p.body.contains("upload the form file again"), "{}", p.body);
    assert_eq!(published(&f).await, Vec::<u32>::new());
    assert!(
        !f.audit_actions()
            .await
            .iter()
            .any(|a| a == "template.publish")
    );

    // Upload the same file again, then Publish: the bytes kept since the
    // check are what is published, once.
    let check = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            json_form("checked_form", 1).as_bytes(),
        )
        .await;
    let p = press(&mut admin, &check, "publish").await;
    assert!(
        p.body.contains("Published template checked_form version 1"),
        "{}",
        p.body
    );
    assert_eq!(published(&f).await, [1]);
    let again = press(&mut admin, &check, "publish").await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "published once");

    // A supervisor cannot publish what the admin checked.
    let check = admin
        .upload(
            "/console/admin/templates",
            Some(&csrf),
            "form.json",
            json_form("checked_form", 2).as_bytes(),
        )
        .await;
    let mut sup = f.browser("supervisor").await;
    let sup_csrf = sup.csrf().await;
    let p = sup
        .post(
            "/console/admin/templates/confirm",
            &[
                ("csrf", &sup_csrf),
                ("upload", &checked_upload(&check.body)),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // Without the CSRF token nothing happens either.
    let p = admin
        .post(
            "/console/admin/templates/confirm",
            &[
                ("upload", &checked_upload(&check.body)),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(published(&f).await, [1]);
    let p = press(&mut admin, &check, "publish").await;
    assert!(
        p.body.contains("Published template checked_form version 2"),
        "{}",
        p.body
    );
    assert_eq!(published(&f).await, [1, 2]);
}
