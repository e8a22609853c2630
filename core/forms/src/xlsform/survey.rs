//! The `survey` sheet: one row per question, section or calculation;
//! `begin group` / `begin repeat` rows open a section that the matching `end`
//! row closes, to any depth (a household's members, each with income sources).
//! Besides the XLSForm columns, our `prefill` says where a visit's first answer
//! comes from (`household.code`, `visit.date`, … — see [`crate::prefill`]).

use super::choice_file::{ChoiceFiles, FileProblem};
use super::choices::Lists;
use super::language::LOCALIZABLE;
use super::loops;
use super::mapped;
use super::sheet::Sheet;
use super::{RowMap, Warn, XlsFormError, media_left_out, msg};
use crate::definition::{Choice, Field, FieldType, LocalizedText};

/// Columns read besides the text columns of [`LOCALIZABLE`].
const COLUMNS: [&str; 14] = [
    "type",
    "name",
    "required",
    "relevant",
    "constraint",
    "calculation",
    "default",
    "read_only",
    "appearance",
    "choice_filter",
    "repeat_count",
    "label",
    "prefill",
    "parameters",
];

/// Question types the phone records by itself (or does not record): the rows
/// are left out with a warning.
const METADATA: [&str; 16] = [
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "simserial",
    "subscriberid",
    "audit",
    "email",
    "start-geopoint",
    "background-audio",
    "imei",
    "uri:deviceid",
    "uri:email",
    "uri:username",
];

struct Frame {
    field: Field,
    row: u32,
    repeat: bool,
    children: Vec<Field>,
}

fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "" | "no" | "false" | "false()" | "0" => Some(false),
        "yes" | "true" | "true()" | "1" => Some(true),
        _ => None,
    }
}

/// A select's type cell read: `select_one list`, `select one list`,
/// `select_multiple list or_other`, and the older `select one from list`,
/// `select all that apply from list or specify other`.
struct SelectType {
    multiple: bool,
    list: String,
    or_other: bool,
}

/// `None` when the type is no select; `Some(Err(()))` when it is a select
/// written in a way this importer cannot take (`select_one_from_file`, …).
fn select_type(raw: &str) -> Option<Result<SelectType, ()>> {
    let words: Vec<&str> = raw.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let starts = |prefix: &[&str]| {
        lower.len() > prefix.len() && lower.iter().zip(prefix).all(|(w, p)| w == p)
    };
    let (multiple, mut rest) = if starts(&["select_one"]) {
        (false, 1)
    } else if starts(&["select_multiple"]) {
        (true, 1)
    } else if starts(&["select", "one"]) {
        (false, 2)
    } else if starts(&["select", "multiple"]) {
        (true, 2)
    } else if starts(&["select", "all", "that", "apply"]) {
        (true, 4)
    } else if lower
        .first()
        .is_some_and(|w| w.starts_with("select_one") || w.starts_with("select_multiple"))
    {
        return Some(Err(()));
    } else {
        return None;
    };
    if lower.get(rest).is_some_and(|w| w == "from") && lower.len() > rest + 1 {
        rest += 1;
    }
    let tail = &lower[rest..];
    let or_other = match &tail[1..] {
        [] => false,
        [w] if w == "or_other" => true,
        [a, b] if a == "or" && b == "other" => true,
        [a, b, c] if a == "or" && b == "specify" && c == "other" => true,
        _ => return Some(Err(())),
    };
    Some(Ok(SelectType {
        multiple,
        list: words[rest].to_owned(),
        or_other,
    }))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn read(
    sheet: &Sheet,
    lists: &Lists,
    external: &Lists,
    has_choices_sheet: bool,
    lang: &str,
    files: &ChoiceFiles<'_>,
    rows: &mut RowMap,
    errors: &mut Vec<XlsFormError>,
    warn: &mut Warn<'_>,
) -> Vec<Field> {
    for (j, h) in sheet.headers.iter().enumerate() {
        let Some(row) = sheet.first_value_row(j) else {
            continue;
        };
        let raw = sheet.raw_headers.get(j).map_or("", |h| h.trim());
        if raw.is_empty() {
            continue;
        }
        if h.base.starts_with("media::") {
            warn(sheet, None, Some(j), media_left_out());
        } else if !(COLUMNS.contains(&h.base.as_str()) || LOCALIZABLE.contains(&h.base.as_str())) {
            warn(
                sheet,
                Some(row),
                Some(j),
                msg(
                    format!("列 `{raw}` 不适用于手机表单，未读取"),
                    format!("column `{raw}` does not apply to a phone form; left out"),
                ),
            );
        }
    }
    for known in [
        "type",
        "name",
        "relevant",
        "constraint",
        "calculation",
        "default",
        "required",
        "choice_filter",
        "prefill",
    ] {
        if let Some(j) = sheet.col(known) {
            rows.columns.insert(known, sheet.column_name(j));
        }
    }
    let Some(type_col) = sheet.col("type") else {
        errors.push(sheet.cell_error(
            sheet.header_row,
            0,
            msg(
                "survey 工作表没有 `type`（类型）列",
                "the survey sheet has no `type` column",
            ),
        ));
        return Vec::new();
    };
    let name_col = sheet.col("name");
    let cell = |cells: &[String], h: &str| -> String { sheet.at(cells, sheet.col(h)).to_owned() };
    let opt = |cells: &[String], h: &str| Some(cell(cells, h)).filter(|v| !v.is_empty());
    let mut root: Vec<Field> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let push = |stack: &mut Vec<Frame>, root: &mut Vec<Field>, field: Field| match stack.last_mut()
    {
        Some(parent) => parent.children.push(field),
        None => root.push(field),
    };
    // Lists a select offers `or_other` on: a loop over one is asked for `other` too.
    let or_other_lists: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|(_, cells)| match select_type(&cell(cells, "type")) {
            Some(Ok(s)) if s.or_other => Some(s.list),
            _ => None,
        })
        .collect();
    let rows_read = loops::expand(sheet, lists, lang, &or_other_lists);
    // Appearances the phone shows no differently, with the rows using each.
    let mut plain_appearances: Vec<(String, Vec<u32>)> = Vec::new();
    for (row, cells) in &rows_read {
        let row = *row;
        let raw_type = cell(cells, "type");
        let ty = raw_type
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let name = cell(cells, "name");
        let err_at = |j: usize, zh: String, en: String| sheet.cell_error(row, j, msg(zh, en));
        let feature_at = |j: usize, feature: &str, zh: String, en: String| {
            sheet.feature_error(row, j, feature, msg(zh, en))
        };
        if ty.is_empty() {
            let labelled = sheet.localized(cells, "label", lang).is_some();
            if name.is_empty() && !labelled {
                // A comment row, as pyxform reads it: left out.
                warn(
                    sheet,
                    Some(row),
                    None,
                    msg(
                        "这一行没有类型、名称和标签，当作备注，未读取",
                        "the row has no type, name or label: read as a comment and left out",
                    ),
                );
            } else {
                errors.push(err_at(
                    type_col,
                    "这一行有内容但没有类型".to_owned(),
                    "the row has values but no type".to_owned(),
                ));
            }
            continue;
        }
        let ty_norm = ty.replace('_', " ");
        if ty_norm == "end group" || ty_norm == "end repeat" {
            let want_repeat = ty_norm == "end repeat";
            match stack.pop() {
                Some(frame) if frame.repeat == want_repeat => {
                    let mut field = frame.field;
                    field.children = Some(frame.children);
                    push(&mut stack, &mut root, field);
                }
                Some(frame) => {
                    let opened = if frame.repeat {
                        "begin repeat"
                    } else {
                        "begin group"
                    };
                    errors.push(err_at(
                        type_col,
                        format!(
                            "`{ty}` 关闭的却是 `{}` 的 `{opened}`（第 {} 行）",
                            frame.field.name, frame.row
                        ),
                        format!(
                            "`{ty}` closes `{opened}` of `{}` (row {})",
                            frame.field.name, frame.row
                        ),
                    ));
                    return root;
                }
                None => {
                    errors.push(err_at(
                        type_col,
                        format!("`{ty}` 没有对应的 begin 行"),
                        format!("`{ty}` without a matching begin"),
                    ));
                    return root;
                }
            }
            continue;
        }
        if METADATA.contains(&ty.as_str()) {
            warn(
                sheet,
                Some(row),
                Some(type_col),
                msg(
                    format!("元数据 `{ty}` 由应用自动记录（时间、网格员、手机），这一行未读取"),
                    format!(
                        "metadata `{ty}` is recorded by the app itself (times, worker, phone); the row is left out"
                    ),
                ),
            );
            continue;
        }
        // As pyxform does, a note without a name gets one from its row.
        let mut name = if name.is_empty() && ty_norm == "note" {
            format!("generated_note_name_{row}")
        } else {
            name
        };
        if name.is_empty() {
            errors.push(err_at(
                name_col.unwrap_or(type_col),
                "这一行没有名称（name）".to_owned(),
                "the row has no name".to_owned(),
            ));
            continue;
        }
        if let Some(&first) = rows.rows.get(&name) {
            // A section holds no answer: one named like a question (a group
            // `permission` around the question `permission`, as ODK allows) is
            // renamed, with a warning.
            let renamed = if ty_norm == "begin group" {
                let new = free_group_name(rows, &name);
                Some((row, std::mem::replace(&mut name, new.clone()), new))
            } else {
                let new = free_group_name(rows, &name);
                rename_group(&mut root, &mut stack, &name, &new).then(|| {
                    rows.rows.insert(new.clone(), first);
                    (first, name.clone(), new)
                })
            };
            match renamed {
                Some((at, old, new)) => warn(
                    sheet,
                    Some(at),
                    name_col,
                    msg(
                        format!(
                            "分组 `{old}` 与一个问题同名，改名为 `{new}`（分组本身不保存答案）"
                        ),
                        format!(
                            "the group `{old}` has the name of a question: renamed `{new}` (a group holds no answer)"
                        ),
                    ),
                ),
                None => {
                    errors.push(err_at(
                        name_col.unwrap_or(type_col),
                        format!("名称 `{name}` 已在第 {first} 行使用"),
                        format!("name `{name}` is already used on row {first}"),
                    ));
                    continue;
                }
            }
        }
        rows.rows.insert(name.clone(), row);
        let appearance = opt(cells, "appearance");
        let mut choices = None;
        let mut or_other = false;
        let mut range = None;
        let field_type = match ty_norm.as_str() {
            "begin group" => FieldType::Group,
            "begin repeat" => FieldType::Repeat,
            "text" | "string" => FieldType::Text,
            "integer" | "int" => FieldType::Integer,
            "decimal" => FieldType::Decimal,
            "date" => FieldType::Date,
            "geopoint" | "gps" => FieldType::Geopoint,
            "image" | "photo" if appearance.as_deref() == Some("signature") => FieldType::Signature,
            "image" | "photo" => FieldType::Image,
            "note" => FieldType::Note,
            "calculate" => FieldType::Calculate,
            "id number" => FieldType::IdNumber,
            "phone" | "phone number" => FieldType::Phone,
            "money" => FieldType::Money,
            "signature" => FieldType::Signature,
            "yes no" => FieldType::YesNo,
            // ODK's "OK" box (`trigger` is its older name): asked as yes / no, with a warning.
            "acknowledge" | "trigger" => {
                warn(
                    sheet,
                    Some(row),
                    Some(type_col),
                    msg(
                        format!("`{ty_norm}`（确认）按“是 / 否”提问，保存 yes 或 no"),
                        format!("`{ty_norm}` is asked as yes / no and stored as yes or no"),
                    ),
                );
                FieldType::YesNo
            }
            // Never shown: a value computed from its calculation or default.
            "hidden" => FieldType::Calculate,
            // The code is typed: the phone has no scanner.
            "barcode" => {
                warn(
                    sheet,
                    Some(row),
                    Some(type_col),
                    msg(
                        "手机不能扫码：`barcode` 按文字提问，由网格员手工输入条码",
                        "the phone cannot scan codes: `barcode` is asked as text and the worker types the code",
                    ),
                );
                FieldType::Text
            }
            // Text the core checks as a time of day, or a date and time.
            "time" | "datetime" => FieldType::Text,
            "range" => match mapped::range(&cell(cells, "parameters")) {
                Ok(r) => {
                    let t = if r.decimal {
                        FieldType::Decimal
                    } else {
                        FieldType::Integer
                    };
                    range = Some(r);
                    t
                }
                Err(why) => {
                    let j = sheet.col("parameters").unwrap_or(type_col);
                    errors.push(sheet.cell_error(row, j, why));
                    continue;
                }
            },
            _ => match select_type(&raw_type) {
                Some(Ok(select)) => {
                    match lists.get(&select.list) {
                        Some(cs) => choices = Some(cs.clone()),
                        None => {
                            let list = &select.list;
                            let (zh, en) = if has_choices_sheet {
                                (
                                    format!("choices 工作表中没有选项列表 `{list}`"),
                                    format!("choice list `{list}` is not on the choices sheet"),
                                )
                            } else {
                                (
                                    format!("需要选项列表 `{list}`，但工作簿没有 choices 工作表"),
                                    format!(
                                        "choice list `{list}` is needed but the workbook has no choices sheet"
                                    ),
                                )
                            };
                            errors.push(err_at(type_col, zh, en));
                            continue;
                        }
                    }
                    or_other = select.or_other;
                    if select.multiple {
                        FieldType::SelectMultiple
                    } else {
                        FieldType::SelectOne
                    }
                }
                Some(Err(())) if external_list(&raw_type).is_some() => {
                    let list = external_list(&raw_type).unwrap_or_default();
                    match external.get(list) {
                        Some(cs) => choices = Some(cs.clone()),
                        None => {
                            errors.push(err_at(
                                type_col,
                                format!("external_choices 工作表中没有选项列表 `{list}`"),
                                format!(
                                    "choice list `{list}` is not on the external_choices sheet"
                                ),
                            ));
                            continue;
                        }
                    }
                    FieldType::SelectOne
                }
                Some(Err(())) if from_file(&raw_type).is_some() => {
                    let Some((multiple, file)) = from_file(&raw_type) else {
                        continue;
                    };
                    match super::choice_file::read(file, files, lang) {
                        Ok(cs) if !cs.is_empty() => choices = Some(cs),
                        Ok(_) => {
                            errors.push(err_at(
                                type_col,
                                format!("选项文件 `{file}` 中没有选项"),
                                format!("the choice file `{file}` holds no choices"),
                            ));
                            continue;
                        }
                        Err(FileProblem::Offline(why)) => {
                            errors.push(sheet.feature_error(row, type_col, "external file", why));
                            continue;
                        }
                        Err(FileProblem::Unreadable(why)) => {
                            errors.push(sheet.cell_error(row, type_col, why));
                            continue;
                        }
                    }
                    if multiple {
                        FieldType::SelectMultiple
                    } else {
                        FieldType::SelectOne
                    }
                }
                Some(Err(())) if ty.contains("from_file") || ty.contains("external") => {
                    errors.push(feature_at(
                        type_col,
                        "external file",
                        format!(
                            "不支持类型 `{raw_type}`：选项在另外的文件里，手机离线时读不到；请把选项放进 choices 工作表"
                        ),
                        format!(
                            "type `{raw_type}` is not supported: its choices are in another file the phone cannot read offline; put them on the choices sheet"
                        ),
                    ));
                    continue;
                }
                _ if ty_norm.starts_with("begin loop") => {
                    // A loop that was written out is not seen here: this one
                    // lacks its list or its end.
                    errors.push(err_at(
                        type_col,
                        format!(
                            "`{raw_type}` 无法展开：应写成 `begin loop over 列表名`，该列表在 choices 工作表中，并用 `end loop` 关闭"
                        ),
                        format!(
                            "`{raw_type}` cannot be written out: write `begin loop over listname` with the list on the choices sheet, closed by `end loop`"
                        ),
                    ));
                    continue;
                }
                _ => {
                    match instead(&ty) {
                        // A type ODK has and the phone has no screen for: named.
                        Some((zh, en)) => {
                            let kind = ty.split_whitespace().next().unwrap_or_default();
                            errors.push(feature_at(
                                type_col,
                                &format!("question type {kind}"),
                                format!("不支持类型 `{raw_type}`：{zh}"),
                                format!("type `{raw_type}` is not supported: {en}"),
                            ))
                        }
                        // A type nobody has: a typing mistake, most likely.
                        None => errors.push(err_at(
                            type_col,
                            format!("不支持类型 `{raw_type}`"),
                            format!("type `{raw_type}` is not supported"),
                        )),
                    }
                    continue;
                }
            },
        };
        if let Some(a) = appearance.as_deref().filter(|a| a.contains("search(")) {
            let j = sheet.col("appearance").unwrap_or(type_col);
            errors.push(feature_at(
                j,
                "search()",
                format!("不支持外观 `{a}`：search() 需要手机上没有的外部文件"),
                format!(
                    "appearance `{a}` is not supported: search() needs an external file the phone does not have"
                ),
            ));
            continue;
        }
        // An appearance that would change what is asked: the nearest the phone
        // has is asked instead, told in a warning.
        let instead = appearance
            .as_deref()
            .and_then(|a| nearest_instead(field_type, a).map(|why| (a.to_owned(), why)));
        if let Some((a, (zh, en))) = &instead {
            warn(
                sheet,
                Some(row),
                sheet.col("appearance"),
                msg(
                    format!("外观 `{a}`：{zh}"),
                    format!("appearance `{a}`: {en}"),
                ),
            );
        }
        // The phone shows every question one way: any other appearance is
        // left out, told once per appearance after the sheet is read.
        if instead.is_none()
            && let Some(a) = appearance
            && !(field_type == FieldType::Signature && a.trim().eq_ignore_ascii_case("signature"))
        {
            match plain_appearances.iter_mut().find(|(b, _)| *b == a) {
                Some((_, rows)) => rows.push(row),
                None => plain_appearances.push((a, vec![row])),
            }
        }
        if ty_norm != "range"
            && let Some(p) = opt(cells, "parameters")
        {
            warn(
                sheet,
                Some(row),
                sheet.col("parameters"),
                msg(
                    format!("参数 `{p}` 只改变 ODK 的显示或拍摄方式，不适用于手机表单，未读取"),
                    format!(
                        "parameters `{p}` only change how ODK shows or captures the question; left out"
                    ),
                ),
            );
        }
        if let Some((j, feature, zh, en)) = offline_function(sheet, cells, lists) {
            errors.push(feature_at(j, feature, zh, en));
            continue;
        }
        let choice_filter = opt(cells, "choice_filter").map(boolean_words);
        if or_other && choice_filter.is_some() {
            let j = sheet.col("choice_filter").unwrap_or(type_col);
            errors.push(err_at(
                j,
                "or_other 不能与 choice_filter 一起用：请在每组选项里加一个“其他”选项".to_owned(),
                "or_other cannot be used with a choice_filter: add an `other` choice to the list instead"
                    .to_owned(),
            ));
            continue;
        }
        // `required` is yes/no or a condition (required only when it holds).
        let required_cell = cell(cells, "required");
        let (required, required_if) = match parse_flag(&required_cell) {
            Some(b) => (b, None),
            None => (false, Some(required_cell)),
        };
        // A conditional `read_only` only changes what the screen lets the worker
        // edit: the field stays editable, with a warning.
        let read_only_cell = cell(cells, "read_only");
        let read_only = match parse_flag(&read_only_cell) {
            Some(b) => b,
            None => {
                warn(
                    sheet,
                    Some(row),
                    sheet.col("read_only"),
                    msg(
                        format!("不支持按条件只读（`{read_only_cell}`）：这一项始终可以修改"),
                        format!(
                            "a conditional read_only (`{read_only_cell}`) is not applied: the field stays editable"
                        ),
                    ),
                );
                false
            }
        };
        let default = opt(cells, "default").map(|d| default_value(field_type, &d));
        let mut field = Field::new(
            name.clone(),
            field_type,
            sheet.localized(cells, "label", lang).unwrap_or_default(),
        );
        field.hint = sheet.localized(cells, "hint", lang);
        field.guidance_hint = sheet.localized(cells, "guidance_hint", lang);
        field.required = required;
        field.required_if = required_if;
        field.read_only = read_only;
        field.relevant = opt(cells, "relevant").map(boolean_words);
        field.constraint = opt(cells, "constraint").map(boolean_words);
        field.constraint_message = sheet.localized(cells, "constraint_message", lang);
        field.required_message = sheet.localized(cells, "required_message", lang);
        field.calculation = opt(cells, "calculation").map(boolean_words);
        field.default = default;
        field.choice_filter = choice_filter;
        match ty_norm.as_str() {
            "hidden" => {
                let default = opt(cells, "default");
                field.calculation = Some(mapped::hidden_calculation(
                    field.calculation.take(),
                    default.as_deref(),
                ));
                field.default = None;
            }
            "time" => mapped::time_text(&mut field, false),
            "datetime" => mapped::time_text(&mut field, true),
            _ => {}
        }
        if let Some(r) = &range {
            r.bound(&mut field);
        }
        // A default the mapped question would refuse is told at its cell.
        let admitted = match (ty_norm.as_str(), &field.default, &range) {
            ("time" | "datetime", Some(d), _) => d
                .as_str()
                .is_some_and(|d| mapped::time_admits(d, ty_norm == "datetime")),
            (_, Some(d), Some(r)) => d.as_f64().is_none_or(|n| r.admits(n)),
            _ => true,
        };
        if !admitted {
            let d = cell(cells, "default");
            let j = sheet.col("default").unwrap_or(type_col);
            errors.push(err_at(
                j,
                format!("默认值 `{d}` 不符合 `{ty_norm}` 的要求"),
                format!("the default `{d}` is not what a `{ty_norm}` question accepts"),
            ));
            continue;
        }
        if let Some(code) = opt(cells, "prefill") {
            match crate::Prefill::from_code(&code) {
                Some(p) => field.prefill = Some(p),
                None => {
                    let j = sheet.col("prefill").unwrap_or(type_col);
                    errors.push(err_at(
                        j,
                        format!("不认识的预填来源 `{code}`（可用：household.code、household.head、household.address、visit.date、household.members、member.name、member.id_number、member.phone、member.relation）"),
                        format!("unknown prefill source `{code}` (known: household.code, household.head, household.address, visit.date, household.members, member.name, member.id_number, member.phone, member.relation)"),
                    ));
                }
            }
        }
        if let Some(count) = opt(cells, "repeat_count") {
            match count.parse::<u32>() {
                // A fixed number of entries: exactly that many are asked for.
                Ok(n) if field_type == FieldType::Repeat => {
                    field.min_count = Some(n);
                    field.max_count = Some(n);
                }
                _ => warn(
                    sheet,
                    Some(row),
                    sheet.col("repeat_count"),
                    msg(
                        format!(
                            "repeat_count `{count}` 不是固定的条目数：由网格员自己添加条目，未读取"
                        ),
                        format!(
                            "repeat_count `{count}` is not a fixed number of entries: the worker adds them herself; left out"
                        ),
                    ),
                ),
            }
        }
        if or_other && let Some(cs) = &mut choices {
            add_other_choice(cs);
        }
        field.choices = choices;
        if field_type.is_container() {
            stack.push(Frame {
                field,
                row,
                repeat: field_type == FieldType::Repeat,
                children: Vec::new(),
            });
        } else {
            push(&mut stack, &mut root, field);
            if or_other {
                let other_name = format!("{name}_other");
                if let Some(&first) = rows.rows.get(&other_name) {
                    errors.push(err_at(
                        name_col.unwrap_or(type_col),
                        format!("or_other 要加的字段 `{other_name}` 已在第 {first} 行使用"),
                        format!(
                            "the field `{other_name}` that or_other adds is already used on row {first}"
                        ),
                    ));
                    continue;
                }
                rows.rows.insert(other_name.clone(), row);
                push(&mut stack, &mut root, other_field(&name, other_name));
            }
        }
    }
    for (a, at) in &plain_appearances {
        let mut list: Vec<String> = at.iter().take(5).map(u32::to_string).collect();
        if at.len() > 5 {
            list.push("…".to_owned());
        }
        let list = list.join(", ");
        let (zh_rows, en_rows) = match at.len() {
            1 => (format!("第 {list} 行"), format!("row {list}")),
            n => (format!("共 {n} 行：{list}"), format!("{n} rows: {list}")),
        };
        warn(
            sheet,
            Some(at[0]),
            sheet.col("appearance"),
            msg(
                format!("外观 `{a}` 在手机上不改变显示方式（{zh_rows}），未读取"),
                format!(
                    "appearance `{a}` is shown no differently on the phone ({en_rows}); left out"
                ),
            ),
        );
    }
    if let Some(frame) = stack.last() {
        let (begin, end) = if frame.repeat {
            ("begin repeat", "end repeat")
        } else {
            ("begin group", "end group")
        };
        errors.push(sheet.cell_error(
            frame.row,
            type_col,
            msg(
                format!("`{}` 的 `{begin}` 没有用 `{end}` 关闭", frame.field.name),
                format!(
                    "`{begin}` of `{}` is never closed with `{end}`",
                    frame.field.name
                ),
            ),
        ));
    }
    root
}

/// `{name}_group`, or `{name}_group2`, … : the first name no row uses yet.
fn free_group_name(rows: &RowMap, name: &str) -> String {
    let base = format!("{name}_group");
    (1..)
        .map(|i| {
            if i == 1 {
                base.clone()
            } else {
                format!("{base}{i}")
            }
        })
        .find(|n| !rows.rows.contains_key(n))
        .unwrap_or(base)
}

/// Renames the group (not a repeat or question) called `name`, still open or
/// already closed, to `new`; false when no group has that name.
fn rename_group(root: &mut [Field], stack: &mut [Frame], name: &str, new: &str) -> bool {
    fn in_fields(fields: &mut [Field], name: &str, new: &str) -> bool {
        fields.iter_mut().any(|f| {
            if f.name == name && f.field_type == FieldType::Group {
                f.name = new.to_owned();
                return true;
            }
            f.children
                .as_deref_mut()
                .is_some_and(|cs| in_fields(cs, name, new))
        })
    }
    if in_fields(root, name, new) {
        return true;
    }
    stack.iter_mut().any(|frame| {
        if frame.field.name == name && frame.field.field_type == FieldType::Group {
            frame.field.name = new.to_owned();
            return true;
        }
        in_fields(&mut frame.children, name, new)
    })
}

/// An expression cell that is only `TRUE` or `FALSE` (what Excel shows for a
/// yes/no cell, and what people type for always / never) as the expression
/// `true()` or `false()`; any other expression as written.
fn boolean_words(expr: String) -> String {
    match expr.trim().to_lowercase().as_str() {
        "true" => "true()".to_owned(),
        "false" => "false()".to_owned(),
        _ => expr,
    }
}

/// Columns that hold expressions.
const EXPRESSION_COLUMNS: [&str; 6] = [
    "relevant",
    "constraint",
    "calculation",
    "default",
    "required",
    "choice_filter",
];

/// The first expression cell of a row that calls what needs a file beside the
/// form (`pulldata()`, `instance()`) or a search, with its column, the feature's
/// name and why, in Chinese and English.
fn offline_function(
    sheet: &Sheet,
    cells: &[String],
    lists: &Lists,
) -> Option<(usize, &'static str, String, String)> {
    EXPRESSION_COLUMNS.iter().find_map(|&column| {
        let j = sheet.col(column)?;
        let text = sheet.at(cells, Some(j)).to_lowercase();
        let called = |f: &str| {
            text.match_indices(f).any(|(i, _)| {
                text[i + f.len()..].trim_start().starts_with('(')
                    && !text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '-')
            })
        };
        let (feature, zh, en) = if called("pulldata") || called("pull_data") {
            (
                "pulldata()",
                "pulldata() 从表单旁的 CSV 文件取值，手机离线时没有这个文件：请把要用的值做成选项或预填",
                "pulldata() reads a CSV file beside the form that the phone does not have offline: make the values choices or a prefill instead",
            )
        } else if let Some(list) = instance_name(&text)
            .and_then(|n| lists.keys().find(|k| k.to_lowercase() == n))
        {
            // The form's own choice list, looked up by an XPath path.
            return Some((
                j,
                "instance() path",
                format!(
                    "instance('{list}') 用 XPath 路径查找本表单的选项列表 `{list}`，入户通不计算这种路径：请直接用选择题本身显示选项，或用 if() 计算所需的值"
                ),
                format!(
                    "instance('{list}') looks up the form's own choice list `{list}` by an XPath path, which Doorstep does not evaluate: let the select itself show the choice, or compute the value with if()"
                ),
            ));
        } else if called("instance") {
            (
                "external instance",
                "instance() 读取外部数据，手机离线时没有：请把选项放进 choices 工作表",
                "instance() reads external data the phone does not have offline: put the choices on the choices sheet",
            )
        } else if called("search") {
            (
                "search()",
                "search() 需要手机上没有的外部文件",
                "search() needs an external file the phone does not have",
            )
        } else {
            return None;
        };
        Some((j, feature, zh.to_owned(), en.to_owned()))
    })
}

/// The name in the first `instance('name')` of a lowercased expression (a
/// curly quote, as Word and WPS type one, closes it too).
fn instance_name(text: &str) -> Option<String> {
    let at = text.find("instance(")?;
    let rest = text[at + "instance(".len()..].trim_start();
    let rest = rest.strip_prefix(['\'', '"', '‘', '’', '“', '”'])?;
    let end = rest.find(['\'', '"', '‘', '’', '“', '”', ')'])?;
    Some(rest[..end].trim().to_owned())
}

/// `select_one_external list` → the list's name.
fn external_list(raw: &str) -> Option<&str> {
    let mut words = raw.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("select_one_external") {
        return None;
    }
    let list = words.next()?;
    words.next().is_none().then_some(list)
}

/// `select_one_from_file villages.csv` → (multiple, file name).
fn from_file(raw: &str) -> Option<(bool, &str)> {
    let mut words = raw.split_whitespace();
    let multiple = match words.next()?.to_lowercase().as_str() {
        "select_one_from_file" => false,
        "select_multiple_from_file" => true,
        _ => return None,
    };
    let file = words.next()?;
    words.next().is_none().then_some((multiple, file))
}

/// What to write instead of an XLSForm type the phone has no widget for.
fn instead(ty: &str) -> Option<(&'static str, &'static str)> {
    Some(match ty.split_whitespace().next()? {
        "audio" | "background-audio" => (
            "手机不能录音：请改用 `image`（拍照）或 `note`（说明），或删除这一行",
            "the phone cannot record sound: use `image` (a photo) or a `note`, or delete the row",
        ),
        "video" => (
            "手机不能录像：请改用 `image`（拍照），或删除这一行",
            "the phone cannot record video: use `image` (a photo) instead, or delete the row",
        ),
        "file" => (
            "手机不能附加文件：请改用 `image`（给文件拍照），或删除这一行",
            "the phone cannot attach files: use `image` (a photo of the document) instead, or delete the row",
        ),
        "rank" => (
            "手机不能排序：请改用 `select_multiple`",
            "the phone cannot rank choices: use `select_multiple` instead",
        ),
        "geotrace" | "geoshape" => (
            "手机只记录一个位置，不能画线或面：请改用 `geopoint`",
            "the phone records one position, not a line or an area: use `geopoint` instead",
        ),
        "include" | "osm" | "xml-external" | "csv-external" => (
            "它需要手机上没有的外部文件或程序",
            "it needs an external file or app the phone does not have",
        ),
        _ => return None,
    })
}

/// For an appearance that changes what ODK asks, what the phone asks
/// instead, in Chinese and English; `None` for an appearance that only
/// changes how a question looks (kept as written).
fn nearest_instead(t: FieldType, appearance: &str) -> Option<(&'static str, &'static str)> {
    let words: Vec<&str> = appearance.split_whitespace().collect();
    let has = |w: &str| words.contains(&w);
    match t {
        FieldType::Image if has("draw") => Some((
            "手机上不能手绘，改为拍照",
            "the phone has no drawing pad: a photo is taken instead",
        )),
        FieldType::Image if has("annotate") => Some((
            "手机上不能在照片上标注，只拍照",
            "the phone cannot mark up a photo: the photo is taken as it is",
        )),
        FieldType::Date if has("month-year") || has("year") => Some((
            "手机上选择完整的日期（年-月-日），不只选年月",
            "the worker picks a whole date (year, month and day) instead of only the month or year",
        )),
        _ => None,
    }
}

/// Adds the choice `other` (其他 / Other) that `or_other` offers, unless the list has one.
fn add_other_choice(choices: &mut Vec<Choice>) {
    if !choices.iter().any(|c| c.name == "other") {
        choices.push(Choice::new("other", "其他", "Other"));
    }
}

/// The text field `or_other` adds after its select: asked only when `other` is chosen.
fn other_field(select: &str, name: String) -> Field {
    let mut f = Field::new(
        name,
        FieldType::Text,
        LocalizedText::new("其他，请注明", "Specify other"),
    );
    f.relevant = Some(format!("selected(${{{select}}}, 'other')"));
    f
}

/// An XLSForm default cell as a JSON answer of the field's type.
fn default_value(t: FieldType, text: &str) -> serde_json::Value {
    match t {
        FieldType::Integer | FieldType::Money => text
            .parse::<i64>()
            .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from),
        FieldType::Decimal => text
            .parse::<f64>()
            .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from),
        FieldType::YesNo => match parse_flag(text) {
            Some(b) => serde_json::Value::from(if b { "yes" } else { "no" }),
            None => serde_json::Value::from(text),
        },
        FieldType::SelectMultiple | FieldType::Image => {
            serde_json::Value::from(text.split_whitespace().collect::<Vec<_>>())
        }
        _ => serde_json::Value::from(text),
    }
}
