//! The preview of an uploaded ledger, before anything is written: each sheet's
//! columns with the field each goes to (a `<select>` the admin can change, or
//! "not imported"), the grid for the whole file, a grid for each estate that
//! has none, the problems by sheet, row and column, the addresses that could
//! not be split, and the first households as they will be stored. Its form
//! posts to `/console/admin/ledger/confirm`, to check again with the changes
//! or to confirm the import. ID numbers and phones are shown masked.

use std::fmt::Write as _;

use doorstep_model::{Relation, TagDefinition};
use uuid::Uuid;

use super::html::{csrf_field, esc, t};
use super::ledger_columns::{COLUMNS, Column};
use super::ledger_rows::{
    Ledger, LedgerGrid, RowProblem, Sheet, mask_id, mask_phone, redact_digits,
};
use super::session::{ConsoleUser, Lang};

/// Problems listed on one page; the rest are counted.
const MAX_LISTED: usize = 1000;
/// Households shown as they will be stored.
const PREVIEW_HOUSEHOLDS: usize = 20;

/// The `<option>`s of a grid `<select>`: a blank choice, then the grids in
/// the user's scope, `selected` marked.
pub fn grid_options(
    lang: Lang,
    grids: &[LedgerGrid],
    selected: Option<Uuid>,
    blank: (&str, &str),
) -> String {
    let mut out = format!(
        "<option value=\"\">{}</option>",
        esc(t(lang, blank.0, blank.1))
    );
    for g in grids.iter().filter(|g| g.in_scope) {
        let _ = write!(
            out,
            "<option value=\"{}\"{}>{} {}</option>",
            g.id,
            if selected == Some(g.id) {
                " selected"
            } else {
                ""
            },
            esc(&g.code),
            esc(&g.name)
        );
    }
    out
}

/// Everything the preview shows.
pub struct Preview<'a> {
    pub token: Uuid,
    pub file_name: &'a str,
    pub sheets: &'a [Sheet],
    pub ledger: &'a Ledger,
    pub grids: &'a [LedgerGrid],
    pub file_grid: Option<Uuid>,
    pub tags: &'a [TagDefinition],
}

/// The preview's body: summary, problems, the form, the households.
pub fn render(user: &ConsoleUser, p: &Preview<'_>) -> String {
    let lang = user.lang;
    let l = p.ledger;
    let mut out = String::new();
    let summary = match lang {
        Lang::Zh => format!(
            "预览“{}”：{} 个工作表，{} 户、{} 位居民。尚未写入任何数据。",
            p.file_name,
            p.sheets.len(),
            l.households.len(),
            l.residents
        ),
        Lang::En => format!(
            "Preview of “{}”: {} sheets, {} households, {} residents. Nothing has been written yet.",
            p.file_name,
            p.sheets.len(),
            l.households.len(),
            l.residents
        ),
    };
    let _ = write!(
        out,
        "<div class=\"msg\" role=\"status\">{}</div>",
        esc(&redact_digits(&summary))
    );
    if !l.problems.is_empty() {
        out.push_str(&report(lang, &l.problems));
    }
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/console/admin/ledger/confirm\" class=\"msg\">{}\
<input type=\"hidden\" name=\"token\" value=\"{}\">\
<p><label>{}<br><select name=\"grid\">{}</select></label></p>",
        csrf_field(user),
        p.token,
        t(lang, "整个文件的网格", "Grid for the whole file"),
        grid_options(
            lang,
            p.grids,
            p.file_grid,
            (
                "（按文件中的网格列或小区对应的网格）",
                "(by the file's grid column or the estates' grids)"
            )
        ),
    );
    for (s, sheet) in p.sheets.iter().enumerate() {
        columns(&mut out, lang, s, sheet);
    }
    if !l.without_grid.is_empty() {
        let _ = write!(
            out,
            "<h2>{}</h2><p class=\"muted\">{}</p><table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
            t(lang, "没有网格的小区", "Estates without a grid"),
            t(
                lang,
                "为每个小区选择网格；导入后会记住，以后的台账自动使用。",
                "Choose a grid for each estate; it is remembered and used for later ledgers."
            ),
            t(lang, "小区", "Estate"),
            t(lang, "网格", "Grid"),
        );
        for (i, estate) in l.without_grid.iter().enumerate() {
            let _ = write!(
                out,
                "<tr><td>{}<input type=\"hidden\" name=\"estate_{i}\" value=\"{}\"></td>\
<td><select name=\"estate_grid_{i}\">{}</select></td></tr>",
                esc(&redact_digits(estate)),
                esc(estate),
                grid_options(lang, p.grids, None, ("（未选择）", "(none chosen)")),
            );
        }
        out.push_str("</tbody></table>");
    }
    let _ = write!(
        out,
        "<p><button type=\"submit\" name=\"action\" value=\"apply\">{}</button>",
        t(lang, "按以上设置重新检查", "Check again with these choices"),
    );
    if l.problems.is_empty() {
        let _ = write!(
            out,
            " <button type=\"submit\" name=\"action\" value=\"confirm\">{}</button>",
            t(lang, "确认导入", "Confirm the import"),
        );
    }
    out.push_str("</p></form>");
    if !l.unsplit.is_empty() {
        let _ = write!(
            out,
            "<h2>{}</h2><p class=\"muted\">{}</p><ul>",
            t(lang, "无法拆分的地址", "Addresses that could not be split"),
            t(
                lang,
                "这些地址无法拆分为小区、楼栋、单元和门牌号，将整体保存为小区。",
                "These addresses could not be split into estate, building, unit and door; each is kept whole as the estate."
            ),
        );
        for (sheet, row, text) in &l.unsplit {
            let _ = write!(
                out,
                "<li>{} {} {}: {}</li>",
                esc(sheet),
                t(lang, "第", "row"),
                row,
                esc(text)
            );
        }
        out.push_str("</ul>");
    }
    households(&mut out, lang, p);
    out
}

/// One sheet's columns, each with its field `<select>` and a first value.
fn columns(out: &mut String, lang: Lang, s: usize, sheet: &Sheet) {
    let table = &sheet.table;
    let layout = if sheet.mapping.contains(&Some(Column::Relation)) {
        t(lang, "每行一位居民", "one row per resident")
    } else {
        t(lang, "每行一户（户主）", "one row per household (its head)")
    };
    let about = match lang {
        Lang::Zh => format!(
            "表头在第 {} 行；{layout}，{} 行数据",
            table.header_row,
            table.rows.len()
        ),
        Lang::En => format!(
            "Header at row {}; {layout}, {} data rows",
            table.header_row,
            table.rows.len()
        ),
    };
    let _ = write!(
        out,
        "<h2>{} “{}”</h2><p class=\"muted\">{}</p><table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "工作表", "Sheet"),
        esc(&table.sheet),
        esc(&about),
        t(lang, "列", "Column"),
        t(lang, "导入为", "Imported as"),
        t(lang, "第一行数据", "First data row"),
    );
    for (i, header) in table.headers.iter().enumerate() {
        let chosen = sheet.mapping.get(i).copied().flatten();
        let mut options = format!(
            "<option value=\"\"{}>{}</option>",
            if chosen.is_none() { " selected" } else { "" },
            t(lang, "不导入", "Not imported")
        );
        for (col, code, zh, en, _) in COLUMNS {
            let _ = write!(
                options,
                "<option value=\"{code}\"{}>{}</option>",
                if chosen == Some(*col) {
                    " selected"
                } else {
                    ""
                },
                esc(t(lang, zh, en)),
            );
        }
        let first = table
            .rows
            .first()
            .and_then(|(_, cells)| cells.get(i))
            .and_then(|c| super::ledger_table::cell_text(c).ok().flatten())
            .map(|v| match chosen {
                Some(Column::IdNumber) => mask_id(&v),
                Some(Column::Phone | Column::LandlordPhone) => mask_phone(&v),
                _ => redact_digits(&v),
            })
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr><td>{}</td><td><select name=\"col_{s}_{i}\" aria-label=\"{}\">{options}</select></td><td>{}</td></tr>",
            esc(&redact_digits(header)),
            esc(&redact_digits(header)),
            esc(&first),
        );
    }
    out.push_str("</tbody></table>");
}

/// The first households as they will be stored.
fn households(out: &mut String, lang: Lang, p: &Preview<'_>) {
    let l = p.ledger;
    if l.households.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<h2>{}</h2><table class=\"ledger-preview\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(&match lang {
            Lang::Zh => format!(
                "将保存的前 {} 户",
                PREVIEW_HOUSEHOLDS.min(l.households.len())
            ),
            Lang::En => format!(
                "The first {} households as they will be stored",
                PREVIEW_HOUSEHOLDS.min(l.households.len())
            ),
        }),
        t(lang, "行", "Row"),
        t(lang, "网格", "Grid"),
        t(lang, "小区", "Estate"),
        t(lang, "楼栋", "Building"),
        t(lang, "单元", "Unit"),
        t(lang, "门牌号", "Door"),
        t(lang, "姓名", "Name"),
        t(lang, "与户主关系", "Relation"),
        t(lang, "身份证号", "ID number"),
        t(lang, "联系电话", "Phone"),
        t(lang, "人员类别", "Categories"),
        t(lang, "备注", "Notes"),
    );
    for (h, origin) in l.households.iter().zip(&l.origins).take(PREVIEW_HOUSEHOLDS) {
        let grid = p
            .grids
            .iter()
            .find(|g| g.id == h.grid_id)
            .map(|g| format!("{} {}", g.code, g.name))
            .unwrap_or_default();
        for (k, (r, row)) in h.residents.iter().zip(&origin.rows).enumerate() {
            let relation = Relation::ALL
                .into_iter()
                .find(|x| x.as_str() == r.relation)
                .map_or(r.relation.clone(), |x| {
                    t(lang, x.label_zh(), x.as_str()).to_owned()
                });
            let tags: Vec<String> = r
                .tags
                .iter()
                .map(|tag| {
                    let name = p
                        .tags
                        .iter()
                        .find(|d| d.code == tag.code)
                        .map_or(tag.code.clone(), |d| {
                            t(lang, &d.name_zh, &d.name_en).to_owned()
                        });
                    if tag.attributes.is_empty() {
                        name
                    } else {
                        let attrs: Vec<String> = tag
                            .attributes
                            .iter()
                            .map(|(k, v)| format!("{}：{v}", attribute_label(lang, k)))
                            .collect();
                        format!("{name}（{}）", attrs.join("，"))
                    }
                })
                .collect();
            let household_cells = if k == 0 {
                [
                    grid.clone(),
                    h.estate.clone(),
                    h.building.clone().unwrap_or_default(),
                    h.unit.clone().unwrap_or_default(),
                    h.door.clone().unwrap_or_default(),
                ]
            } else {
                Default::default()
            };
            let _ = write!(out, "<tr><td>{} {}</td>", esc(&origin.sheet), row);
            for c in &household_cells {
                let _ = write!(out, "<td>{}</td>", esc(&redact_digits(c)));
            }
            let _ = write!(
                out,
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&r.name),
                esc(&relation),
                esc(&r.id_number.as_deref().map(mask_id).unwrap_or_default()),
                esc(&r.phone.as_deref().map(mask_phone).unwrap_or_default()),
                esc(&tags.join("、")),
                esc(&if k == 0 {
                    redact_digits(&h.notes)
                } else {
                    String::new()
                }),
            );
        }
    }
    out.push_str("</tbody></table>");
}

/// A tag attribute's name as the preview shows it.
fn attribute_label(lang: Lang, key: &str) -> String {
    let (zh, en) = match key {
        "class" => ("类别", "class"),
        "persons" => ("保障人数", "people covered"),
        "amount" => ("金额（元）", "amount (yuan)"),
        "area" => ("城乡", "area"),
        "type" => ("类别", "type"),
        "level" => ("等级", "level"),
        "kind" => ("类别", "kind"),
        other => (other, other),
    };
    t(lang, zh, en).to_owned()
}

/// The problems by sheet, row and column.
pub fn report(lang: Lang, problems: &[RowProblem]) -> String {
    let mut out = format!(
        "<div class=\"err\" role=\"alert\">{}</div><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(&match lang {
            Lang::Zh => format!(
                "发现 {} 处错误，未导入任何数据。请修改后重新上传，或在下方改变列的对应后重新检查。",
                problems.len()
            ),
            Lang::En => format!(
                "{} problems found; nothing was imported. Correct them and upload again, or change the columns' fields below and check again.",
                problems.len()
            ),
        }),
        t(lang, "工作表", "Sheet"),
        t(lang, "行", "Row"),
        t(lang, "列", "Column"),
        t(lang, "代码", "Code"),
        t(lang, "说明", "Problem"),
        t(lang, "内容", "Value"),
    );
    for p in problems.iter().take(MAX_LISTED) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            esc(&p.sheet),
            p.row,
            esc(&p.column),
            esc(p.code),
            esc(t(lang, &p.zh, &p.en)),
            esc(&p.value),
        );
    }
    out.push_str("</tbody></table>");
    if problems.len() > MAX_LISTED {
        let _ = write!(
            out,
            "<p>{}</p>",
            esc(&match lang {
                Lang::Zh => format!("另有 {} 处错误未列出。", problems.len() - MAX_LISTED),
                Lang::En => format!(
                    "{} more problems are not listed.",
                    problems.len() - MAX_LISTED
                ),
            })
        );
    }
    out
}
