//! The long layout: one row per reported correlation (`study,n,var1,var2,r`, further columns
//! are study-level moderators). See [`super`] for the rules.

use super::csv::{find_col, mod_value, parse_csv, parse_num};
use super::set::{Study, StudySet};
use crate::meta::MetaError;
use std::collections::BTreeMap;

/// The columns of a long studies file.
struct LongColumns {
    study: usize,
    n: usize,
    var1: usize,
    var2: usize,
    r: usize,
    /// `used_by_metaSEM` (or `used`): 0 marks the correlations of an absent variable.
    used: Option<usize>,
    /// Every other column: a moderator.
    moderators: Vec<usize>,
}

impl LongColumns {
    fn find(header: &[String]) -> Result<LongColumns, MetaError> {
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
        let moderators: Vec<usize> = (0..header.len())
            .filter(|c| !fixed.contains(&Some(*c)))
            .collect();
        Ok(LongColumns {
            study: c_study,
            n: c_n,
            var1: c_v1,
            var2: c_v2,
            r: c_r,
            used: c_used,
            moderators,
        })
    }
}

/// One row of the long file, its cells trimmed.
struct LongRow {
    study: String,
    n: String,
    v1: String,
    v2: String,
    r: Option<f64>,
    used: bool,
    line: usize,
    mods: Vec<String>,
}

/// The data rows (after the header), with the correlation read as a number.
fn read_rows(rows: &[Vec<String>], cols: &LongColumns) -> Result<Vec<LongRow>, MetaError> {
    let mut parsed = Vec::new();
    for (k, rec) in rows.iter().enumerate().skip(1) {
        let line = k + 1;
        let get = |c: usize| rec.get(c).map(|s| s.trim().to_string()).unwrap_or_default();
        let r = parse_num(&get(cols.r)).map_err(|_| {
            MetaError::new(format!(
                "study {}: line {line}: the correlation `{}` is not a number",
                get(cols.study),
                get(cols.r)
            ))
        })?;
        let used = match cols.used {
            Some(c) => !matches!(get(c).as_str(), "0" | "FALSE" | "false" | "F"),
            None => true,
        };
        parsed.push(LongRow {
            study: get(cols.study),
            n: get(cols.n),
            v1: get(cols.var1),
            v2: get(cols.var2),
            r,
            used,
            line,
            mods: cols.moderators.iter().map(|&c| get(c)).collect(),
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
    Ok(parsed)
}

/// The order of the variables: `var1` before `var2` where the rows agree (a topological
/// order, ties by first appearance), which recovers the order in which the matrices were
/// written; contradictory rows fall back to the order of first appearance.
fn variable_order(parsed: &[LongRow]) -> Vec<String> {
    let mut first: Vec<String> = Vec::new();
    for row in parsed {
        for v in [&row.v1, &row.v2] {
            if !first.contains(v) {
                first.push(v.clone());
            }
        }
    }
    let p = first.len();
    let idx = |v: &str| first.iter().position(|x| x == v).unwrap_or(0);
    let mut before = vec![vec![false; p]; p];
    for row in parsed {
        let (a, b) = (idx(&row.v1), idx(&row.v2));
        if a != b {
            before[a][b] = true;
        }
    }
    let mut done = vec![false; p];
    let mut order = Vec::new();
    while order.len() < p {
        let next = (0..p).find(|&j| !done[j] && (0..p).all(|i| done[i] || i == j || !before[i][j]));
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

/// The sample size of a study: one number, the same on all its rows.
fn study_n(id: &str, rs: &[&LongRow]) -> Result<f64, MetaError> {
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
    Ok(n)
}

/// A study's raw matrix (`None` = missing) and which variables are present.
type StudyMatrix = (Vec<Vec<Option<f64>>>, Vec<bool>);

/// The raw matrix of one study and which variables are present: a diagonal row decides
/// (`r` = 1 present, missing absent); without one, a variable is present when one of its
/// correlations is used (`used_by_metaSEM` ≠ 0).
fn study_matrix(id: &str, rs: &[&LongRow], vars: &[String]) -> Result<StudyMatrix, MetaError> {
    let p = vars.len();
    let vidx = |v: &str| vars.iter().position(|x| x == v);
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
    Ok((raw, present))
}

/// One study from its rows; moderators must be constant within the study.
fn long_study(
    id: &str,
    rs: &[&LongRow],
    vars: &[String],
    mod_names: &[String],
) -> Result<Study, MetaError> {
    let n = study_n(id, rs)?;
    let (raw, present) = study_matrix(id, rs, vars)?;
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
    Ok(Study {
        id: id.to_string(),
        n,
        raw,
        present,
        moderators,
    })
}

impl StudySet {
    /// Reads the long layout (see the module documentation).
    pub fn from_long_csv(text: &str, variables: Option<&[String]>) -> Result<StudySet, MetaError> {
        let rows = parse_csv(text);
        let Some(header) = rows.first() else {
            return Err(MetaError::new("the studies file is empty"));
        };
        let cols = LongColumns::find(header)?;
        let parsed = read_rows(&rows, &cols)?;
        let vars: Vec<String> = match variables {
            Some(v) => v.to_vec(),
            None => variable_order(&parsed),
        };
        // Group rows by study, in order of first appearance.
        let mut ids: Vec<String> = Vec::new();
        let mut by_study: BTreeMap<String, Vec<&LongRow>> = BTreeMap::new();
        for row in &parsed {
            if !by_study.contains_key(&row.study) {
                ids.push(row.study.clone());
            }
            by_study.entry(row.study.clone()).or_default().push(row);
        }
        let mod_names: Vec<String> = cols
            .moderators
            .iter()
            .map(|&c| header[c].trim().to_string())
            .collect();
        let studies = ids
            .iter()
            .map(|id| long_study(id, &by_study[id], &vars, &mod_names))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StudySet {
            variables: vars,
            studies,
            moderator_names: mod_names,
        })
    }
}
