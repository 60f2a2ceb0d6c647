//! Study-level correlation matrices: the input of a meta-analytic SEM.
//!
//! Three layouts are read (all from text; the caller reads the file):
//!
//! * **long CSV** ([`StudySet::from_long_csv`]): header `study,n,var1,var2,r` (any order, any
//!   case) and one row per reported correlation; further columns are study-level moderators
//!   (constant within a study). A row with `var1 == var2` states a variable's presence: `r` = 1
//!   (present) or empty/`NA` (absent: metaSEM's "missing diagonal"). A column
//!   `used_by_metaSEM` (as in `roorda11_correlations_long.csv`) marks with 0 the correlations of
//!   absent variables: a variable that appears only in rows marked 0 is absent in that study.
//!   Rows of a study must be contiguous or not; the first row of each study gives the study
//!   order. Variables are ordered so that `var1` comes before `var2` where the rows agree
//!   (ties by first appearance), which recovers the order in which the matrices were written.
//! * **wide CSV** ([`StudySet::from_wide_csv`]): one row per study with `study`, `n`, columns
//!   `r_<a>_<b>` and optional `has_<a>` flags (0 = the variable is absent); `label` is a
//!   study name; other columns are moderators.
//! * **JSON** ([`StudySet::from_json`]): `{"variables": [...], "studies": [{"study": .., "n": ..,
//!   "cor": [[..]], <moderators>}]}`, `null` = missing.
//!
//! metaSEM's missing-data rule: a variable is absent from a study iff its diagonal is missing;
//! all its correlations are then dropped from the analysis (they still enter the weighted mean
//! matrix behind the sampling covariances, as in metaSEM).

use super::json::Json;
use super::MetaError;
use serde::Serialize;
use std::collections::BTreeMap;

/// A study-level moderator value: its text and, when it reads as a number, the number.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModValue {
    pub text: String,
    pub number: Option<f64>,
}

/// One study.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    /// The study's id as written.
    pub id: String,
    pub n: f64,
    /// The raw p × p matrix as reported (`None` = missing; the diagonal marks presence).
    pub raw: Vec<Vec<Option<f64>>>,
    /// Variable present (diagonal not missing).
    pub present: Vec<bool>,
    /// Moderator values by column name (`None` = missing).
    pub moderators: BTreeMap<String, Option<ModValue>>,
}

/// A set of studies over common variables.
#[derive(Debug, Clone, Serialize)]
pub struct StudySet {
    pub variables: Vec<String>,
    pub studies: Vec<Study>,
    /// Moderator columns in file order.
    pub moderator_names: Vec<String>,
}

/// Number of correlations among p variables.
pub fn n_pairs(p: usize) -> usize {
    p * (p - 1) / 2
}

/// The vechs order of metaSEM: column-major lower triangle, (2,1), (3,1), ..., (p,1), (3,2), ...
/// Each entry is (row, col) with row > col.
pub fn vechs_pairs(p: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for j in 0..p {
        for i in j + 1..p {
            out.push((i, j));
        }
    }
    out
}

/// Parses a number as R would read it from a CSV (`NA`, empty → None).
fn parse_num(s: &str) -> Result<Option<f64>, ()> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") || t.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    t.parse::<f64>().map(Some).map_err(|_| ())
}

/// Splits CSV text into records (RFC 4180 quotes; `,` separator).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                any = true;
            }
            ',' => {
                row.push(std::mem::take(&mut field));
                any = true;
            }
            '\r' => {}
            '\n' => {
                if any || !field.is_empty() {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                any = false;
            }
            _ => {
                field.push(c);
                any = true;
            }
        }
    }
    if any || !field.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn mod_value(s: &str) -> Option<ModValue> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("na") {
        return None;
    }
    Some(ModValue {
        text: t.to_string(),
        number: t.parse::<f64>().ok(),
    })
}

fn find_col(header: &[String], name: &str) -> Option<usize> {
    header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(name))
}

impl StudySet {
    /// Reads the long layout (see the module documentation).
    pub fn from_long_csv(text: &str, variables: Option<&[String]>) -> Result<StudySet, MetaError> {
        let rows = parse_csv(text);
        let Some(header) = rows.first() else {
            return Err(MetaError::new("the studies file is empty"));
        };
        let col = |name: &str| {
            find_col(header, name).ok_or_else(|| {
                MetaError::new(format!(
                    "the long studies file needs the columns study, n, var1, var2, r (no column `{name}`)"
                ))
            })
        };
        let (c_study, c_n, c_v1, c_v2, c_r) = (
            col("study")?,
            col("n")?,
            col("var1")?,
            col("var2")?,
            col("r")?,
        );
        let c_used = find_col(header, "used_by_metaSEM").or_else(|| find_col(header, "used"));
        let fixed = [
            Some(c_study),
            Some(c_n),
            Some(c_v1),
            Some(c_v2),
            Some(c_r),
            c_used,
        ];
        let mod_cols: Vec<usize> = (0..header.len())
            .filter(|c| !fixed.contains(&Some(*c)))
            .collect();
        struct Row {
            study: String,
            n: String,
            v1: String,
            v2: String,
            r: Option<f64>,
            used: bool,
            line: usize,
            mods: Vec<String>,
        }
        let mut parsed = Vec::new();
        for (k, rec) in rows.iter().enumerate().skip(1) {
            let line = k + 1;
            let get = |c: usize| rec.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
            let r = parse_num(&get(c_r)).map_err(|_| {
                MetaError::new(format!(
                    "study {}: line {line}: the correlation `{}` is not a number",
                    get(c_study),
                    get(c_r)
                ))
            })?;
            let used = match c_used {
                Some(c) => !matches!(get(c).as_str(), "0" | "FALSE" | "false" | "F"),
                None => true,
            };
            parsed.push(Row {
                study: get(c_study),
                n: get(c_n),
                v1: get(c_v1),
                v2: get(c_v2),
                r,
                used,
                line,
                mods: mod_cols.iter().map(|&c| get(c)).collect(),
            });
        }
        if parsed.is_empty() {
            return Err(MetaError::new("the studies file has no rows"));
        }
        for row in &parsed {
            if row.v1.is_empty() || row.v2.is_empty() {
                return Err(MetaError::new(format!(
                    "study {}: line {}: var1 and var2 must name variables",
                    row.study, row.line
                )));
            }
        }
        // Variable order.
        let vars: Vec<String> = match variables {
            Some(v) => v.to_vec(),
            None => {
                let mut first: Vec<String> = Vec::new();
                for row in &parsed {
                    for v in [&row.v1, &row.v2] {
                        if !first.contains(v) {
                            first.push(v.clone());
                        }
                    }
                }
                // var1 before var2: topological order, ties by first appearance.
                let p = first.len();
                let idx = |v: &str| first.iter().position(|x| x == v).unwrap_or(0);
                let mut before = vec![vec![false; p]; p];
                for row in &parsed {
                    let (a, b) = (idx(&row.v1), idx(&row.v2));
                    if a != b {
                        before[a][b] = true;
                    }
                }
                let mut done = vec![false; p];
                let mut order = Vec::new();
                while order.len() < p {
                    let next = (0..p)
                        .find(|&j| !done[j] && (0..p).all(|i| done[i] || i == j || !before[i][j]));
                    match next {
                        Some(j) => {
                            done[j] = true;
                            order.push(first[j].clone());
                        }
                        None => {
                            // contradictory orders: first appearance
                            order = first.clone();
                            break;
                        }
                    }
                }
                order
            }
        };
        let p = vars.len();
        let vidx = |v: &str| vars.iter().position(|x| x == v);
        // Group rows by study, in order of first appearance.
        let mut ids: Vec<String> = Vec::new();
        let mut by_study: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
        for row in &parsed {
            if !by_study.contains_key(&row.study) {
                ids.push(row.study.clone());
            }
            by_study.entry(row.study.clone()).or_default().push(row);
        }
        let mod_names: Vec<String> = mod_cols
            .iter()
            .map(|&c| header[c].trim().to_string())
            .collect();
        let mut studies = Vec::new();
        for id in &ids {
            let rs = &by_study[id];
            let n_text = &rs[0].n;
            let n = match parse_num(n_text) {
                Ok(Some(n)) => n,
                _ => {
                    return Err(MetaError::new(format!(
                        "study {id}: the sample size `{n_text}` is not a number"
                    )))
                }
            };
            if rs.iter().any(|r| parse_num(&r.n).ok().flatten() != Some(n)) {
                return Err(MetaError::new(format!(
                    "study {id}: n differs between its rows"
                )));
            }
            let mut raw = vec![vec![None; p]; p];
            let mut seen_used = vec![false; p];
            let mut seen_any = vec![false; p];
            let mut diag: Vec<Option<Option<f64>>> = vec![None; p];
            for r in rs {
                let (Some(a), Some(b)) = (vidx(&r.v1), vidx(&r.v2)) else {
                    // variables not requested with --variables are ignored
                    continue;
                };
                if a == b {
                    diag[a] = Some(r.r);
                    continue;
                }
                if raw[a][b].is_some() && r.r.is_some() && raw[a][b] != r.r {
                    return Err(MetaError::new(format!(
                        "study {id}: the correlation {}–{} is given twice with different values",
                        r.v1, r.v2
                    )));
                }
                if r.r.is_some() {
                    raw[a][b] = r.r;
                    raw[b][a] = r.r;
                }
                seen_any[a] = true;
                seen_any[b] = true;
                if r.used {
                    seen_used[a] = true;
                    seen_used[b] = true;
                }
            }
            let mut present = vec![false; p];
            for j in 0..p {
                present[j] = match diag[j] {
                    Some(d) => d.is_some(),
                    None => seen_used[j],
                };
                if present[j] || seen_any[j] {
                    raw[j][j] = if present[j] { Some(1.0) } else { None };
                }
            }
            let mut moderators = BTreeMap::new();
            for (m, name) in mod_names.iter().enumerate() {
                let first = mod_value(&rs[0].mods[m]);
                if rs.iter().any(|r| mod_value(&r.mods[m]) != first) {
                    return Err(MetaError::new(format!(
                        "study {id}: the moderator `{name}` is not constant within the study"
                    )));
                }
                moderators.insert(name.clone(), first);
            }
            studies.push(Study {
                id: id.clone(),
                n,
                raw,
                present,
                moderators,
            });
        }
        Ok(StudySet {
            variables: vars,
            studies,
            moderator_names: mod_names,
        })
    }

    /// Reads the wide layout (one row per study, `r_<a>_<b>` columns, optional `has_<a>`).
    pub fn from_wide_csv(text: &str) -> Result<StudySet, MetaError> {
        let rows = parse_csv(text);
        let Some(header) = rows.first() else {
            return Err(MetaError::new("the studies file is empty"));
        };
        let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let c_study = find_col(&header, "study");
        let c_n = find_col(&header, "n")
            .ok_or_else(|| MetaError::new("the wide studies file needs a column `n`"))?;
        let c_label = find_col(&header, "label");
        let has_cols: Vec<(usize, String)> = header
            .iter()
            .enumerate()
            .filter_map(|(c, h)| h.strip_prefix("has_").map(|v| (c, v.to_string())))
            .collect();
        let r_cols: Vec<(usize, &str)> = header
            .iter()
            .enumerate()
            .filter_map(|(c, h)| h.strip_prefix("r_").map(|v| (c, v)))
            .collect();
        if r_cols.is_empty() {
            return Err(MetaError::new(
                "the wide studies file needs correlation columns r_<var1>_<var2>",
            ));
        }
        // Variables: from has_ columns when present, else from the r_ names.
        let mut vars: Vec<String> = has_cols.iter().map(|(_, v)| v.clone()).collect();
        let mut pairs = Vec::new();
        for (c, name) in &r_cols {
            let split = if vars.is_empty() {
                name.split_once('_')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
            } else {
                vars.iter()
                    .filter_map(|a| {
                        name.strip_prefix(a.as_str())
                            .and_then(|rest| rest.strip_prefix('_'))
                            .filter(|b| vars.iter().any(|v| v == b))
                            .map(|b| (a.clone(), b.to_string()))
                    })
                    .next()
            };
            let Some((a, b)) = split else {
                return Err(MetaError::new(format!(
                    "column `r_{name}`: cannot tell the two variables apart"
                )));
            };
            pairs.push((*c, a, b));
        }
        if has_cols.is_empty() {
            for (_, a, b) in &pairs {
                for v in [a, b] {
                    if !vars.contains(v) {
                        vars.push(v.clone());
                    }
                }
            }
        }
        let p = vars.len();
        let vidx = |v: &str| vars.iter().position(|x| x == v).unwrap_or(0);
        let used: Vec<usize> = [c_study, Some(c_n), c_label]
            .into_iter()
            .flatten()
            .chain(has_cols.iter().map(|(c, _)| *c))
            .chain(r_cols.iter().map(|(c, _)| *c))
            .collect();
        let mod_cols: Vec<usize> = (0..header.len()).filter(|c| !used.contains(c)).collect();
        let mut studies = Vec::new();
        for (k, rec) in rows.iter().enumerate().skip(1) {
            let get = |c: usize| rec.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
            let id = match c_study {
                Some(c) => get(c),
                None => k.to_string(),
            };
            let n = match parse_num(&get(c_n)) {
                Ok(Some(n)) => n,
                _ => {
                    return Err(MetaError::new(format!(
                        "study {id}: the sample size `{}` is not a number",
                        get(c_n)
                    )))
                }
            };
            let mut raw = vec![vec![None; p]; p];
            let mut present = vec![true; p];
            for (c, v) in &has_cols {
                present[vidx(v)] = matches!(get(*c).as_str(), "1" | "TRUE" | "true" | "T");
            }
            for (c, a, b) in &pairs {
                let r = parse_num(&get(*c)).map_err(|_| {
                    MetaError::new(format!(
                        "study {id}: the correlation r_{a}_{b} = `{}` is not a number",
                        get(*c)
                    ))
                })?;
                let (i, j) = (vidx(a), vidx(b));
                raw[i][j] = r;
                raw[j][i] = r;
            }
            if has_cols.is_empty() {
                // without flags, a variable is present when any of its correlations is
                for j in 0..p {
                    present[j] = (0..p).any(|i| i != j && raw[i][j].is_some());
                }
            }
            for j in 0..p {
                raw[j][j] = if present[j] { Some(1.0) } else { None };
            }
            let mut moderators = BTreeMap::new();
            for &c in &mod_cols {
                moderators.insert(header[c].clone(), mod_value(&get(c)));
            }
            studies.push(Study {
                id,
                n,
                raw,
                present,
                moderators,
            });
        }
        Ok(StudySet {
            variables: vars,
            studies,
            moderator_names: mod_cols.iter().map(|&c| header[c].clone()).collect(),
        })
    }

    /// Reads the JSON layout of `shared/realdata` (`variables`, `studies[].cor`).
    pub fn from_json(value: &Json) -> Result<StudySet, MetaError> {
        let vars: Vec<String> = value
            .get("variables")
            .and_then(|v| v.as_array())
            .ok_or_else(|| MetaError::new("the JSON studies file needs `variables`"))?
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| MetaError::new("`variables` must be names"))?;
        let p = vars.len();
        let list = value
            .get("studies")
            .and_then(|v| v.as_array())
            .ok_or_else(|| MetaError::new("the JSON studies file needs `studies`"))?;
        let mut studies = Vec::new();
        let mut mod_names: Vec<String> = Vec::new();
        for (k, s) in list.iter().enumerate() {
            let id = match s.get("study") {
                Some(Json::String(t)) => t.clone(),
                Some(Json::Number(_, t)) => t.clone(),
                _ => (k + 1).to_string(),
            };
            let n = s
                .get("n")
                .and_then(|v| v.as_f64())
                .ok_or_else(|| MetaError::new(format!("study {id}: no sample size `n`")))?;
            let cor = s
                .get("cor")
                .and_then(|v| v.as_array())
                .filter(|rows| rows.len() == p)
                .ok_or_else(|| {
                    MetaError::new(format!("study {id}: `cor` must be a {p}×{p} matrix"))
                })?;
            let mut raw = vec![vec![None; p]; p];
            for (i, row) in cor.iter().enumerate() {
                let row = row.as_array().filter(|r| r.len() == p).ok_or_else(|| {
                    MetaError::new(format!("study {id}: `cor` must be a {p}×{p} matrix"))
                })?;
                for (j, v) in row.iter().enumerate() {
                    raw[i][j] = match v {
                        Json::Null => None,
                        v => Some(v.as_f64().ok_or_else(|| {
                            MetaError::new(format!(
                                "study {id}: cor[{}][{}] is not a number",
                                i + 1,
                                j + 1
                            ))
                        })?),
                    };
                }
            }
            // symmetric completion from either triangle
            for i in 0..p {
                for j in 0..i {
                    if raw[i][j].is_none() {
                        raw[i][j] = raw[j][i];
                    }
                    raw[j][i] = raw[i][j];
                }
            }
            let present = (0..p).map(|j| raw[j][j].is_some()).collect();
            let mut moderators = BTreeMap::new();
            if let Json::Object(obj) = s {
                for (key, v) in obj {
                    if matches!(key.as_str(), "study" | "n" | "cor" | "label") {
                        continue;
                    }
                    if !mod_names.contains(key) {
                        mod_names.push(key.clone());
                    }
                    let mv = match v {
                        Json::Null => None,
                        Json::Number(x, t) => Some(ModValue {
                            text: t.clone(),
                            number: Some(*x),
                        }),
                        Json::String(t) => mod_value(t),
                        Json::Bool(b) => Some(ModValue {
                            text: b.to_string(),
                            number: Some(if *b { 1.0 } else { 0.0 }),
                        }),
                        _ => continue,
                    };
                    moderators.insert(key.clone(), mv);
                }
            }
            studies.push(Study {
                id,
                n,
                raw,
                present,
                moderators,
            });
        }
        for s in &mut studies {
            for m in &mod_names {
                s.moderators.entry(m.clone()).or_insert(None);
            }
        }
        Ok(StudySet {
            variables: vars,
            studies,
            moderator_names: mod_names,
        })
    }

    /// Detects the layout from the text: JSON (starts with `{`), long CSV (has var1/var2
    /// columns) or wide CSV.
    pub fn from_text(text: &str, variables: Option<&[String]>) -> Result<StudySet, MetaError> {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        let set = if t.starts_with('{') {
            let v = super::json::parse(t)
                .map_err(|e| MetaError::new(format!("the studies file is not valid JSON: {e}")))?;
            StudySet::from_json(&v)?
        } else {
            let header = parse_csv(t.lines().next().unwrap_or(""));
            let header = header.first().cloned().unwrap_or_default();
            if find_col(&header, "var1").is_some() && find_col(&header, "var2").is_some() {
                StudySet::from_long_csv(t, variables)?
            } else {
                StudySet::from_wide_csv(t)?
            }
        };
        match variables {
            Some(v) if v != set.variables.as_slice() => set.reorder(v),
            _ => Ok(set),
        }
    }

    /// The same studies over the given variables (a subset, in the given order).
    pub fn reorder(&self, variables: &[String]) -> Result<StudySet, MetaError> {
        let idx: Vec<usize> = variables
            .iter()
            .map(|v| {
                self.variables.iter().position(|x| x == v).ok_or_else(|| {
                    MetaError::new(format!("the variable `{v}` is not in the studies file"))
                })
            })
            .collect::<Result<_, _>>()?;
        let studies = self
            .studies
            .iter()
            .map(|s| Study {
                id: s.id.clone(),
                n: s.n,
                raw: idx
                    .iter()
                    .map(|&i| idx.iter().map(|&j| s.raw[i][j]).collect())
                    .collect(),
                present: idx.iter().map(|&i| s.present[i]).collect(),
                moderators: s.moderators.clone(),
            })
            .collect();
        Ok(StudySet {
            variables: variables.to_vec(),
            studies,
            moderator_names: self.moderator_names.clone(),
        })
    }

    pub fn p(&self) -> usize {
        self.variables.len()
    }

    /// Labels of the correlations in vechs order (`first_second` in variable order).
    pub fn pair_labels(&self) -> Vec<String> {
        vechs_pairs(self.p())
            .iter()
            .map(|&(i, j)| format!("{}_{}", self.variables[j], self.variables[i]))
            .collect()
    }

    /// The correlations of study `s` as metaSEM uses them (vechs order; `None` = missing or
    /// dropped by the missing-diagonal rule).
    pub fn effect_sizes(&self, s: usize) -> Vec<Option<f64>> {
        let st = &self.studies[s];
        vechs_pairs(self.p())
            .iter()
            .map(|&(i, j)| {
                if st.present[i] && st.present[j] {
                    st.raw[i][j]
                } else {
                    None
                }
            })
            .collect()
    }

    /// Per correlation: number of studies that report it (usable) and the total N of those.
    pub fn counts(&self) -> Vec<(usize, f64)> {
        let q = n_pairs(self.p());
        let mut out = vec![(0usize, 0.0f64); q];
        for s in 0..self.studies.len() {
            for (k, e) in self.effect_sizes(s).iter().enumerate() {
                if e.is_some() {
                    out[k].0 += 1;
                    out[k].1 += self.studies[s].n;
                }
            }
        }
        out
    }

    /// Off-diagonal values reported but dropped because a diagonal is missing.
    pub fn dropped_values(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for st in &self.studies {
            for &(i, j) in &vechs_pairs(self.p()) {
                if st.raw[i][j].is_some() && !(st.present[i] && st.present[j]) {
                    out.push((
                        st.id.clone(),
                        self.variables[j].clone(),
                        self.variables[i].clone(),
                    ));
                }
            }
        }
        out
    }

    /// metaSEM's weighted mean matrix: elementwise sum n_i r_i / sum n_i over the studies
    /// whose raw matrix has the entry (dropped off-diagonal values included). Unit diagonal.
    pub fn rbar_weighted(&self) -> Vec<Vec<f64>> {
        let p = self.p();
        let mut m = vec![vec![0.0; p]; p];
        for i in 0..p {
            m[i][i] = 1.0;
            for j in 0..i {
                let (mut num, mut den) = (0.0, 0.0);
                for st in &self.studies {
                    if let Some(r) = st.raw[i][j] {
                        num += st.n * r;
                        den += st.n;
                    }
                }
                let v = if den > 0.0 { num / den } else { 0.0 };
                m[i][j] = v;
                m[j][i] = v;
            }
        }
        m
    }

    pub fn total_n(&self) -> f64 {
        self.studies.iter().map(|s| s.n).sum()
    }

    /// Checks what a meta-analysis needs; the error names the study.
    pub fn validate(&self) -> Result<(), MetaError> {
        let p = self.p();
        if p < 2 {
            return Err(MetaError::new("the studies have fewer than two variables"));
        }
        if self.studies.is_empty() {
            return Err(MetaError::new("there are no studies"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for st in &self.studies {
            let id = &st.id;
            if !seen.insert(id.clone()) {
                return Err(MetaError::new(format!("study {id} appears twice")));
            }
            if !st.n.is_finite() || st.n <= 3.0 {
                return Err(MetaError::new(format!(
                    "study {id}: n = {} (a study needs n > 3)",
                    st.n
                )));
            }
            for i in 0..p {
                for j in 0..p {
                    if let Some(r) = st.raw[i][j] {
                        if !r.is_finite() || r.abs() > 1.0 {
                            return Err(MetaError::new(format!(
                                "study {id}: the correlation {}–{} = {r} is outside [-1, 1]",
                                self.variables[i.min(j)],
                                self.variables[i.max(j)]
                            )));
                        }
                    }
                }
            }
            let pres: Vec<usize> = (0..p).filter(|&j| st.present[j]).collect();
            if pres.len() < 2 {
                let which = pres
                    .first()
                    .map(|&j| format!("only {} is present", self.variables[j]))
                    .unwrap_or_else(|| "no variable is present".to_string());
                return Err(MetaError::new(format!(
                    "study {id}: {which}; a study needs at least two variables (a variable is absent when its diagonal is missing)"
                )));
            }
            // positive definiteness of the complete part among present variables
            let complete: Vec<usize> = pres
                .iter()
                .copied()
                .filter(|&a| pres.iter().all(|&b| st.raw[a][b].is_some()))
                .collect();
            if complete.len() >= 2 {
                let m = super::mat::Mat::from_rows(
                    &complete
                        .iter()
                        .map(|&a| {
                            complete
                                .iter()
                                .map(|&b| st.raw[a][b].unwrap_or(0.0))
                                .collect()
                        })
                        .collect::<Vec<_>>(),
                );
                if super::mat::cholesky(&m).is_none() {
                    return Err(MetaError::new(format!(
                        "study {id}: the correlation matrix of {} is not positive definite",
                        complete
                            .iter()
                            .map(|&j| self.variables[j].as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
        Ok(())
    }

    /// Studies whose moderator `name` is missing or not numeric: an error naming the first.
    pub fn numeric_moderator(&self, name: &str) -> Result<Vec<f64>, MetaError> {
        if !self.moderator_names.iter().any(|m| m == name) {
            return Err(MetaError::new(format!(
                "the moderator `{name}` is not a column of the studies file (columns: {})",
                self.moderator_names.join(", ")
            )));
        }
        self.studies
            .iter()
            .map(|s| match s.moderators.get(name).cloned().flatten() {
                Some(ModValue {
                    number: Some(x), ..
                }) if x.is_finite() => Ok(x),
                Some(v) => Err(MetaError::new(format!(
                    "study {}: the moderator `{name}` = `{}` is not a number",
                    s.id, v.text
                ))),
                None => Err(MetaError::new(format!(
                    "study {}: the moderator `{name}` is missing",
                    s.id
                ))),
            })
            .collect()
    }

    /// The studies for which `keep` is true (in order).
    pub fn subset(&self, keep: &[bool]) -> StudySet {
        StudySet {
            variables: self.variables.clone(),
            studies: self
                .studies
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(s, _)| s.clone())
                .collect(),
            moderator_names: self.moderator_names.clone(),
        }
    }
}
