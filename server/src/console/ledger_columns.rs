//! The headers offices write over their 花名册 and 台账 columns, and the field
//! each one goes to. A header is compared without spaces, required marks and
//! what is in brackets (`保障金额（元）` is `保障金额`); one not in the table
//! below is tried by the words it contains (`现居住详细地址` holds `地址`).
//! Headers that are known but not stored (序号, 民族 …) are "ignored".

/// A field a ledger column can go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    Grid,
    /// A whole address in one cell, split into estate, building, unit, door.
    Address,
    Estate,
    Building,
    Unit,
    Door,
    ResidenceType,
    Landlord,
    LandlordPhone,
    Notes,
    Name,
    /// The head's name: the resident's own in a ledger of one row per household.
    HeadName,
    IdNumber,
    Phone,
    Relation,
    Tags,
    /// 家庭人口: how many people the household has (members unknown).
    HouseholdSize,
    DibaoClass,
    DibaoPersons,
    DibaoAmount,
    /// 残疾类别/等级 in one cell (`肢体二级`).
    Disability,
    DisabilityType,
    DisabilityLevel,
    MilitaryKind,
    Sex,
    BirthDate,
}

/// Every field: its code (in forms and remembered mappings), its template
/// header, its English name, and the other headers offices use for it.
pub const COLUMNS: &[(Column, &str, &str, &str, &[&str])] = &[
    (
        Column::Grid,
        "grid",
        "网格",
        "Grid",
        &["网格编号", "网格名称", "所属网格", "网格号"],
    ),
    (
        Column::Address,
        "address",
        "家庭住址",
        "Address (split)",
        &[
            "现住址",
            "户籍地址",
            "地址",
            "住址",
            "详细地址",
            "居住地址",
            "家庭地址",
            "现居住地址",
            "现居住地",
            "户籍所在地",
            "家庭详细地址",
            "住所",
        ],
    ),
    (
        Column::Estate,
        "estate",
        "小区",
        "Estate",
        &["小区名称", "所在小区", "村组", "村（组）", "自然村"],
    ),
    (
        Column::Building,
        "building",
        "楼栋",
        "Building",
        &["楼栋号", "楼号", "栋", "幢", "楼幢", "栋号"],
    ),
    (Column::Unit, "unit", "单元", "Unit", &["单元号"]),
    (
        Column::Door,
        "door",
        "门牌号",
        "Door",
        &["门牌", "房号", "室", "房间号", "门牌号码"],
    ),
    (
        Column::ResidenceType,
        "residence_type",
        "居住类型",
        "Residence type",
        &["人口类型", "户籍类型"],
    ),
    (
        Column::Landlord,
        "landlord",
        "房东姓名",
        "Landlord",
        &["房东"],
    ),
    (
        Column::LandlordPhone,
        "landlord_phone",
        "房东电话",
        "Landlord phone",
        &["房东联系电话"],
    ),
    (Column::Notes, "notes", "备注", "Notes", &["备注说明"]),
    (
        Column::Name,
        "name",
        "姓名",
        "Name",
        &[
            "居民姓名",
            "成员姓名",
            "家庭成员姓名",
            "人员姓名",
            "对象姓名",
            "保障对象姓名",
            "救助对象姓名",
        ],
    ),
    (
        Column::HeadName,
        "head_name",
        "户主姓名",
        "Head of household",
        &["户主", "申请人", "申请人姓名"],
    ),
    (
        Column::IdNumber,
        "id_number",
        "身份证号",
        "ID number",
        &[
            "身份证号码",
            "公民身份号码",
            "公民身份证号码",
            "证件号码",
            "身份证",
        ],
    ),
    (
        Column::Phone,
        "phone",
        "联系电话",
        "Phone",
        &[
            "电话",
            "手机",
            "手机号",
            "手机号码",
            "联系方式",
            "电话号码",
            "联系电话号码",
        ],
    ),
    (
        Column::Relation,
        "relation",
        "与户主关系",
        "Relation to head",
        &["关系", "与户主的关系", "家庭关系", "成员关系"],
    ),
    (
        Column::Tags,
        "tags",
        "人员类别",
        "Categories",
        &["标签", "人员标签", "类别", "人员类型", "对象类别"],
    ),
    (
        Column::HouseholdSize,
        "household_size",
        "家庭人口",
        "Household size",
        &["家庭人口数", "家庭人数", "人口数", "户内人口", "家庭成员数"],
    ),
    (
        Column::DibaoClass,
        "dibao_class",
        "低保类别",
        "Dibao class",
        &["保障类别", "低保分类", "分类施保类别", "低保类型"],
    ),
    (
        Column::DibaoPersons,
        "dibao_persons",
        "保障人数",
        "People covered",
        &["享受人数", "低保人数", "保障人口"],
    ),
    (
        Column::DibaoAmount,
        "dibao_amount",
        "保障金额",
        "Benefit amount",
        &[
            "低保金额",
            "月保障金额",
            "低保金",
            "月低保金",
            "保障金",
            "发放金额",
            "月发放金额",
        ],
    ),
    (
        Column::Disability,
        "disability",
        "残疾类别/等级",
        "Disability type and level",
        &[
            "残疾类别及等级",
            "残疾类别等级",
            "残疾情况",
            "残疾类别、等级",
        ],
    ),
    (
        Column::DisabilityType,
        "disability_type",
        "残疾类别",
        "Disability type",
        &["残疾类型"],
    ),
    (
        Column::DisabilityLevel,
        "disability_level",
        "残疾等级",
        "Disability level",
        &["残疾级别"],
    ),
    (
        Column::MilitaryKind,
        "military_kind",
        "优抚类别",
        "Military care kind",
        &["优抚对象类别", "优抚类型"],
    ),
    (Column::Sex, "sex", "性别", "Sex", &[]),
    (
        Column::BirthDate,
        "birth_date",
        "出生日期",
        "Date of birth",
        &["出生年月", "出生年月日", "出生时间"],
    ),
];

/// Headers that are known and deliberately not stored.
const KNOWN_IGNORED: &[&str] = &[
    "序号",
    "编号",
    "民族",
    "年龄",
    "文化程度",
    "婚姻状况",
    "政治面貌",
    "工作单位",
    "健康状况",
    "户口性质",
    "签名",
    "本人签字",
];

/// Words that, inside an unknown header, say which field it is (checked in
/// order, so `房东电话` is the landlord's before it is anyone's phone).
const CONTAINS: &[(&str, Column)] = &[
    ("房东电话", Column::LandlordPhone),
    ("房东联系", Column::LandlordPhone),
    ("房东手机", Column::LandlordPhone),
    ("房东", Column::Landlord),
    ("身份证", Column::IdNumber),
    ("身份号码", Column::IdNumber),
    ("电话", Column::Phone),
    ("手机", Column::Phone),
    ("联系方式", Column::Phone),
    ("与户主", Column::Relation),
    ("住址", Column::Address),
    ("地址", Column::Address),
    ("保障金", Column::DibaoAmount),
    ("低保金", Column::DibaoAmount),
    ("保障人", Column::DibaoPersons),
    ("出生", Column::BirthDate),
];

impl Column {
    /// The stable code of a field, as forms and remembered mappings write it.
    pub fn code(self) -> &'static str {
        entry(self).1
    }

    /// The field's name as the template writes it (Chinese).
    pub fn zh(self) -> &'static str {
        entry(self).2
    }

    /// The field's English name.
    pub fn en(self) -> &'static str {
        entry(self).3
    }

    /// The field with this code.
    pub fn from_code(code: &str) -> Option<Column> {
        COLUMNS.iter().find(|c| c.1 == code).map(|c| c.0)
    }

    /// Fields that describe the household, not one resident: in a ledger of
    /// one row per resident, a member's row without them takes the row above's
    /// (offices merge these cells down the rows of one household).
    pub fn fills_down(self) -> bool {
        matches!(
            self,
            Column::Grid
                | Column::Address
                | Column::Estate
                | Column::Building
                | Column::Unit
                | Column::Door
                | Column::HeadName
                | Column::HouseholdSize
                | Column::ResidenceType
                | Column::Landlord
                | Column::LandlordPhone
        )
    }
}

fn entry(
    col: Column,
) -> &'static (
    Column,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
) {
    COLUMNS.iter().find(|c| c.0 == col).unwrap_or(&COLUMNS[0])
}

/// The header row of the blank template, in order: the fields a new ledger
/// fills in by hand.
pub fn template_headers() -> Vec<&'static str> {
    [
        Column::Grid,
        Column::Estate,
        Column::Building,
        Column::Unit,
        Column::Door,
        Column::ResidenceType,
        Column::Landlord,
        Column::LandlordPhone,
        Column::Notes,
        Column::Name,
        Column::IdNumber,
        Column::Phone,
        Column::Relation,
        Column::Tags,
    ]
    .into_iter()
    .map(Column::zh)
    .collect()
}

/// A header as compared: no spaces, required marks, colons or bracketed
/// parts (units such as `（元）`).
pub fn normal_header(h: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in h.chars() {
        match c {
            '（' | '(' | '【' | '[' => depth += 1,
            '）' | ')' | '】' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || matches!(c, '*' | '＊' | ':' | '：') => {}
            c => out.push(c),
        }
    }
    out.replace("必填", "")
}

/// What a header says: `Some(Some(field))` for a field, `Some(None)` for a
/// header known and not stored, `None` for a header this table does not know.
pub fn recognize(header: &str) -> Option<Option<Column>> {
    let h = normal_header(header);
    if h.is_empty() {
        return None;
    }
    if let Some(c) = COLUMNS
        .iter()
        .find(|c| c.2 == h || c.4.contains(&h.as_str()))
    {
        return Some(Some(c.0));
    }
    if KNOWN_IGNORED.contains(&h.as_str()) {
        return Some(None);
    }
    if h.chars().count() > 12 {
        return None;
    }
    CONTAINS
        .iter()
        .find(|(word, _)| h.contains(word))
        .map(|(_, col)| Some(*col))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headers_offices_use_are_recognized() {
        for (header, col) in [
            ("家庭住址", Column::Address),
            ("现住址", Column::Address),
            ("户籍地址", Column::Address),
            ("公民身份号码", Column::IdNumber),
            ("身份证号码（18位）", Column::IdNumber),
            ("联系方式", Column::Phone),
            ("户主", Column::HeadName),
            ("户主姓名", Column::HeadName),
            ("与户主关系", Column::Relation),
            ("人员类别", Column::Tags),
            ("低保类别", Column::DibaoClass),
            ("保障人数", Column::DibaoPersons),
            ("保障金额（元）", Column::DibaoAmount),
            ("残疾类别/等级", Column::Disability),
            ("残疾类别", Column::DisabilityType),
            ("残疾等级", Column::DisabilityLevel),
            ("优抚类别", Column::MilitaryKind),
            ("性别", Column::Sex),
            ("出生日期", Column::BirthDate),
            ("家庭人口", Column::HouseholdSize),
            ("现居住详细地址", Column::Address),
            ("房东联系方式", Column::LandlordPhone),
            (" *姓名 （必填）", Column::Name),
        ] {
            assert_eq!(recognize(header), Some(Some(col)), "{header}");
        }
        assert_eq!(recognize("序号"), Some(None));
        assert_eq!(recognize("民族"), Some(None));
        assert_eq!(recognize("和平社区城市低保户花名册"), None);
        assert_eq!(recognize("户主信息"), None);
    }

    #[test]
    fn every_code_names_its_field() {
        for c in COLUMNS {
            assert_eq!(Column::from_code(c.1), Some(c.0));
            assert_eq!(c.0.code(), c.1);
        }
    }
}
