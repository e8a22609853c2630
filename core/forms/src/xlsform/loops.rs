//! `begin loop over list` … `end loop`: the same questions asked once per
//! choice of a list ("how many toilets of each kind"). As pyxform does, a loop
//! is written out before the survey is read: a group named like the loop
//! holding, for each choice (but `none`), a group `{loop}_{choice}` labelled
//! with the choice, in which every row of the loop is repeated with
//! `%(name)s` / `%(label)s` replaced by the choice's name and label. Answers
//! are kept by name form-wide here, so each copied name (and each `${…}`
//! naming one) gets `_{choice}` appended.

use super::choices::Lists;
use super::sheet::Sheet;
use crate::definition::Choice;

type Row = (u32, Vec<String>);

/// `begin loop over toilet_type` (any case, `_` or spaces) → `toilet_type`.
fn loop_list(ty: &str) -> Option<String> {
    let words: Vec<&str> = ty.split_whitespace().collect();
    let is = |w: &str, want: &str| w.eq_ignore_ascii_case(want);
    match words.as_slice() {
        [b, l, o, list] if is(b, "begin") && is(l, "loop") && is(o, "over") => {
            Some((*list).to_owned())
        }
        [bl, o, list] if is(bl, "begin_loop") && is(o, "over") => Some((*list).to_owned()),
        _ => None,
    }
}

fn is_end_loop(ty: &str) -> bool {
    ty.replace('_', " ")
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        == ["end", "loop"]
}

/// The survey rows with every closed loop over a known list written out as
/// groups; a loop left open or over a list that is not there stays as
/// written (the reader then says what is wrong at its row). `or_other` lists
/// (those a select offers `or_other` on) get the choice `other`, as pyxform
/// adds it.
pub(super) fn expand(sheet: &Sheet, lists: &Lists, lang: &str, or_other: &[String]) -> Vec<Row> {
    let Some(type_col) = sheet.col("type") else {
        return sheet.rows.clone();
    };
    expand_rows(sheet, &sheet.rows, type_col, lists, lang, or_other)
}

fn expand_rows(
    sheet: &Sheet,
    rows: &[Row],
    type_col: usize,
    lists: &Lists,
    lang: &str,
    or_other: &[String],
) -> Vec<Row> {
    let ty = |r: &Row| sheet.at(&r.1, Some(type_col)).to_owned();
    let mut out = Vec::with_capacity(rows.len());
    let mut i = 0;
    while i < rows.len() {
        let row = &rows[i];
        let Some(list) = loop_list(&ty(row)) else {
            out.push(row.clone());
            i += 1;
            continue;
        };
        // The matching `end loop`, loops inside counted.
        let mut depth = 0;
        let end = rows[i + 1..].iter().position(|r| {
            let t = ty(r);
            if loop_list(&t).is_some() {
                depth += 1;
            } else if is_end_loop(&t) {
                if depth == 0 {
                    return true;
                }
                depth -= 1;
            }
            false
        });
        let (Some(end), Some(choices)) = (end, lists.get(&list)) else {
            out.push(row.clone());
            i += 1;
            continue;
        };
        let end = i + 1 + end;
        let body = expand_rows(sheet, &rows[i + 1..end], type_col, lists, lang, or_other);
        let mut columns: Vec<Choice> = choices
            .iter()
            .filter(|c| c.name != "none")
            .cloned()
            .collect();
        if or_other.contains(&list) && !columns.iter().any(|c| c.name == "other") {
            columns.push(Choice::new("other", "其他", "Other"));
        }
        let loop_name = sheet.at(&row.1, sheet.col("name")).to_owned();
        let mut open = row.1.clone();
        open[type_col] = "begin group".to_owned();
        out.push((row.0, open));
        for c in &columns {
            out.extend(copy(sheet, &body, type_col, &loop_name, c, lang, row.0));
        }
        out.push((rows[end].0, end_group(rows[end].1.len(), type_col)));
        i = end + 1;
    }
    out
}

fn end_group(width: usize, type_col: usize) -> Vec<String> {
    let mut cells = vec![String::new(); width.max(type_col + 1)];
    cells[type_col] = "end group".to_owned();
    cells
}

/// The loop's rows for one choice, inside a group labelled with the choice.
fn copy(
    sheet: &Sheet,
    body: &[Row],
    type_col: usize,
    loop_name: &str,
    choice: &Choice,
    lang: &str,
    begin_row: u32,
) -> Vec<Row> {
    let width = sheet.headers.len().max(type_col + 1);
    let name_col = sheet.col("name");
    let suffix = format!("_{}", choice.name);
    let names: Vec<String> = body
        .iter()
        .map(|r| sheet.at(&r.1, name_col).to_owned())
        .filter(|n| !n.is_empty() && !n.contains("%(name)s"))
        .collect();
    let label_in = |j: usize| {
        let code = sheet
            .headers
            .get(j)
            .and_then(|h| h.lang.as_deref())
            .unwrap_or(lang);
        choice.label.text_in(code).to_owned()
    };
    let mut open = vec![String::new(); width];
    open[type_col] = "begin group".to_owned();
    if let Some(j) = name_col {
        open[j] = format!("{loop_name}{suffix}");
    }
    for (j, h) in sheet.headers.iter().enumerate() {
        if h.base == "label" {
            open[j] = label_in(j);
        }
    }
    let mut out = vec![(begin_row, open)];
    for (row, cells) in body {
        let mut cells = cells.clone();
        for (j, cell) in cells.iter_mut().enumerate() {
            if cell.is_empty() {
                continue;
            }
            let mut text = cell
                .replace("%(name)s", &choice.name)
                .replace("%(label)s", &label_in(j));
            if Some(j) == name_col && !cell.contains("%(name)s") {
                text.push_str(&suffix);
            } else if j != type_col {
                for n in &names {
                    text = text.replace(&format!("${{{n}}}"), &format!("${{{n}{suffix}}}"));
                }
            }
            *cell = text;
        }
        // A nameless note is named from its row, once per choice.
        if let Some(j) = name_col
            && cells.get(j).is_some_and(String::is_empty)
            && sheet
                .at(&cells, Some(type_col))
                .trim()
                .eq_ignore_ascii_case("note")
        {
            cells[j] = format!("generated_note_name_{row}{suffix}");
        }
        out.push((*row, cells));
    }
    out.push((begin_row, end_group(width, type_col)));
    out
}
