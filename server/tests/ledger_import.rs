//! Bringing in the ledgers offices already keep, through the console as an
//! admin does it, against a real server on loopback (SQLite, or PostgreSQL
//! under `tests/run-postgres.sh`). Each workbook is laid out the way a 社区
//! office lays out its 花名册: a merged title row, a 填报单位 / 填报日期 row,
//! one- and two-level headers, a 合计 and a 制表人 row, one row per household
//! or per resident, several sheets, addresses in one cell, categories with
//! classes and amounts, `.xlsx` and `.xls`. Every import goes upload →
//! preview → confirm, and what the grid's worker then pulls is checked
//! household by household against what the file says.

use std::collections::BTreeMap;

use doorstep_core::sync::protocol::{HouseholdRecord, PullResponse};
use reqwest::StatusCode;
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use serde_json::{Value, json};

mod common;

use common::browser::{Browser, Page};
use common::{Fixture, PASSWORD};

async fn fixture() -> Fixture {
    common::fixture_with(2, 1, |_| {}).await
}

/// An 18-character identity number from its 17 first characters.
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

/// The ID number of someone born on `birth` (YYYYMMDD): sequence `seq`
/// (three digits; the last odd for a man, even for a woman).
fn id(birth: &str, seq: &str) -> String {
    id_number(&format!("330106{birth}{seq}"))
}

/// A sheet laid out as offices lay them out: a merged title row, a 填报 row,
/// the header, the rows (blank cells left empty), a 合计 and a 制表人 row.
fn office_sheet(ws: &mut Worksheet, title: &str, header: &[&str], rows: &[Vec<String>]) {
    let bold = Format::new().set_bold();
    let last = header.len() as u16 - 1;
    ws.merge_range(0, 0, 0, last, title, &bold).expect("title");
    ws.write_string(1, 0, "填报单位：和平社区居委会")
        .expect("filing");
    ws.write_string(1, last, "填报日期：2026年12月5日")
        .expect("filing");
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold)
            .expect("header");
    }
    write_rows(ws, 3, rows);
    let end = 3 + rows.len() as u32;
    ws.write_string(end, 0, "合计").expect("total");
    ws.write_string(end, 1, format!("{}户", rows.len()))
        .expect("total");
    ws.write_string(end + 2, 0, "制表人：王芳　　审核人：李强")
        .expect("signature");
}

fn write_rows(ws: &mut Worksheet, from: u32, rows: &[Vec<String>]) {
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(from + r as u32, c as u16, cell)
                    .expect("cell");
            }
        }
    }
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

/// The 和平社区城市低保户花名册（2026年12月）of the issue: one row per
/// household, the head's ID number, 家庭人口, one address cell, 低保类别
/// and 保障金额.
fn dibao_roster() -> (Vec<u8>, Vec<String>) {
    let ids = vec![
        id("19580312", "011"),
        id("19620720", "022"),
        id("19751105", "031"),
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("城市低保").expect("name");
    office_sheet(
        ws,
        "和平社区城市低保户花名册（2026年12月）",
        &[
            "序号",
            "户主姓名",
            "性别",
            "身份证号码",
            "家庭人口",
            "家庭住址",
            "联系电话",
            "低保类别",
            "保障金额（元）",
            "备注",
        ],
        &[
            strings(&[
                "1",
                "张建国",
                "男",
                &ids[0],
                "3",
                "和平社区阳光小区3栋2单元302",
                "13812345001",
                "A类",
                "1260",
                "",
            ]),
            strings(&[
                "2",
                "刘秀英",
                "女",
                &ids[1],
                "1",
                "翠竹苑2幢201室",
                "0571-86001234",
                "B类",
                "680.50",
                "独居",
            ]),
            strings(&[
                "3",
                "陈志强",
                "男",
                &ids[2],
                "2",
                "锦绣花园12号楼三单元1102",
                "",
                "C类",
                "420",
                "",
            ]),
        ],
    );
    (wb.save_to_buffer().expect("xlsx"), ids)
}

impl Fixture {
    async fn admin(&self) -> (Browser, String) {
        let mut b = Browser::new(&self.server.url());
        b.login_with("admin", PASSWORD).await;
        let csrf = b.csrf().await;
        (b, csrf)
    }

    /// Everything `username`'s device pulls from the beginning.
    async fn pull(&self, username: &str) -> PullResponse {
        let r = self
            .http
            .post(format!("{}/api/v1/login", self.server.url()))
            .json(&json!({"username": username, "password": PASSWORD, "device_name": "test"}))
            .send()
            .await
            .expect("login");
        let v: Value = r.json().await.expect("JSON");
        let token = v["token"].as_str().expect("token").to_owned();
        let mut all: Option<PullResponse> = None;
        let mut cursor: Option<String> = None;
        loop {
            let mut req = self
                .http
                .get(format!("{}/api/v1/pull", self.server.url()))
                .bearer_auth(&token);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let page: PullResponse = req.send().await.expect("pull").json().await.expect("JSON");
            cursor = Some(page.cursor.clone());
            let more = page.more;
            match &mut all {
                None => all = Some(page),
                Some(a) => a.households.extend(page.households),
            }
            if !more {
                return all.expect("a page");
            }
        }
    }

    /// The households grid 1's worker pulls, by their one-line address.
    async fn grid1_households(&self) -> BTreeMap<String, HouseholdRecord> {
        self.pull("worker1")
            .await
            .households
            .into_iter()
            .filter(|h| h.grid_id == self.seed.grid_ids[0])
            .map(|h| (one_line(&h), h))
            .collect()
    }

    async fn audit_actions_contain(&self, action: &str) -> bool {
        let log = self.server.storage().audit_log(100).await.expect("audit");
        log.iter().any(|e| e.action == action)
    }

    async fn grid_id(&self, n: usize) -> String {
        self.seed.grid_ids[n - 1].to_string()
    }
}

fn one_line(h: &HouseholdRecord) -> String {
    let mut s = h.estate.clone();
    for p in [&h.building, &h.unit, &h.door].into_iter().flatten() {
        s.push_str(p);
    }
    s
}

/// Uploads a workbook with the grid for the whole file (or none).
async fn preview(admin: &mut Browser, csrf: &str, name: &str, bytes: &[u8], grid: &str) -> Page {
    admin
        .upload_with(
            "/console/admin/ledger",
            Some(csrf),
            &[("grid", grid)],
            name,
            bytes,
        )
        .await
}

fn token(body: &str) -> String {
    let mark = "name=\"token\" value=\"";
    let at = body.find(mark).expect("a preview token") + mark.len();
    body[at..at + 36].to_owned()
}

/// Posts the preview's form with these choices and `action`.
async fn submit(
    admin: &mut Browser,
    csrf: &str,
    page: &Page,
    choices: &[(&str, &str)],
    action: &str,
) -> Page {
    let token = token(&page.body);
    let mut form = vec![
        ("csrf", csrf),
        ("token", token.as_str()),
        ("action", action),
    ];
    form.extend_from_slice(choices);
    admin.post("/console/admin/ledger/confirm", &form).await
}

/// Uploads with a grid for the whole file and confirms the clean preview.
async fn import(f: &Fixture, admin: &mut Browser, csrf: &str, name: &str, bytes: &[u8]) -> Page {
    let grid = f.grid_id(1).await;
    let p = preview(admin, csrf, name, bytes, &grid).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("value=\"confirm\""),
        "a clean preview can be confirmed"
    );
    let done = submit(admin, csrf, &p, &[], "confirm").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("已导入"), "{}", done.body);
    done
}

fn attrs(h: &HouseholdRecord, resident: usize, tag: &str) -> BTreeMap<String, String> {
    h.residents[resident]
        .tags
        .iter()
        .find(|t| t.code == tag)
        .unwrap_or_else(|| panic!("tag {tag} on {}", h.residents[resident].name))
        .attributes
        .clone()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_issues_dibao_roster_previews_then_imports_household_by_household() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let form = admin.get("/console/admin/ledger").await;
    assert!(form.body.contains("name=\"file\""));
    assert!(
        form.body.contains("<select name=\"grid\">"),
        "the grid is chosen in the upload form"
    );
    let (bytes, ids) = dibao_roster();
    let grid = f.grid_id(1).await;
    let before = f.grid1_households().await.len();

    let p = preview(
        &mut admin,
        &csrf,
        "和平社区城市低保户花名册.xlsx",
        &bytes,
        &grid,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body.contains("表头在第 3"),
        "title and 填报 rows skipped: {}",
        p.body
    );
    assert!(
        p.body.contains("3 户、3 位居民"),
        "the 合计 row is not a household"
    );
    assert_eq!(
        f.grid1_households().await.len(),
        before,
        "a preview writes nothing"
    );
    // Each column with its field, editable.
    assert!(p.body.contains("<select name=\"col_0_5\""));
    for (col, code) in [
        (1, "name"),
        (3, "id_number"),
        (5, "address"),
        (7, "dibao_class"),
        (8, "dibao_amount"),
    ] {
        let select = format!("name=\"col_0_{col}\"");
        let at = p.body.find(&select).expect("a select per column");
        let end = at + p.body[at..].find("</select>").expect("select end");
        assert!(
            p.body[at..end].contains(&format!("<option value=\"{code}\" selected>")),
            "column {col} → {code}"
        );
    }
    // The first rows as they will be stored, ID numbers masked.
    assert!(
        p.body.contains(
            "<td>和平社区阳光小区</td><td>3栋</td><td>2单元</td><td>302</td><td>张建国</td>"
        ),
        "{}",
        p.body
    );
    assert!(!p.body.contains(&ids[0]), "never a whole ID number");
    assert!(p.body.contains("330106********"));
    assert!(!p.body.contains("13812345001"), "never a whole phone");

    let done = submit(&mut admin, &csrf, &p, &[], "confirm").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("已导入 3 户、3 位居民"), "{}", done.body);

    let hs = f.grid1_households().await;
    let h = &hs["和平社区阳光小区3栋2单元302"];
    assert_eq!(
        (
            h.estate.as_str(),
            h.building.as_deref(),
            h.unit.as_deref(),
            h.door.as_deref()
        ),
        ("和平社区阳光小区", Some("3栋"), Some("2单元"), Some("302"))
    );
    assert_eq!(h.residents.len(), 1, "members unknown: the head only");
    assert_eq!(h.residents[0].name, "张建国");
    assert_eq!(h.residents[0].relation, "head");
    assert_eq!(h.residents[0].id_number.as_deref(), Some(ids[0].as_str()));
    assert_eq!(h.residents[0].phone.as_deref(), Some("13812345001"));
    assert_eq!(
        attrs(h, 0, "dibao"),
        map(&[("amount", "1260"), ("area", "城市"), ("class", "A类")])
    );
    assert!(h.notes.contains("家庭人口：3人"), "{}", h.notes);

    let h = &hs["翠竹苑2幢201室"];
    assert_eq!(
        (h.building.as_deref(), h.unit.as_deref(), h.door.as_deref()),
        (Some("2幢"), None, Some("201室"))
    );
    assert_eq!(h.residents[0].name, "刘秀英");
    assert_eq!(h.residents[0].phone.as_deref(), Some("0571-86001234"));
    assert_eq!(
        attrs(h, 0, "dibao"),
        map(&[("amount", "680.5"), ("area", "城市"), ("class", "B类")])
    );
    assert!(
        h.notes.contains("独居") && h.notes.contains("家庭人口：1人"),
        "{}",
        h.notes
    );

    let h = &hs["锦绣花园12号楼三单元1102"];
    assert_eq!(h.residents[0].name, "陈志强");
    assert_eq!(h.residents[0].phone, None);
    assert_eq!(attrs(h, 0, "dibao")["class"], "C类");
}

/// A two-level header: 户主信息 merged over 姓名 and 身份证号, 序号 and
/// 家庭住址 merged down both header rows.
#[tokio::test]
async fn a_two_level_header_is_read_under_its_group() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let ids = [id("19450101", "013"), id("19500202", "024")];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    ws.merge_range(0, 0, 0, 4, "和平社区高龄老人花名册", &bold)
        .expect("title");
    ws.merge_range(1, 0, 2, 0, "序号", &bold).expect("h");
    ws.merge_range(1, 1, 1, 2, "户主信息", &bold).expect("h");
    ws.write_string(2, 1, "姓名").expect("h");
    ws.write_string(2, 2, "身份证号").expect("h");
    ws.merge_range(1, 3, 2, 3, "家庭住址", &bold).expect("h");
    ws.merge_range(1, 4, 2, 4, "联系方式", &bold).expect("h");
    write_rows(
        ws,
        3,
        &[
            strings(&["1", "赵桂兰", &ids[0], "两级小区1栋101", "13900001111"]),
            strings(&["2", "孙有福", &ids[1], "两级小区1栋102", ""]),
        ],
    );
    import(
        &f,
        &mut admin,
        &csrf,
        "高龄.xlsx",
        &wb.save_to_buffer().expect("xlsx"),
    )
    .await;
    let hs = f.grid1_households().await;
    assert_eq!(hs["两级小区1栋101"].residents[0].name, "赵桂兰");
    assert_eq!(
        hs["两级小区1栋101"].residents[0].id_number.as_deref(),
        Some(ids[0].as_str())
    );
    assert_eq!(
        hs["两级小区1栋101"].residents[0].phone.as_deref(),
        Some("13900001111")
    );
    assert_eq!(hs["两级小区1栋102"].residents[0].name, "孙有福");
}

/// One row per resident with 与户主关系; the address merged down each
/// family's rows; 性别 and 出生日期 agreeing with the ID numbers; 民族 not
/// stored.
#[tokio::test]
async fn a_roster_of_residents_groups_each_family_under_its_head() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let ids = [
        id("19700315", "015"),
        id("19720808", "026"),
        id("19990101", "035"),
        id("19400909", "048"),
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("居民花名册").expect("name");
    let header = [
        "序号",
        "姓名",
        "与户主关系",
        "公民身份号码",
        "性别",
        "出生日期",
        "民族",
        "现住址",
        "人员类别",
    ];
    office_sheet(
        ws,
        "和平社区居民花名册",
        &header,
        &[
            strings(&[
                "1",
                "周建军",
                "户主",
                &ids[0],
                "男",
                "1970-03-15",
                "汉",
                "成员小区5栋1单元101",
                "低保",
            ]),
            strings(&[
                "2",
                "吴丽华",
                "妻子",
                &ids[1],
                "女",
                "1972.08.08",
                "汉",
                "",
                "",
            ]),
            strings(&[
                "3",
                "周子豪",
                "儿子",
                &ids[2],
                "男",
                "1999年1月1日",
                "汉",
                "",
                "",
            ]),
            strings(&[
                "4",
                "郑阿婆",
                "户主",
                &ids[3],
                "女",
                "1940-09",
                "回",
                "成员小区5栋1单元102",
                "独居老人、高龄",
            ]),
        ],
    );
    // The address of each family merged down its rows.
    ws.merge_range(3, 7, 5, 7, "成员小区5栋1单元101", &Format::new())
        .expect("merge");
    let p = preview(
        &mut admin,
        &csrf,
        "居民.xlsx",
        &wb.save_to_buffer().expect("xlsx"),
        &f.grid_id(1).await,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("每行一位居民"));
    let done = submit(&mut admin, &csrf, &p, &[], "confirm").await;
    assert!(done.body.contains("已导入 2 户、4 位居民"), "{}", done.body);
    assert!(done.body.contains("民族"), "names the column not imported");
    let hs = f.grid1_households().await;
    let family = &hs["成员小区5栋1单元101"];
    let people: Vec<(&str, &str)> = family
        .residents
        .iter()
        .map(|r| (r.name.as_str(), r.relation.as_str()))
        .collect();
    assert_eq!(
        people,
        [
            ("周建军", "head"),
            ("吴丽华", "spouse"),
            ("周子豪", "child")
        ]
    );
    assert_eq!(family.residents[0].tags[0].code, "dibao");
    let elder = &hs["成员小区5栋1单元102"];
    let tags: Vec<&str> = elder.residents[0]
        .tags
        .iter()
        .map(|t| t.code.as_str())
        .collect();
    assert_eq!(tags, ["elder_alone", "senior"]);
}

/// 城市低保 and 农村低保 on two sheets, a 说明 sheet without a table; the
/// area from each sheet's name; village addresses.
#[tokio::test]
async fn several_sheets_each_become_part_of_the_import() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let ids = [
        id("19660606", "017"),
        id("19680707", "028"),
        id("19550505", "037"),
    ];
    let header = [
        "序号",
        "户主姓名",
        "身份证号",
        "家庭住址",
        "低保类别",
        "保障人数",
        "保障金额",
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("城市低保").expect("name");
    office_sheet(
        ws,
        "城市低保户花名册",
        &header,
        &[strings(&[
            "1",
            "钱多多",
            &ids[0],
            "双表小区1栋101",
            "A类",
            "2",
            "900",
        ])],
    );
    let ws = wb.add_worksheet();
    ws.set_name("农村低保").expect("name");
    office_sheet(
        ws,
        "农村低保户花名册",
        &header,
        &[
            strings(&[
                "1",
                "李大山",
                &ids[1],
                "李家村三组15号",
                "二类",
                "4",
                "1,200.00",
            ]),
            strings(&[
                "2",
                "王小河",
                &ids[2],
                "李家村三组16号",
                "3",
                "1人",
                "300元",
            ]),
        ],
    );
    let ws = wb.add_worksheet();
    ws.set_name("说明").expect("name");
    ws.write_string(0, 0, "本表由社区民政专干填写")
        .expect("note");
    let p = preview(
        &mut admin,
        &csrf,
        "低保.xlsx",
        &wb.save_to_buffer().expect("xlsx"),
        &f.grid_id(1).await,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("2 个工作表，3 户"), "{}", p.body);
    submit(&mut admin, &csrf, &p, &[], "confirm").await;
    let hs = f.grid1_households().await;
    assert_eq!(
        attrs(&hs["双表小区1栋101"], 0, "dibao"),
        map(&[
            ("amount", "900"),
            ("area", "城市"),
            ("class", "A类"),
            ("persons", "2")
        ])
    );
    let village = &hs["李家村三组15号"];
    assert_eq!(
        (village.estate.as_str(), village.door.as_deref()),
        ("李家村三组", Some("15号"))
    );
    assert_eq!(
        attrs(village, 0, "dibao"),
        map(&[
            ("amount", "1200"),
            ("area", "农村"),
            ("class", "B类"),
            ("persons", "4")
        ])
    );
    assert_eq!(attrs(&hs["李家村三组16号"], 0, "dibao")["persons"], "1");
    assert_eq!(attrs(&hs["李家村三组16号"], 0, "dibao")["class"], "C类");
}

/// A 残疾人 roster (类别/等级 in one cell, or in two) and an 优抚 roster.
#[tokio::test]
async fn disability_and_military_care_become_their_tags_attributes() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let ids = [
        id("19800404", "019"),
        id("19850505", "020"),
        id("19300101", "039"),
    ];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("残疾人").expect("name");
    office_sheet(
        ws,
        "和平社区残疾人花名册",
        &[
            "序号",
            "姓名",
            "性别",
            "身份证号",
            "残疾类别/等级",
            "家庭住址",
            "联系电话",
        ],
        &[
            strings(&[
                "1",
                "冯伟",
                "男",
                &ids[0],
                "肢体二级",
                "助残小区2栋301",
                "13700002222",
            ]),
            strings(&["2", "何静", "女", &ids[1], "视力/1级", "助残小区2栋302", ""]),
        ],
    );
    let ws = wb.add_worksheet();
    ws.set_name("优抚").expect("name");
    office_sheet(
        ws,
        "和平社区优抚对象花名册",
        &["序号", "姓名", "优抚类别", "身份证号", "住址"],
        &[strings(&[
            "1",
            "林老兵",
            "复员军人",
            &ids[2],
            "拥军小区1栋101",
        ])],
    );
    import(
        &f,
        &mut admin,
        &csrf,
        "残疾优抚.xlsx",
        &wb.save_to_buffer().expect("xlsx"),
    )
    .await;
    let hs = f.grid1_households().await;
    assert_eq!(
        attrs(&hs["助残小区2栋301"], 0, "disabled"),
        map(&[("level", "二级"), ("type", "肢体")])
    );
    assert_eq!(
        attrs(&hs["助残小区2栋302"], 0, "disabled"),
        map(&[("level", "一级"), ("type", "视力")])
    );
    assert_eq!(
        attrs(&hs["拥军小区1栋101"], 0, "military_care"),
        map(&[("kind", "复员军人")])
    );
}

/// A 台账 with a 网格 column (by name), estate/building/unit/door in their own
/// columns, and 户主 on every row beside 姓名.
#[tokio::test]
async fn a_ledger_with_its_own_grid_and_address_columns_needs_no_grid_chosen() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let grid = f
        .server
        .storage()
        .grid_tree()
        .await
        .expect("tree")
        .into_iter()
        .find(|g| g.id == f.seed.grid_ids[0])
        .expect("grid 1");
    let ids = [id("19600101", "051"), id("19620202", "062")];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    office_sheet(
        ws,
        "网格住户台账",
        &[
            "网格",
            "小区",
            "楼栋",
            "单元",
            "门牌号",
            "户主",
            "姓名",
            "与户主关系",
            "身份证号",
        ],
        &[
            strings(&[
                &grid.name,
                "网格列小区",
                "7栋",
                "1单元",
                "501",
                "马卫东",
                "马卫东",
                "户主",
                &ids[0],
            ]),
            strings(&[
                &grid.name,
                "网格列小区",
                "7栋",
                "1单元",
                "501",
                "马卫东",
                "黄梅",
                "配偶",
                &ids[1],
            ]),
        ],
    );
    let p = preview(
        &mut admin,
        &csrf,
        "台账.xlsx",
        &wb.save_to_buffer().expect("xlsx"),
        "",
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    submit(&mut admin, &csrf, &p, &[], "confirm").await;
    let hs = f.grid1_households().await;
    let h = &hs["网格列小区7栋1单元501"];
    assert_eq!(h.residents.len(), 2);
    assert_eq!(h.residents[1].name, "黄梅");
}

/// No grid on the form and none in the file: the estates are listed, not
/// guessed; the admin maps each once, and the next file of that estate needs
/// no choice.
#[tokio::test]
async fn estates_are_mapped_to_grids_once_and_the_map_is_kept() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let header = ["序号", "户主姓名", "家庭住址"];
    let book = |rows: &[Vec<String>]| {
        let mut wb = Workbook::new();
        office_sheet(wb.add_worksheet(), "花名册", &header, rows);
        wb.save_to_buffer().expect("xlsx")
    };
    let first = book(&[
        strings(&["1", "甲一", "映射小区1栋101"]),
        strings(&["2", "甲二", "映射小区1栋102"]),
        strings(&["3", "乙一", "别的小区3栋301"]),
    ]);
    let p = preview(&mut admin, &csrf, "a.xlsx", &first, "").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("<code>no_grid</code>"));
    assert!(p.body.contains("没有网格的小区"));
    assert!(!p.body.contains("value=\"confirm\""), "not confirmable yet");
    let (g1, g2) = (f.grid_id(1).await, f.grid_id(2).await);
    // Map only one estate: the other's rows are still listed.
    let p = submit(
        &mut admin,
        &csrf,
        &p,
        &[("estate_0", "映射小区"), ("estate_grid_0", &g1)],
        "apply",
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body
            .contains("<td>Sheet1</td><td>6</td><td>网格</td><td><code>no_grid</code>"),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("<td>Sheet1</td><td>4</td><td>网格</td>"),
        "mapped"
    );
    assert!(
        p.body.contains("name=\"estate_0\" value=\"别的小区\""),
        "{}",
        p.body
    );
    let p = submit(
        &mut admin,
        &csrf,
        &p,
        &[("estate_0", "别的小区"), ("estate_grid_0", &g2)],
        "apply",
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let done = submit(&mut admin, &csrf, &p, &[], "confirm").await;
    assert!(done.body.contains("已导入 3 户"), "{}", done.body);
    let hs = f.grid1_households().await;
    assert!(hs.contains_key("映射小区1栋101") && !hs.contains_key("别的小区3栋301"));
    let g2_households = f.pull("worker2").await.households;
    assert!(g2_households.iter().any(|h| h.estate == "别的小区"));

    // A later file of the same estate: its grid is remembered.
    let later = book(&[strings(&["1", "甲三", "映射小区1栋103"])]);
    let p = preview(&mut admin, &csrf, "b.xlsx", &later, "").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    submit(&mut admin, &csrf, &p, &[], "confirm").await;
    assert!(f.grid1_households().await.contains_key("映射小区1栋103"));
}

/// A header the table does not know is taken to a field on the preview; the
/// next file with the same headers comes with that mapping.
#[tokio::test]
async fn the_admins_mapping_is_remembered_for_the_next_file_with_the_same_headers() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let header = ["序号", "住户名", "房屋坐落", "联系电话"];
    let book = |rows: &[Vec<String>]| {
        let mut wb = Workbook::new();
        office_sheet(wb.add_worksheet(), "走访登记", &header, rows);
        wb.save_to_buffer().expect("xlsx")
    };
    let grid = f.grid_id(1).await;
    let p = preview(
        &mut admin,
        &csrf,
        "a.xlsx",
        &book(&[strings(&["1", "记忆甲", "记忆小区1栋101", ""])]),
        &grid,
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("缺少必填列“姓名”"));
    let p = submit(
        &mut admin,
        &csrf,
        &p,
        &[("col_0_1", "name"), ("col_0_2", "address")],
        "apply",
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(
        p.body
            .contains("<td>记忆小区</td><td>1栋</td><td></td><td>101</td><td>记忆甲</td>"),
        "{}",
        p.body
    );
    submit(&mut admin, &csrf, &p, &[], "confirm").await;

    let p = preview(
        &mut admin,
        &csrf,
        "b.xlsx",
        &book(&[strings(&["1", "记忆乙", "记忆小区1栋102", ""])]),
        &grid,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "remembered: {}", p.body);
    assert!(p.body.contains("<option value=\"name\" selected>"));
    submit(&mut admin, &csrf, &p, &[], "confirm").await;
    let hs = f.grid1_households().await;
    assert_eq!(hs["记忆小区1栋102"].residents[0].name, "记忆乙");
}

/// Cells of other types: a phone and an amount typed as numbers are read,
/// a birth date as an Excel date; an ID number typed as a number is refused
/// with the reason, and nothing is written.
#[tokio::test]
async fn cells_of_any_type_are_read_and_an_id_number_as_a_number_is_refused() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let ids = [id("19710203", "071")];
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let build = |id_as_number: bool| {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        office_sheet(
            ws,
            "数字格式花名册",
            &[
                "序号",
                "户主姓名",
                "身份证号",
                "出生日期",
                "家庭住址",
                "联系电话",
                "保障金额",
            ],
            &[strings(&["1", "数字甲", "", "", "数字小区1栋101", "", ""])],
        );
        ws.write_number(3, 0, 1).expect("serial");
        if id_as_number {
            ws.write_number(3, 2, 330106197102030710.0).expect("id");
        } else {
            ws.write_string(3, 2, &ids[0]).expect("id");
        }
        let born = rust_xlsxwriter::ExcelDateTime::from_ymd(1971, 2, 3).expect("date");
        ws.write_datetime_with_format(3, 3, &born, &date)
            .expect("date");
        ws.write_number(3, 5, 13812349999.0).expect("phone");
        ws.write_number(3, 6, 560.5).expect("amount");
        wb.save_to_buffer().expect("xlsx")
    };
    let grid = f.grid_id(1).await;
    let p = preview(&mut admin, &csrf, "a.xlsx", &build(true), &grid).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("<code>id_number_as_number</code>"));
    assert!(p.body.contains("身份证号被保存为数字"));
    assert!(
        !f.grid1_households().await.contains_key("数字小区1栋101"),
        "nothing written"
    );

    import(&f, &mut admin, &csrf, "b.xlsx", &build(false)).await;
    let h = &f.grid1_households().await["数字小区1栋101"];
    assert_eq!(h.residents[0].phone.as_deref(), Some("13812349999"));
    assert_eq!(attrs(h, 0, "dibao")["amount"], "560.5");
}

/// 性别 and 出生日期 that disagree with the ID number are listed by sheet,
/// row and column; the admin may set such a column to "not imported".
#[tokio::test]
async fn sex_and_birth_date_are_checked_against_the_id_number() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let ids = [id("19800101", "081"), id("19810202", "092")];
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("核对").expect("name");
    office_sheet(
        ws,
        "花名册",
        &[
            "序号",
            "户主姓名",
            "性别",
            "出生日期",
            "身份证号",
            "家庭住址",
        ],
        &[
            strings(&["1", "核对甲", "女", "1980-01-01", &ids[0], "核对小区1栋101"]),
            strings(&["2", "核对乙", "女", "1981-03-02", &ids[1], "核对小区1栋102"]),
        ],
    );
    let bytes = wb.save_to_buffer().expect("xlsx");
    let p = preview(&mut admin, &csrf, "a.xlsx", &bytes, &f.grid_id(1).await).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body
            .contains("<td>核对</td><td>4</td><td>性别</td><td><code>sex_mismatch</code>"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains(
            "<td>核对</td><td>5</td><td>出生日期</td><td><code>birth_date_mismatch</code>"
        ),
        "{}",
        p.body
    );
    assert!(
        !p.body.contains("<td>核对</td><td>5</td><td>性别</td>"),
        "row 5's sex agrees"
    );
    let p = submit(
        &mut admin,
        &csrf,
        &p,
        &[("col_0_2", ""), ("col_0_3", "")],
        "apply",
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let done = submit(&mut admin, &csrf, &p, &[], "confirm").await;
    assert!(done.body.contains("已导入 2 户"), "{}", done.body);
}

/// An address that cannot be split is kept whole as the estate and listed.
#[tokio::test]
async fn an_address_that_cannot_be_split_is_kept_whole_and_listed() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let mut wb = Workbook::new();
    office_sheet(
        wb.add_worksheet(),
        "花名册",
        &["序号", "户主姓名", "家庭住址"],
        &[
            strings(&["1", "整址甲", "整址小区4-2-301"]),
            strings(&["2", "整址乙", "东门外临时安置点"]),
        ],
    );
    let bytes = wb.save_to_buffer().expect("xlsx");
    let p = preview(&mut admin, &csrf, "a.xlsx", &bytes, &f.grid_id(1).await).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("无法拆分的地址"));
    assert!(p.body.contains("东门外临时安置点"));
    submit(&mut admin, &csrf, &p, &[], "confirm").await;
    let hs = f.grid1_households().await;
    assert_eq!(hs["东门外临时安置点"].building, None);
    let dashed = &hs["整址小区42301"];
    assert_eq!(
        (
            dashed.building.as_deref(),
            dashed.unit.as_deref(),
            dashed.door.as_deref()
        ),
        (Some("4"), Some("2"), Some("301"))
    );
    assert!(
        dashed.notes.contains("台账地址：整址小区4-2-301"),
        "the original is kept: {}",
        dashed.notes
    );
}

/// The older `.xls` format, as WPS and old Excel save it (made by
/// `tests/fixtures/make_xls.py`): title rows, 合计 row, one row per household.
#[tokio::test]
async fn an_xls_roster_is_read_like_an_xlsx_one() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let bytes = include_bytes!("fixtures/dibao-roster.xls");
    import(&f, &mut admin, &csrf, "低保.xls", bytes).await;
    let hs = f.grid1_households().await;
    let h = &hs["旧格式小区6栋1单元201"];
    assert_eq!(h.residents[0].name, "旧格式甲");
    assert_eq!(
        h.residents[0].id_number.as_deref(),
        Some(id("19610101", "101").as_str())
    );
    assert_eq!(
        attrs(h, 0, "dibao"),
        map(&[("amount", "800"), ("area", "城市"), ("class", "A类")])
    );
    assert_eq!(hs["旧格式小区6栋1单元202"].residents[0].name, "旧格式乙");
}

/// The round trip: a roster imported, then exported from the console, gives
/// the same people, addresses and categories.
#[tokio::test]
async fn an_imported_roster_exports_with_the_same_people_addresses_and_categories() {
    use calamine::Reader;
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    let (bytes, ids) = dibao_roster();
    import(&f, &mut admin, &csrf, "低保.xlsx", &bytes).await;
    let (status, out) = admin
        .get_bytes("/console/admin/ledger/export.xlsx?full=1")
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(out)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name}"))
    };
    let find = |name: &str| {
        rows.iter()
            .find(|r| r[col("姓名")] == name)
            .unwrap_or_else(|| panic!("{name} exported"))
    };
    let r = find("张建国");
    assert_eq!(r[col("家庭住址")], "和平社区阳光小区3栋2单元302");
    assert_eq!(r[col("身份证号")], ids[0]);
    assert_eq!(r[col("与户主关系")], "户主");
    assert_eq!(r[col("低保类别")], "A类");
    assert_eq!(r[col("保障金额")], "1260");
    assert!(r[col("人员类别")].contains("低保"));
    let r = find("刘秀英");
    assert_eq!(r[col("家庭住址")], "翠竹苑2幢201室");
    assert_eq!(r[col("保障金额")], "680.5");

    // Re-read by the importer itself, the export is a ledger it understands.
    let (status, out) = admin.get_bytes("/console/admin/ledger/export.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let p = preview(&mut admin, &csrf, "export.xlsx", &out, "").await;
    assert!(f.audit_actions_contain("ledger.export").await);
    assert!(
        p.body.contains("<option value=\"address\" selected>"),
        "{}",
        p.body
    );
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(out)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("sheet").expect("range");
    let masked = range
        .rows()
        .find(|r| r.iter().any(|c| *c == "张建国"))
        .expect("exported")[col("身份证号")]
    .to_string();
    assert_eq!(
        masked,
        format!("{}********{}", &ids[0][..6], &ids[0][14..]),
        "masked unless asked"
    );
}

/// The preview and its problems in English for an admin who reads English.
#[tokio::test]
async fn the_preview_speaks_the_admins_language() {
    let f = fixture().await;
    let (mut admin, csrf) = f.admin().await;
    admin.get("/console/lang?to=en").await;
    let form = admin.get("/console/admin/ledger").await;
    assert!(
        form.body.contains("Grid for the whole file"),
        "{}",
        form.body
    );
    assert!(
        form.body
            .contains("href=\"/console/admin/ledger/export.xlsx\"")
    );
    let (bytes, _) = dibao_roster();
    let p = preview(&mut admin, &csrf, "roster.xlsx", &bytes, "").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("Nothing has been written yet"));
    assert!(
        p.body
            .contains("Header at row 3; one row per household (its head), 3 data rows")
    );
    assert!(p.body.contains("This row has no grid"));
    assert!(p.body.contains("Estates without a grid"));
    assert!(
        p.body
            .contains("<option value=\"address\" selected>Address (split)</option>")
    );
}
