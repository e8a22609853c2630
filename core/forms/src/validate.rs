//! Validation of a visit's answers against a [`Form`]: every problem at once.
//!
//! Answers are a JSON object keyed by field name. Groups are sections: their
//! children sit beside them in the same object. A repeat is an array of objects,
//! one per instance. Paths in problems use the repeat's 0-based index, e.g.
//! `members[2].id_number`.
//!
//! Calculations and relevance are worked out together until they settle (a
//! calculation may read a field that turns out not to be relevant, and relevance
//! may read a calculation). Answers to fields that are not relevant are ignored:
//! they raise no problem and are left out of [`Validation::answers`].
//!
//! Messages name fields by their label and never repeat an answer: answers are
//! personal data.

use std::collections::HashMap;

use chrono::NaiveDate;
use regex::Regex;
use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::definition::{Choice, FieldType, LocalizedText};
use crate::expr::eval::{Env, Value, eval};
use crate::form::{FieldInfo, Form};

/// One problem with the answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where: `name`, or `repeat[index].name` (index from 0); empty for the whole answer set.
    pub path: String,
    /// A stable, machine-readable code (`required`, `constraint`, `bad_check_digit`, …).
    pub code: String,
    pub message: LocalizedText,
}

/// What a problem code means, in a few words for a list or a badge (the
/// problem's own message says more): `required` → 必填项未填, a code the
/// form engine does not know → `None`.
pub fn problem_kind_words(code: &str) -> Option<LocalizedText> {
    let (zh, en) = match code {
        "required" => ("必填项未填", "required answer missing"),
        "constraint" => ("不符合填写规则", "breaks the form's rule"),
        "bad_date" => ("日期无效", "not a valid date"),
        "bad_geopoint" => ("位置无效", "not a valid position"),
        "choice_not_offered" => ("所选项已不在可选范围内", "choice no longer offered"),
        "unknown_choice" => ("选项不在列表中", "choice not in the list"),
        "duplicate_choice" => ("重复选择", "same choice twice"),
        "money_not_fen" => ("金额格式不正确", "not a valid amount"),
        "read_only" => ("只读项被修改", "read-only answer changed"),
        "too_few_entries" => ("条目太少", "too few entries"),
        "too_many_entries" => ("条目太多", "too many entries"),
        "too_few_photos" => ("照片太少", "too few photos"),
        "too_many_photos" => ("照片太多", "too many photos"),
        "unknown_field" => ("表单中没有这一项", "not a question of the form"),
        "not_answerable" => ("这一项不能填写", "not a question to answer"),
        "wrong_type" => ("答案类型不对", "answer of the wrong kind"),
        "answers_not_object" => ("答案格式不正确", "answers malformed"),
        "wrong_length"
        | "non_digit"
        | "unknown_region"
        | "impossible_birth_date"
        | "bad_check_digit" => ("身份证号码无效", "ID number invalid"),
        "phone_bad_characters" | "phone_bad_format" => ("电话号码无效", "phone number invalid"),
        _ => return None,
    };
    Some(LocalizedText::new(zh, en))
}

/// The outcome of validating a set of answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// Every problem, in the form's order.
    pub problems: Vec<Problem>,
    /// The answers that count: relevant fields only, values normalized (ID numbers
    /// and phones in normal form, yes/no as `"yes"`/`"no"`), calculations filled in.
    pub answers: Map<String, Json>,
}

impl Validation {
    /// True when there is no problem.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The problems' codes, in order (handy for callers and tests).
    pub fn codes(&self) -> Vec<(&str, &str)> {
        self.problems
            .iter()
            .map(|p| (p.path.as_str(), p.code.as_str()))
            .collect()
    }
}

/// Why one answer is not acceptable for its field, before the label is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub code: String,
    pub zh: String,
    pub en: String,
}

fn fault(code: &str, zh: &str, en: &str) -> Fault {
    Fault {
        code: code.to_owned(),
        zh: zh.to_owned(),
        en: en.to_owned(),
    }
}

fn wrong_type(zh: &str, en: &str) -> Fault {
    fault("wrong_type", &format!("应为{zh}"), &format!("must be {en}"))
}

/// Converts one JSON answer to the field's value and normal JSON form.
pub(crate) fn convert(
    f: &FieldInfo,
    json: &Json,
    today: NaiveDate,
) -> Result<(Value, Json), Fault> {
    let text = || json.as_str().ok_or_else(|| wrong_type("文字", "text"));
    let choice_known = |name: &str| f.choices.iter().any(|c| c.name == name);
    match f.field_type {
        FieldType::Text => {
            let s = text()?;
            Ok((Value::Str(s.to_owned()), json.clone()))
        }
        FieldType::Integer => match json.as_i64() {
            Some(n) => Ok((Value::Num(n as f64), Json::from(n))),
            None => Err(fault("not_integer", "应为整数", "must be a whole number")),
        },
        FieldType::Decimal => match json.as_f64() {
            Some(n) => Ok((Value::Num(n), json.clone())),
            None => Err(wrong_type("数字", "a number")),
        },
        FieldType::Money => match json.as_i64() {
            Some(n) => Ok((Value::Num(n as f64), Json::from(n))),
            None => Err(fault(
                "money_not_fen",
                "金额应为以分为单位的整数",
                "money must be a whole number of fen (分)",
            )),
        },
        FieldType::Date => {
            let d = json
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| {
                    fault(
                        "bad_date",
                        "日期格式应为YYYY-MM-DD",
                        "must be a date written YYYY-MM-DD",
                    )
                })?;
            Ok((Value::Date(d), Json::from(d.format("%Y-%m-%d").to_string())))
        }
        FieldType::YesNo => {
            let v = match json {
                Json::Bool(true) => "yes",
                Json::Bool(false) => "no",
                Json::String(s) if s == "yes" || s == "no" => s.as_str(),
                _ => {
                    return Err(fault(
                        "unknown_choice",
                        "应为“是”或“否”",
                        "must be yes or no",
                    ));
                }
            };
            Ok((Value::Str(v.to_owned()), Json::from(v)))
        }
        FieldType::SelectOne => {
            let s = json
                .as_str()
                .ok_or_else(|| wrong_type("一个选项", "one choice name"))?;
            if !choice_known(s) {
                return Err(fault(
                    "unknown_choice",
                    "不是可选的选项",
                    "is not one of the choices",
                ));
            }
            Ok((Value::Str(s.to_owned()), json.clone()))
        }
        FieldType::SelectMultiple => {
            let items = json
                .as_array()
                .ok_or_else(|| wrong_type("选项列表", "a list of choice names"))?;
            let mut names: Vec<&str> = Vec::with_capacity(items.len());
            for item in items {
                let s = item
                    .as_str()
                    .ok_or_else(|| wrong_type("选项列表", "a list of choice names"))?;
                if !choice_known(s) {
                    return Err(fault(
                        "unknown_choice",
                        "含有不可选的选项",
                        "holds a name that is not one of the choices",
                    ));
                }
                if names.contains(&s) {
                    return Err(fault(
                        "duplicate_choice",
                        "同一选项选了两次",
                        "holds the same choice twice",
                    ));
                }
                names.push(s);
            }
            Ok((Value::Str(names.join(" ")), json.clone()))
        }
        FieldType::IdNumber => {
            let s = text()?;
            match doorstep_model::IdNumber::parse_on(s, today) {
                Ok(id) => Ok((Value::Str(id.as_str().to_owned()), Json::from(id.as_str()))),
                Err(e) => Err(Fault {
                    code: e.code().to_owned(),
                    zh: e.message_zh().to_owned(),
                    en: e.to_string(),
                }),
            }
        }
        FieldType::Phone => {
            let s = text()?;
            match doorstep_model::Phone::parse(s) {
                Ok(p) => Ok((Value::Str(p.as_str().to_owned()), Json::from(p.as_str()))),
                Err(e) => Err(Fault {
                    code: e.code().to_owned(),
                    zh: e.message_zh().to_owned(),
                    en: e.to_string(),
                }),
            }
        }
        FieldType::Geopoint => {
            let bad = || {
                fault(
                    "bad_geopoint",
                    "位置应包含有效的纬度lat和经度lon",
                    "must be {\"lat\", \"lon\"} with a valid latitude and longitude",
                )
            };
            let obj = json.as_object().ok_or_else(bad)?;
            let lat = obj.get("lat").and_then(Json::as_f64).ok_or_else(bad)?;
            let lon = obj.get("lon").and_then(Json::as_f64).ok_or_else(bad)?;
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                return Err(bad());
            }
            if obj
                .keys()
                .any(|k| !matches!(k.as_str(), "lat" | "lon" | "accuracy_m" | "altitude_m"))
            {
                return Err(bad());
            }
            if let Some(acc) = obj.get("accuracy_m")
                && !acc.as_f64().is_some_and(|a| a >= 0.0)
            {
                return Err(bad());
            }
            Ok((Value::Str(format!("{lat} {lon}")), json.clone()))
        }
        FieldType::Image => {
            let items = json
                .as_array()
                .ok_or_else(|| wrong_type("照片列表", "a list of photo ids"))?;
            let mut ids = Vec::with_capacity(items.len());
            for item in items {
                match item.as_str() {
                    Some(s) if !s.is_empty() => ids.push(s),
                    _ => return Err(wrong_type("照片列表", "a list of photo ids")),
                }
            }
            if let Some(max) = f.max_count
                && ids.len() > max as usize
            {
                return Err(Fault {
                    code: "too_many_photos".to_owned(),
                    zh: format!("最多{max}张照片"),
                    en: format!("allows at most {max} photos"),
                });
            }
            Ok((Value::Str(ids.join(" ")), json.clone()))
        }
        FieldType::Signature => match json.as_str() {
            Some(s) if !s.is_empty() => Ok((Value::Str(s.to_owned()), json.clone())),
            _ => Err(wrong_type("签名图片编号", "a signature image id")),
        },
        FieldType::Note | FieldType::Calculate | FieldType::Group | FieldType::Repeat => Err(
            fault("not_answerable", "此项无需填写", "is not answered directly"),
        ),
    }
}

/// Values of one scope: the root, or one repeat instance.
#[derive(Debug, Clone)]
struct Scope {
    /// What the answers said, normalized (before relevance).
    given: Vec<Value>,
    /// The values expressions see in this pass.
    values: Vec<Value>,
    json: Vec<Option<Json>>,
    faults: Vec<Option<Fault>>,
    relevant: Vec<bool>,
    /// For a repeat instance inside another repeat's instance: that
    /// instance's index in its repeat's list.
    parent: Option<usize>,
    /// The instances of each repeat directly inside this scope, in order: by
    /// repeat ordinal, their indexes in that repeat's list.
    kids: HashMap<usize, Vec<usize>>,
}

impl Scope {
    fn new(n: usize, parent: Option<usize>) -> Self {
        Self {
            given: vec![Value::Null; n],
            values: vec![Value::Null; n],
            json: vec![None; n],
            faults: vec![None; n],
            relevant: vec![true; n],
            parent,
            kids: HashMap::new(),
        }
    }

    /// The instances of repeat `r` inside this scope.
    fn kids_of(&self, r: usize) -> &[usize] {
        self.kids.get(&r).map_or(&[], Vec::as_slice)
    }
}

/// The values of every scope: the root, and every instance of every repeat
/// (`repeats[r]`, over all instances of the repeats around it).
struct Data {
    root: Scope,
    repeats: Vec<Vec<Scope>>,
}

impl Data {
    fn new(form: &Form) -> Self {
        Data {
            root: Scope::new(form.scopes[0].len(), None),
            repeats: vec![Vec::new(); form.repeats.len()],
        }
    }

    fn scope(&self, instance: Option<(usize, usize)>) -> &Scope {
        match instance {
            None => &self.root,
            Some((r, k)) => &self.repeats[r][k],
        }
    }

    /// The repeat instances around `instance`, itself first.
    fn chain(&self, form: &Form, instance: Option<(usize, usize)>) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut at = instance;
        while let Some((r, k)) = at {
            out.push((r, k));
            at = form
                .outer_repeat(r)
                .zip(self.repeats[r].get(k).and_then(|s| s.parent));
        }
        out
    }

    /// The scope fields of `repeat` (`None`: the root) have, seen from
    /// `instance`: that repeat's instance around it.
    fn scope_for(
        &self,
        form: &Form,
        repeat: Option<usize>,
        instance: Option<(usize, usize)>,
    ) -> Option<&Scope> {
        let r = match repeat {
            None => return Some(&self.root),
            Some(r) => r,
        };
        let mut at = instance;
        while let Some((ir, k)) = at {
            let scope = self.repeats[ir].get(k)?;
            if ir == r {
                return Some(scope);
            }
            at = form.outer_repeat(ir).zip(scope.parent);
        }
        None
    }

    /// True when instance `k` of repeat `r` lies within the instances of
    /// `chain` (a field of a repeat inside a member, seen from that member,
    /// means that member's entries only).
    fn within(&self, form: &Form, r: usize, k: usize, chain: &[(usize, usize)]) -> bool {
        if chain.is_empty() {
            return true;
        }
        let mut at = Some((r, k));
        while let Some((ar, ak)) = at {
            if chain.iter().any(|&(cr, ck)| cr == ar && ck != ak) {
                return false;
            }
            at = form
                .outer_repeat(ar)
                .zip(self.repeats[ar].get(ak).and_then(|s| s.parent));
        }
        true
    }

    /// The scope holding the repeat field of instance `k` of repeat `r`.
    fn parent_scope(&self, form: &Form, r: usize, k: usize) -> Option<&Scope> {
        match form.outer_repeat(r) {
            None => Some(&self.root),
            Some(outer) => {
                let p = self.repeats[r].get(k)?.parent?;
                self.repeats[outer].get(p)
            }
        }
    }
}

struct EvalEnv<'a> {
    form: &'a Form,
    data: &'a Data,
    instance: Option<(usize, usize)>,
    current: Option<&'a Value>,
    today: NaiveDate,
}

impl EvalEnv<'_> {
    fn scope_of(&self, f: &FieldInfo) -> Option<&Scope> {
        self.data.scope_for(self.form, f.repeat, self.instance)
    }

    /// The instances of repeat `r` an aggregate sees from here: all of them
    /// from outside, only those inside the current entries from within.
    fn instances_of(&self, r: usize) -> Vec<usize> {
        let chain = self.data.chain(self.form, self.instance);
        (0..self.data.repeats[r].len())
            .filter(|&k| self.data.within(self.form, r, k, &chain))
            .collect()
    }
}

impl Env for EvalEnv<'_> {
    fn value(&self, name: &str) -> Value {
        let Some(&i) = self.form.by_name.get(name) else {
            return Value::Null;
        };
        let f = &self.form.fields[i];
        self.scope_of(f)
            .map_or(Value::Null, |s| s.values[f.slot].clone())
    }

    fn values(&self, name: &str) -> Vec<Value> {
        let Some(&i) = self.form.by_name.get(name) else {
            return Vec::new();
        };
        let f = &self.form.fields[i];
        match f.repeat {
            Some(r) => self
                .instances_of(r)
                .into_iter()
                .map(|k| self.data.repeats[r][k].values[f.slot].clone())
                .collect(),
            None => vec![self.data.root.values[f.slot].clone()],
        }
    }

    fn count(&self, name: &str) -> usize {
        let Some(&i) = self.form.by_name.get(name) else {
            return 0;
        };
        let f = &self.form.fields[i];
        let Some(r) = f.own_repeat.or(f.repeat) else {
            return 0;
        };
        let slot = self.form.fields[self.form.repeats[r]].slot;
        self.instances_of(r)
            .into_iter()
            .filter(|&k| {
                self.data
                    .parent_scope(self.form, r, k)
                    .is_some_and(|s| s.relevant[slot])
            })
            .count()
    }

    fn current(&self) -> Value {
        self.current.cloned().unwrap_or(Value::Null)
    }

    fn today(&self) -> NaiveDate {
        self.today
    }

    fn regex(&self, pattern: &str) -> Option<&Regex> {
        self.form.regexes.get(pattern)
    }
}

/// What a `choice_filter` sees: the answers around the field, and the
/// columns of the one choice it is deciding on.
struct ChoiceEnv<'a> {
    inner: &'a EvalEnv<'a>,
    choice: &'a Choice,
}

impl Env for ChoiceEnv<'_> {
    fn value(&self, name: &str) -> Value {
        self.inner.value(name)
    }

    fn values(&self, name: &str) -> Vec<Value> {
        self.inner.values(name)
    }

    fn count(&self, name: &str) -> usize {
        self.inner.count(name)
    }

    fn current(&self) -> Value {
        Value::Null
    }

    fn today(&self) -> NaiveDate {
        self.inner.today
    }

    fn regex(&self, pattern: &str) -> Option<&Regex> {
        self.inner.regex(pattern)
    }

    fn column(&self, name: &str) -> Value {
        if name == "name" {
            return Value::Str(self.choice.name.clone());
        }
        if let Some(text) = crate::definition::label_column(&self.choice.label, name) {
            return Value::Str(text.to_owned());
        }
        self.choice
            .columns
            .get(name)
            .map_or(Value::Null, |v| Value::Str(v.clone()))
    }
}

fn value_json(v: &Value) -> Option<Json> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(Json::from(*b)),
        Value::Num(n) if n.fract() == 0.0 && n.abs() < 9e15 => Some(Json::from(*n as i64)),
        Value::Num(n) => serde_json::Number::from_f64(*n).map(Json::Number),
        Value::Str(s) => Some(Json::from(s.clone())),
        Value::Date(d) => Some(Json::from(d.format("%Y-%m-%d").to_string())),
    }
}

/// The most passes of calculations and relevance; real forms settle in two.
const MAX_PASSES: usize = 4;

impl Form {
    /// Validates answers (a JSON object) as of `today` (for `today()` and ID birth
    /// dates). Returns every problem at once and the cleaned answers.
    pub fn validate(&self, answers: &Json, today: NaiveDate) -> Validation {
        let mut problems = Vec::new();
        let Some(obj) = answers.as_object() else {
            problems.push(Problem {
                path: String::new(),
                code: "answers_not_object".to_owned(),
                message: LocalizedText::new(
                    "答案应为JSON对象",
                    "the answers must be a JSON object",
                ),
            });
            return Validation {
                problems,
                answers: Map::new(),
            };
        };
        let mut data = Data::new(self);
        let mut early = Vec::new();
        data.root = self.read_scope(0, obj, "", None, today, &mut data.repeats, &mut early);
        self.settle(&mut data, today);
        for p in early {
            problems.push(p);
        }
        let mut cleaned = Map::new();
        self.emit(0, None, &data, "", today, &mut problems, &mut cleaned);
        Validation {
            problems,
            answers: cleaned,
        }
    }

    /// The paths of the fields asked now, in the form's order: every group,
    /// note, question and calculation whose relevance (and its sections')
    /// holds for these answers, with repeat members once per instance
    /// (`members[0].name`). This is the same relevance [`Form::validate`]
    /// applies; answers that are not a JSON object make nothing relevant.
    pub fn relevant_paths(&self, answers: &Json, today: NaiveDate) -> Vec<String> {
        let Some(obj) = answers.as_object() else {
            return Vec::new();
        };
        let mut data = Data::new(self);
        let mut ignored = Vec::new();
        data.root = self.read_scope(0, obj, "", None, today, &mut data.repeats, &mut ignored);
        self.settle(&mut data, today);
        let mut out = Vec::new();
        self.collect_relevant(0, None, &data, "", &mut out);
        out
    }

    /// The choices offered now to each select with a `choice_filter`, by
    /// path (`community`, `members[0].income_kind`), for the fields asked
    /// now: those whose filter holds for the current answers, in the list's
    /// order. Selects without a filter offer their whole list and are left out.
    pub fn offered_choices(
        &self,
        answers: &Json,
        today: NaiveDate,
    ) -> HashMap<String, Vec<Choice>> {
        let mut out = HashMap::new();
        let Some(obj) = answers.as_object() else {
            return out;
        };
        let mut data = Data::new(self);
        let mut ignored = Vec::new();
        data.root = self.read_scope(0, obj, "", None, today, &mut data.repeats, &mut ignored);
        self.settle(&mut data, today);
        self.collect_offered(0, None, &data, "", today, &mut out);
        out
    }

    fn collect_offered(
        &self,
        scope: usize,
        instance: Option<(usize, usize)>,
        data: &Data,
        prefix: &str,
        today: NaiveDate,
        out: &mut HashMap<String, Vec<Choice>>,
    ) {
        let s = data.scope(instance);
        for &i in &self.scopes[scope] {
            let f = &self.fields[i];
            if !s.relevant[f.slot] {
                continue;
            }
            let path = format!("{prefix}{}", f.name);
            if f.choice_filter.is_some() {
                let env = self.env(data, instance, today);
                let offered = self.offered(f, &env).into_iter().cloned().collect();
                out.insert(path.clone(), offered);
            }
            if let Some(r) = f.own_repeat {
                for (k, &idx) in s.kids_of(r).iter().enumerate() {
                    let inner = format!("{path}[{k}].");
                    self.collect_offered(r + 1, Some((r, idx)), data, &inner, today, out);
                }
            }
        }
    }

    /// The choices of `f` its filter lets through in `env` (all without a filter).
    fn offered<'f>(&self, f: &'f FieldInfo, env: &EvalEnv<'_>) -> Vec<&'f Choice> {
        match &f.choice_filter {
            None => f.choices.iter().collect(),
            Some(filter) => f
                .choices
                .iter()
                .filter(|choice| eval(filter, &ChoiceEnv { inner: env, choice }).truthy())
                .collect(),
        }
    }

    fn collect_relevant(
        &self,
        scope: usize,
        instance: Option<(usize, usize)>,
        data: &Data,
        prefix: &str,
        out: &mut Vec<String>,
    ) {
        let s = data.scope(instance);
        for &i in &self.scopes[scope] {
            let f = &self.fields[i];
            if !s.relevant[f.slot] {
                continue;
            }
            let path = format!("{prefix}{}", f.name);
            out.push(path.clone());
            if let Some(r) = f.own_repeat {
                for (k, &idx) in s.kids_of(r).iter().enumerate() {
                    self.collect_relevant(
                        r + 1,
                        Some((r, idx)),
                        data,
                        &format!("{path}[{k}]."),
                        out,
                    );
                }
            }
        }
    }

    /// Reads the answers of one scope (`me`: its index in its repeat's list,
    /// `None` for the root), adding the instances of the repeats inside it to
    /// `repeats`.
    #[allow(clippy::too_many_arguments)]
    fn read_scope(
        &self,
        scope: usize,
        obj: &Map<String, Json>,
        prefix: &str,
        me: Option<usize>,
        today: NaiveDate,
        repeats: &mut [Vec<Scope>],
        problems: &mut Vec<Problem>,
    ) -> Scope {
        let members = &self.scopes[scope];
        let mut s = Scope::new(members.len(), None);
        for &i in members {
            let f = &self.fields[i];
            match f.field_type {
                FieldType::Group | FieldType::Note => continue,
                FieldType::Repeat => {
                    let (Some(r), Some(value)) = (f.own_repeat, obj.get(&f.name)) else {
                        continue;
                    };
                    match value {
                        Json::Null => {}
                        Json::Array(items) => {
                            let mut instances = Vec::with_capacity(items.len());
                            for (k, item) in items.iter().enumerate() {
                                let path = format!("{prefix}{}[{k}].", f.name);
                                let idx = repeats[r].len();
                                let size = self.scopes[r + 1].len();
                                repeats[r].push(Scope::new(size, me));
                                instances.push(idx);
                                match item.as_object() {
                                    Some(inner) => {
                                        let mut read = self.read_scope(
                                            r + 1,
                                            inner,
                                            &path,
                                            Some(idx),
                                            today,
                                            repeats,
                                            problems,
                                        );
                                        read.parent = me;
                                        repeats[r][idx] = read;
                                    }
                                    None => {
                                        problems.push(Problem {
                                            path: format!("{prefix}{}[{k}]", f.name),
                                            code: "wrong_type".to_owned(),
                                            message: LocalizedText::new(
                                                format!(
                                                    "「{}」的每一项应为JSON对象",
                                                    f.label.text_in("zh")
                                                ),
                                                format!(
                                                    "each entry of {} must be a JSON object",
                                                    f.label.text_in("en")
                                                ),
                                            ),
                                        });
                                    }
                                }
                            }
                            s.kids.insert(r, instances);
                        }
                        _ => s.faults[f.slot] = Some(wrong_type("列表", "a list")),
                    }
                }
                _ if f.calculation.is_some() || f.field_type == FieldType::Calculate => {}
                _ => {
                    let given = obj.get(&f.name);
                    let source = match given {
                        Some(v) => Some(v),
                        None => f.default.as_ref(),
                    };
                    match source {
                        None | Some(Json::Null) => {}
                        Some(v) => match convert(f, v, today) {
                            Ok((value, json)) => {
                                if f.read_only && given.is_some() {
                                    let default =
                                        f.default.as_ref().and_then(|d| convert(f, d, today).ok());
                                    if default.as_ref().is_some_and(|(_, dj)| *dj != json) {
                                        s.faults[f.slot] = Some(fault(
                                            "read_only",
                                            "此项为只读，不能修改",
                                            "is read-only and cannot be changed",
                                        ));
                                        continue;
                                    }
                                }
                                s.given[f.slot] = value;
                                s.json[f.slot] = Some(json);
                            }
                            Err(fault) => s.faults[f.slot] = Some(fault),
                        },
                    }
                }
            }
        }
        for key in obj.keys() {
            let field = self
                .by_name
                .get(key)
                .map(|&i| &self.fields[i])
                .filter(|f| f.repeat.map_or(0, |r| r + 1) == scope);
            if let Some(f) =
                field.filter(|f| matches!(f.field_type, FieldType::Group | FieldType::Note))
            {
                // Groups are sections whose fields sit beside them; a nested object would be lost.
                problems.push(Problem {
                    path: format!("{prefix}{key}"),
                    code: "not_answerable".to_owned(),
                    message: LocalizedText::new(
                        format!("「{}」是分组或说明，不能直接作答", f.label.text_in("zh")),
                        format!(
                            "{} is a section or note and takes no answer",
                            f.label.text_in("en")
                        ),
                    ),
                });
            } else if field.is_none() {
                problems.push(Problem {
                    path: format!("{prefix}{key}"),
                    code: "unknown_field".to_owned(),
                    message: LocalizedText::new("表单中没有这一项", "this form has no such field"),
                });
            }
        }
        s
    }

    /// Works calculations and relevance out until relevance stops changing.
    fn settle(&self, data: &mut Data, today: NaiveDate) {
        for pass in 0..MAX_PASSES {
            let before: Vec<Vec<bool>> = std::iter::once(data.root.relevant.clone())
                .chain(
                    data.repeats
                        .iter()
                        .flat_map(|r| r.iter().map(|s| s.relevant.clone())),
                )
                .collect();
            for s in std::iter::once(&mut data.root).chain(data.repeats.iter_mut().flatten()) {
                for slot in 0..s.values.len() {
                    s.values[slot] = if s.relevant[slot] {
                        s.given[slot].clone()
                    } else {
                        Value::Null
                    };
                }
            }
            for &i in &self.calc_order {
                let f = &self.fields[i];
                let Some(expr) = &f.calculation else { continue };
                match f.repeat {
                    None => {
                        if !data.root.relevant[f.slot] {
                            continue;
                        }
                        let v = eval(expr, &self.env(data, None, today));
                        data.root.values[f.slot] = v;
                    }
                    Some(r) => {
                        for k in 0..data.repeats[r].len() {
                            if !data.repeats[r][k].relevant[f.slot] {
                                continue;
                            }
                            let v = eval(expr, &self.env(data, Some((r, k)), today));
                            data.repeats[r][k].values[f.slot] = v;
                        }
                    }
                }
            }
            self.relevance(data, 0, None, today);
            for r in 0..data.repeats.len() {
                for k in 0..data.repeats[r].len() {
                    self.relevance(data, r + 1, Some((r, k)), today);
                }
            }
            let after: Vec<Vec<bool>> = std::iter::once(data.root.relevant.clone())
                .chain(
                    data.repeats
                        .iter()
                        .flat_map(|r| r.iter().map(|s| s.relevant.clone())),
                )
                .collect();
            if pass > 0 && before == after {
                break;
            }
        }
    }

    fn env<'a>(
        &'a self,
        data: &'a Data,
        instance: Option<(usize, usize)>,
        today: NaiveDate,
    ) -> EvalEnv<'a> {
        EvalEnv {
            form: self,
            data,
            instance,
            current: None,
            today,
        }
    }

    fn relevance(
        &self,
        data: &mut Data,
        scope: usize,
        instance: Option<(usize, usize)>,
        today: NaiveDate,
    ) {
        for &i in &self.scopes[scope] {
            let f = &self.fields[i];
            let parent_relevant = match f.parent {
                None => true,
                Some(p) => {
                    let pf = &self.fields[p];
                    data.scope_for(self, pf.repeat, instance)
                        .is_some_and(|s| s.relevant[pf.slot])
                }
            };
            let own = parent_relevant
                && f.relevant
                    .as_ref()
                    .is_none_or(|e| eval(e, &self.env(data, instance, today)).truthy());
            let s = match instance {
                None => &mut data.root,
                Some((r, k)) => &mut data.repeats[r][k],
            };
            s.relevant[f.slot] = own;
            if !own {
                s.values[f.slot] = Value::Null;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        scope: usize,
        instance: Option<(usize, usize)>,
        data: &Data,
        prefix: &str,
        today: NaiveDate,
        problems: &mut Vec<Problem>,
        out: &mut Map<String, Json>,
    ) {
        let s = data.scope(instance);
        for &i in &self.scopes[scope] {
            let f = &self.fields[i];
            if !s.relevant[f.slot] {
                continue;
            }
            let path = format!("{prefix}{}", f.name);
            let problem = |code: &str, zh: String, en: String| Problem {
                path: path.clone(),
                code: code.to_owned(),
                message: LocalizedText::new(zh, en),
            };
            if let Some(fault) = &s.faults[f.slot] {
                problems.push(problem(
                    &fault.code,
                    format!("「{}」{}", f.label.text_in("zh"), fault.zh),
                    format!("{}: {}", f.label.text_in("en"), fault.en),
                ));
                continue;
            }
            let is_required = f.required
                || f.required_if
                    .as_ref()
                    .is_some_and(|c| eval(c, &self.env(data, instance, today)).truthy());
            let required = || match &f.required_message {
                Some(m) => problem(
                    "required",
                    format!("「{}」{}", f.label.text_in("zh"), m.zh),
                    format!("{}: {}", f.label.text_in("en"), m.en),
                ),
                None => problem(
                    "required",
                    format!("「{}」为必填项", f.label.text_in("zh")),
                    format!("{} is required", f.label.text_in("en")),
                ),
            };
            match f.field_type {
                FieldType::Group | FieldType::Note => {}
                FieldType::Repeat => {
                    let Some(r) = f.own_repeat else { continue };
                    let kids = s.kids_of(r);
                    let n = kids.len();
                    if is_required && n == 0 {
                        problems.push(required());
                    } else if f.min_count.is_some_and(|m| n < m as usize) {
                        let m = f.min_count.unwrap_or(0);
                        problems.push(problem(
                            "too_few_entries",
                            format!("「{}」至少需要{m}项", f.label.text_in("zh")),
                            format!("{} needs at least {m} entries", f.label.text_in("en")),
                        ));
                    } else if f.max_count.is_some_and(|m| n > m as usize) {
                        let m = f.max_count.unwrap_or(0);
                        problems.push(problem(
                            "too_many_entries",
                            format!("「{}」最多{m}项", f.label.text_in("zh")),
                            format!("{} allows at most {m} entries", f.label.text_in("en")),
                        ));
                    }
                    let mut items = Vec::with_capacity(n);
                    for (k, &idx) in kids.iter().enumerate() {
                        let mut obj = Map::new();
                        let inner_prefix = format!("{path}[{k}].");
                        self.emit(
                            r + 1,
                            Some((r, idx)),
                            data,
                            &inner_prefix,
                            today,
                            problems,
                            &mut obj,
                        );
                        items.push(Json::Object(obj));
                    }
                    if n > 0 {
                        out.insert(f.name.clone(), Json::Array(items));
                    }
                }
                _ => {
                    let value = &s.values[f.slot];
                    if value.is_empty() {
                        if is_required {
                            problems.push(required());
                        } else if f.field_type == FieldType::Image
                            && f.min_count.is_some_and(|m| m > 0)
                        {
                            let m = f.min_count.unwrap_or(0);
                            problems.push(problem(
                                "too_few_photos",
                                format!("「{}」至少需要{m}张照片", f.label.text_in("zh")),
                                format!("{} needs at least {m} photos", f.label.text_in("en")),
                            ));
                        }
                        continue;
                    }
                    if f.field_type == FieldType::Image {
                        let n = s.values[f.slot].to_text().split_whitespace().count();
                        if let Some(m) = f.min_count.filter(|&m| n < m as usize) {
                            problems.push(problem(
                                "too_few_photos",
                                format!("「{}」至少需要{m}张照片", f.label.text_in("zh")),
                                format!("{} needs at least {m} photos", f.label.text_in("en")),
                            ));
                        }
                    }
                    if f.choice_filter.is_some() {
                        let env = self.env(data, instance, today);
                        let offered = self.offered(f, &env);
                        let text = value.to_text();
                        if text
                            .split_whitespace()
                            .any(|name| !offered.iter().any(|c| c.name == name))
                        {
                            problems.push(problem(
                                "choice_not_offered",
                                format!(
                                    "「{}」所选的不在当前可选的选项中，请重新选择",
                                    f.label.text_in("zh")
                                ),
                                format!(
                                    "{}: the choice is not among those offered now; choose again",
                                    f.label.text_in("en")
                                ),
                            ));
                            continue;
                        }
                    }
                    if let Some(c) = &f.constraint {
                        let env = EvalEnv {
                            form: self,
                            data,
                            instance,
                            current: Some(value),
                            today,
                        };
                        if !eval(c, &env).truthy() {
                            let (zh, en) = match &f.constraint_message {
                                Some(m) => (
                                    format!("「{}」{}", f.label.text_in("zh"), m.zh),
                                    format!("{}: {}", f.label.text_in("en"), m.en),
                                ),
                                None => (
                                    format!("「{}」的值不符合要求", f.label.text_in("zh")),
                                    format!("{}: the value is not allowed", f.label.text_in("en")),
                                ),
                            };
                            problems.push(problem("constraint", zh, en));
                        }
                    }
                    let json = if f.calculation.is_some() {
                        value_json(value)
                    } else {
                        s.json[f.slot].clone()
                    };
                    if let Some(j) = json {
                        out.insert(f.name.clone(), j);
                    }
                }
            }
        }
    }
}

/// Formats a money amount in fen as yuan with two decimals (`123456` → `1234.56`).
pub fn fen_to_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}
