//! The parameter table: lavaan model syntax plus an entry point's defaults → one row per
//! model parameter per group, as lavaan's `lavaanify()`/`parTable()` builds it.
//!
//! Rules follow lavaan 0.6 (`lav_partable_flat`, `lav_partable_vnames`): observed variables
//! are ordered indicators → dependent → independent → others; `sem()`/`cfa()` add residual
//! variances (`auto.var`), fix the first loading (`auto.fix.first`), fix the residual variance
//! of a single indicator (`auto.fix.single`), free covariances of exogenous latents
//! (`auto.cov.lv.x`) and of terminal endogenous variables (`auto.cov.y`); `fixed.x` fixes the
//! moments of exogenous observed covariates at their sample values (`exo = 1`).

use crate::syntax::{ConstraintOp, Expr, ModelSyntax, RelOp, Statement, Term};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

/// Operator of a parameter-table row, spelled as lavaan spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Op {
    #[serde(rename = "=~")]
    Loading,
    #[serde(rename = "~")]
    Regression,
    #[serde(rename = "~~")]
    Covariance,
    #[serde(rename = "~1")]
    Intercept,
    #[serde(rename = ":=")]
    Defined,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Loading => "=~",
            Op::Regression => "~",
            Op::Covariance => "~~",
            Op::Intercept => "~1",
            Op::Defined => ":=",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// lavaan's entry points, which differ only in the defaults they switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryPoint {
    Sem,
    Cfa,
    Lavaan,
}

/// Parameter kinds that `group.equal` can hold equal across groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum GroupEqual {
    Loadings,
    Intercepts,
    Regressions,
    Residuals,
    ResidualCovariances,
    LvVariances,
    LvCovariances,
    Means,
}

impl GroupEqual {
    /// Parse lavaan's spelling (`loadings`, `residual.covariances`, …).
    pub fn parse(s: &str) -> Option<GroupEqual> {
        Some(match s.trim() {
            "loadings" => GroupEqual::Loadings,
            "intercepts" => GroupEqual::Intercepts,
            "regressions" => GroupEqual::Regressions,
            "residuals" => GroupEqual::Residuals,
            "residual.covariances" => GroupEqual::ResidualCovariances,
            "lv.variances" => GroupEqual::LvVariances,
            "lv.covariances" => GroupEqual::LvCovariances,
            "means" => GroupEqual::Means,
            _ => return None,
        })
    }
}

/// Options that shape the parameter table (lavaan's names in the comments).
#[derive(Debug, Clone, Serialize)]
pub struct TableOptions {
    pub entry: EntryPoint,
    /// `meanstructure`
    pub meanstructure: bool,
    /// `int.ov.free`; `None` = the entry point's default.
    pub int_ov_free: Option<bool>,
    /// `int.lv.free`
    pub int_lv_free: bool,
    /// `fixed.x`
    pub fixed_x: bool,
    /// `std.lv`
    pub std_lv: bool,
    /// `orthogonal`
    pub orthogonal: bool,
    pub ngroups: usize,
    /// `group.equal`
    pub group_equal: Vec<GroupEqual>,
    /// `group.partial`: parameters (`"f =~ x2"`, `"y ~1"`) exempt from `group.equal`.
    pub group_partial: Vec<String>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            entry: EntryPoint::Sem,
            meanstructure: false,
            int_ov_free: None,
            int_lv_free: false,
            fixed_x: true,
            std_lv: false,
            orthogonal: false,
            ngroups: 1,
            group_equal: Vec::new(),
            group_partial: Vec::new(),
        }
    }
}

/// One row of the parameter table.
#[derive(Debug, Clone, Serialize)]
pub struct ParRow {
    pub lhs: String,
    pub op: Op,
    pub rhs: String,
    /// Written by the user (true) or added by the entry point's defaults.
    pub user: bool,
    /// 0-based group (block).
    pub group: usize,
    /// 0 = fixed; k > 0: the k-th free parameter (1-based, every copy counts, as lavaan 0.6.14).
    pub free: usize,
    /// User-given fixed value or starting value.
    pub ustart: Option<f64>,
    /// Fixed at a sample moment of an exogenous covariate (`fixed.x`).
    pub exo: bool,
    /// User label (`a*x`), or the internal label of a `group.equal` constraint.
    pub label: String,
    /// Whether `label` was written by the user (shown in output) or is internal.
    pub user_label: bool,
}

impl ParRow {
    fn new(lhs: &str, op: Op, rhs: &str, group: usize, user: bool) -> ParRow {
        ParRow {
            lhs: lhs.to_string(),
            op,
            rhs: rhs.to_string(),
            user,
            group,
            free: 0,
            ustart: None,
            exo: false,
            label: String::new(),
            user_label: false,
        }
    }

    /// `lhs op rhs`, as lavaan prints a parameter.
    pub fn name(&self) -> String {
        match self.op {
            Op::Intercept => format!("{}~1", self.lhs),
            _ => format!("{}{}{}", self.lhs, self.op, self.rhs),
        }
    }
}

/// A general constraint between expressions of labels (`a == 2*b`, `v == w/(1-r^2)`, `a > 0`).
#[derive(Debug, Clone)]
pub struct Constraint {
    pub lhs: Expr,
    pub op: ConstraintOp,
    pub rhs: Expr,
    pub line: usize,
}

/// A `:=` defined parameter.
#[derive(Debug, Clone)]
pub struct Definition {
    pub name: String,
    pub expr: Expr,
    pub line: usize,
}

/// The parameter table of a model and the variables it names.
#[derive(Debug, Clone)]
pub struct ParTable {
    pub rows: Vec<ParRow>,
    pub ngroups: usize,
    /// Observed variables in lavaan's order.
    pub ov_names: Vec<String>,
    /// Latent variables in order of definition.
    pub lv_names: Vec<String>,
    /// Exogenous observed covariates whose moments are fixed (`fixed.x`).
    pub ov_x: Vec<String>,
    pub meanstructure: bool,
    pub constraints: Vec<Constraint>,
    pub definitions: Vec<Definition>,
    /// Number of free rows (every equality copy counted).
    pub nfree: usize,
}

/// Why a model could not be turned into a parameter table.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum TableError {
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    #[error("the model has no parameters")]
    Empty,
}

fn invalid(line: usize, message: impl Into<String>) -> TableError {
    TableError::Invalid {
        line,
        message: message.into(),
    }
}

/// A user row before it is copied into groups: the term's modifiers stay per group.
struct UserRow<'a> {
    lhs: String,
    op: Op,
    rhs: String,
    term: &'a Term,
    line: usize,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Build the parameter table (one block per group).
pub fn build(model: &ModelSyntax, opts: &TableOptions) -> Result<ParTable, TableError> {
    let mut user_rows: Vec<UserRow> = Vec::new();
    let mut constraints = Vec::new();
    let mut definitions = Vec::new();
    let mut has_intercepts = false;
    for st in &model.statements {
        match st {
            Statement::Relation { lhs, op, rhs, pos } => {
                for l in lhs {
                    for t in rhs {
                        let (op, r) = match op {
                            RelOp::Loading => (Op::Loading, t.var.clone()),
                            RelOp::Covariance => (Op::Covariance, t.var.clone()),
                            RelOp::Regression if t.var == "1" => {
                                has_intercepts = true;
                                (Op::Intercept, String::new())
                            }
                            RelOp::Regression => (Op::Regression, t.var.clone()),
                        };
                        if op == Op::Loading && t.var == "1" {
                            return Err(invalid(pos.line, format!("'{l} =~ 1' is not a loading")));
                        }
                        let dup = user_rows.iter().any(|u| {
                            u.op == op
                                && ((u.lhs == *l && u.rhs == r)
                                    || (op == Op::Covariance && u.lhs == r && u.rhs == *l))
                        });
                        if dup {
                            return Err(invalid(
                                pos.line,
                                format!("'{l} {} {r}' is specified twice", op.as_str()),
                            ));
                        }
                        user_rows.push(UserRow {
                            lhs: l.clone(),
                            op,
                            rhs: r,
                            term: t,
                            line: pos.line,
                        });
                    }
                }
            }
            Statement::Constraint { lhs, op, rhs, pos } => constraints.push(Constraint {
                lhs: lhs.clone(),
                op: *op,
                rhs: rhs.clone(),
                line: pos.line,
            }),
            Statement::Definition { name, expr, pos } => definitions.push(Definition {
                name: name.clone(),
                expr: expr.clone(),
                line: pos.line,
            }),
        }
    }
    if user_rows.is_empty() {
        return Err(TableError::Empty);
    }

    // ---- variable classification (lav_partable_vnames) ----
    let mut lv_names: Vec<String> = Vec::new();
    for u in &user_rows {
        if u.op == Op::Loading {
            push_unique(&mut lv_names, &u.lhs);
        }
    }
    let is_lv = |s: &str| lv_names.iter().any(|x| x == s);
    let mut ov_ind = Vec::new();
    for u in user_rows.iter().filter(|u| u.op == Op::Loading) {
        if !is_lv(&u.rhs) {
            push_unique(&mut ov_ind, &u.rhs);
        }
    }
    let mut ov_y = Vec::new();
    for u in user_rows.iter().filter(|u| u.op == Op::Regression) {
        if !is_lv(&u.lhs) && !ov_ind.contains(&u.lhs) {
            push_unique(&mut ov_y, &u.lhs);
        }
    }
    let mut ov_xs = Vec::new();
    for u in user_rows.iter().filter(|u| u.op == Op::Regression) {
        if !is_lv(&u.rhs) && !ov_ind.contains(&u.rhs) && !ov_y.contains(&u.rhs) {
            push_unique(&mut ov_xs, &u.rhs);
        }
    }
    let mut ov_names: Vec<String> = ov_ind.clone();
    ov_names.extend(ov_y.iter().cloned());
    ov_names.extend(ov_xs.iter().cloned());
    for u in &user_rows {
        if matches!(u.op, Op::Covariance | Op::Intercept) {
            if !is_lv(&u.lhs) {
                push_unique(&mut ov_names, &u.lhs);
            }
            if u.op == Op::Covariance && !is_lv(&u.rhs) {
                push_unique(&mut ov_names, &u.rhs);
            }
        }
    }
    // Latent variables that are regressed on something or predict something but have no
    // indicators are an error (lavaan would treat them as observed and fail on the data).
    for d in &definitions {
        if lv_names.contains(&d.name) || ov_names.contains(&d.name) {
            return Err(invalid(
                d.line,
                format!("defined parameter '{}' has the name of a variable", d.name),
            ));
        }
    }

    // Exogenous observed covariates (fixed.x): independent observed variables of `~`.
    let fixed_x = opts.fixed_x;
    // A predictor whose variance, covariance or mean the user writes is not a fixed.x
    // covariate (lavaan ≥ 0.6-12, `lav_partable_vnames`).
    let user_moment = |v: &String| {
        user_rows.iter().any(|u| {
            (u.op == Op::Covariance && (u.lhs == *v || u.rhs == *v))
                || (u.op == Op::Intercept && u.lhs == *v)
        })
    };
    let xs: Vec<String> = ov_xs.iter().filter(|v| !user_moment(v)).cloned().collect();
    // With fixed.x their moments are fixed at the sample values; without, they are free
    // parameters (lavaan adds the variances and covariances of the exogenous covariates in
    // either case, `lav_partable_flat` step d).
    let (ov_x, free_x): (Vec<String>, Vec<String>) = if fixed_x {
        (xs, Vec::new())
    } else {
        (Vec::new(), xs)
    };

    let auto = opts.entry != EntryPoint::Lavaan;
    let int_ov_free = opts.int_ov_free.unwrap_or(auto);
    let meanstructure = opts.meanstructure
        || has_intercepts
        || opts
            .group_equal
            .iter()
            .any(|g| matches!(g, GroupEqual::Intercepts | GroupEqual::Means));

    // endogenous = appears as lhs of ~ or as indicator
    let lv_y: Vec<&String> = lv_names
        .iter()
        .filter(|v| {
            user_rows
                .iter()
                .any(|u| u.op == Op::Regression && &u.lhs == *v)
        })
        .collect();
    let lv_x: Vec<String> = lv_names
        .iter()
        .filter(|v| !lv_y.contains(v))
        .cloned()
        .collect();

    // ---- rows of one group (block 0); the user rows keep their term for per-group modifiers ----
    let mut template: Vec<(ParRow, Option<usize>)> = Vec::new(); // (row, index into user_rows)
    for (k, u) in user_rows.iter().enumerate() {
        template.push((ParRow::new(&u.lhs, u.op, &u.rhs, 0, true), Some(k)));
    }
    let has_row = |t: &Vec<(ParRow, Option<usize>)>, l: &str, op: Op, r: &str| {
        t.iter().any(|(row, _)| {
            row.op == op
                && ((row.lhs == l && row.rhs == r)
                    || (op == Op::Covariance && row.lhs == r && row.rhs == l))
        })
    };
    if auto {
        // residual variances: observed (not fixed.x covariates), then latent
        for v in ov_names.iter().filter(|v| !ov_x.contains(v)) {
            if !has_row(&template, v, Op::Covariance, v) {
                template.push((ParRow::new(v, Op::Covariance, v, 0, false), None));
            }
        }
        for v in &lv_names {
            if !has_row(&template, v, Op::Covariance, v) {
                template.push((ParRow::new(v, Op::Covariance, v, 0, false), None));
            }
        }
        // covariances among exogenous latent variables (auto.cov.lv.x)
        if !opts.orthogonal {
            for i in 0..lv_x.len() {
                for j in (i + 1)..lv_x.len() {
                    if !has_row(&template, &lv_x[i], Op::Covariance, &lv_x[j]) {
                        template.push((
                            ParRow::new(&lv_x[i], Op::Covariance, &lv_x[j], 0, false),
                            None,
                        ));
                    }
                }
            }
        }
        // covariances among terminal endogenous variables (auto.cov.y)
        let predictors: BTreeSet<&str> = user_rows
            .iter()
            .filter(|u| u.op == Op::Regression)
            .map(|u| u.rhs.as_str())
            .collect();
        let mut ys: Vec<String> = Vec::new();
        for u in user_rows.iter().filter(|u| u.op == Op::Regression) {
            let indicator = user_rows
                .iter()
                .any(|w| w.op == Op::Loading && w.rhs == u.lhs);
            if !predictors.contains(u.lhs.as_str()) && !indicator {
                push_unique(&mut ys, &u.lhs);
            }
        }
        // lavaan correlates observed with observed and latent with latent terminal y's.
        for i in 0..ys.len() {
            for j in (i + 1)..ys.len() {
                if is_lv(&ys[i]) != is_lv(&ys[j]) {
                    continue;
                }
                if !has_row(&template, &ys[i], Op::Covariance, &ys[j]) {
                    template.push((ParRow::new(&ys[i], Op::Covariance, &ys[j], 0, false), None));
                }
            }
        }
    }
    // variances and covariances of exogenous covariates that are not fixed.x: free
    for i in 0..free_x.len() {
        for j in i..free_x.len() {
            if !has_row(&template, &free_x[i], Op::Covariance, &free_x[j]) {
                template.push((
                    ParRow::new(&free_x[i], Op::Covariance, &free_x[j], 0, false),
                    None,
                ));
            }
        }
    }
    // moments of fixed.x covariates
    for i in 0..ov_x.len() {
        for j in i..ov_x.len() {
            if !has_row(&template, &ov_x[i], Op::Covariance, &ov_x[j]) {
                let mut r = ParRow::new(&ov_x[i], Op::Covariance, &ov_x[j], 0, false);
                r.exo = true;
                template.push((r, None));
            }
        }
    }
    if meanstructure {
        for v in &ov_names {
            if !has_row(&template, v, Op::Intercept, "") {
                let mut r = ParRow::new(v, Op::Intercept, "", 0, false);
                r.exo = ov_x.contains(v);
                template.push((r, None));
            }
        }
        for v in &lv_names {
            if !has_row(&template, v, Op::Intercept, "") {
                template.push((ParRow::new(v, Op::Intercept, "", 0, false), None));
            }
        }
    }

    // first indicator of every latent variable (auto.fix.first)
    let mut first_indicator: HashMap<&str, usize> = HashMap::new();
    for (k, u) in user_rows.iter().enumerate() {
        if u.op == Op::Loading {
            first_indicator.entry(u.lhs.as_str()).or_insert(k);
        }
    }
    // single-indicator latent variables (auto.fix.single)
    let single: Vec<&str> = lv_names
        .iter()
        .filter(|v| {
            user_rows
                .iter()
                .filter(|u| u.op == Op::Loading && &u.lhs == *v)
                .count()
                == 1
        })
        .map(|s| s.as_str())
        .collect();
    let single_indicator_of = |ov: &str| {
        single.iter().any(|lv| {
            user_rows
                .iter()
                .any(|u| u.op == Op::Loading && u.lhs == *lv && u.rhs == ov)
        })
    };

    // ---- copy into groups, apply modifiers and defaults ----
    let mut rows: Vec<ParRow> = Vec::new();
    for g in 0..opts.ngroups {
        for (proto, user_index) in &template {
            let mut r = proto.clone();
            r.group = g;
            let mut is_free = true;
            // defaults
            match r.op {
                Op::Covariance if r.exo => is_free = false,
                Op::Intercept if r.exo => is_free = false,
                Op::Intercept if !r.user => {
                    is_free = if lv_names.contains(&r.lhs) {
                        opts.int_lv_free
                    } else {
                        int_ov_free
                    };
                    if !is_free {
                        r.ustart = Some(0.0);
                    }
                }
                Op::Covariance if auto && !r.user && r.lhs == r.rhs => {
                    if opts.std_lv && lv_names.contains(&r.lhs) {
                        is_free = false;
                        r.ustart = Some(1.0);
                    } else if single_indicator_of(&r.lhs) {
                        is_free = false;
                        r.ustart = Some(0.0);
                    }
                }
                _ => {}
            }
            if let Some(k) = user_index {
                let u = &user_rows[*k];
                let (fixed, label, start) = u.term.modifiers.for_group(g);
                if auto
                    && !opts.std_lv
                    && u.op == Op::Loading
                    && first_indicator[u.lhs.as_str()] == *k
                {
                    is_free = false;
                    r.ustart = Some(1.0);
                }
                if auto && u.op == Op::Covariance && u.lhs == u.rhs && opts.std_lv && is_lv(&u.lhs)
                {
                    is_free = false;
                    r.ustart = Some(1.0);
                }
                match fixed {
                    Some(Some(v)) => {
                        is_free = false;
                        r.ustart = Some(v);
                    }
                    Some(None) => {
                        is_free = true;
                        r.ustart = None;
                    }
                    None => {}
                }
                if let Some(Some(l)) = label {
                    r.label = l;
                    r.user_label = true;
                }
                if let Some(s) = start {
                    if is_free {
                        r.ustart = Some(s);
                    }
                }
                if u.term.var == "1" && u.op != Op::Intercept {
                    return Err(invalid(u.line, "misplaced intercept"));
                }
            }
            if !is_free && r.ustart.is_none() {
                r.ustart = Some(0.0);
            }
            r.free = if is_free { 1 } else { 0 };
            rows.push(r);
        }
    }

    // group.equal: tie group g > 0 copies to group 0 through internal labels
    if opts.ngroups > 1 && !opts.group_equal.is_empty() {
        apply_group_equal(&mut rows, opts, &lv_names, &ov_x);
    }

    crate::syntax::check_model(model, opts.ngroups, &|l| rows.iter().any(|r| r.label == l))
        .map_err(|e| invalid(e.line, e.message))?;
    // number the free rows
    let mut nfree = 0;
    for r in rows.iter_mut() {
        if r.free > 0 {
            nfree += 1;
            r.free = nfree;
        }
    }
    if nfree == 0 && definitions.is_empty() {
        return Err(TableError::Empty);
    }

    Ok(ParTable {
        rows,
        ngroups: opts.ngroups,
        ov_names,
        lv_names,
        ov_x,
        meanstructure,
        constraints,
        definitions,
        nfree,
    })
}

/// lavaan's `group.equal`: each free parameter of a listed kind in group g > 1 is held equal
/// to its counterpart in group 1 (lavaan writes `==` rows between `.pN.` labels). With
/// `intercepts` (or `means`) the latent means of groups 2.. are freed.
fn apply_group_equal(
    rows: &mut [ParRow],
    opts: &TableOptions,
    lv_names: &[String],
    ov_x: &[String],
) {
    let is_lv = |s: &str| lv_names.iter().any(|x| x == s);
    let kind_of = |r: &ParRow| -> Option<GroupEqual> {
        match r.op {
            Op::Loading => Some(GroupEqual::Loadings),
            Op::Regression => Some(GroupEqual::Regressions),
            Op::Intercept if is_lv(&r.lhs) => Some(GroupEqual::Means),
            Op::Intercept => Some(GroupEqual::Intercepts),
            Op::Covariance if is_lv(&r.lhs) && is_lv(&r.rhs) => Some(if r.lhs == r.rhs {
                GroupEqual::LvVariances
            } else {
                GroupEqual::LvCovariances
            }),
            Op::Covariance if r.lhs == r.rhs => Some(GroupEqual::Residuals),
            Op::Covariance => Some(GroupEqual::ResidualCovariances),
            Op::Defined => None,
        }
    };
    let partial: Vec<String> = opts
        .group_partial
        .iter()
        .map(|s| s.chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    let ints_equal = opts.group_equal.contains(&GroupEqual::Intercepts);
    let means_equal = opts.group_equal.contains(&GroupEqual::Means);
    let n = rows.len();
    for i in 0..n {
        if rows[i].group != 0 || rows[i].free == 0 || rows[i].exo {
            continue;
        }
        let kind = match kind_of(&rows[i]) {
            Some(k) => k,
            None => continue,
        };
        if !opts.group_equal.contains(&kind) || partial.contains(&rows[i].name()) {
            continue;
        }
        if rows[i].label.is_empty() {
            rows[i].label = format!(".p{}.", i + 1);
        }
        let label = rows[i].label.clone();
        for j in 0..n {
            let same = rows[j].group != 0
                && rows[j].op == rows[i].op
                && rows[j].lhs == rows[i].lhs
                && rows[j].rhs == rows[i].rhs
                && rows[j].free > 0
                && !rows[j].user_label;
            if same {
                rows[j].label = label.clone();
            }
        }
    }
    // latent means: free in groups 2.. when intercepts are equal but means are not
    if ints_equal && !means_equal {
        for r in rows.iter_mut() {
            if r.group > 0
                && r.op == Op::Intercept
                && is_lv(&r.lhs)
                && !r.user
                && !ov_x.contains(&r.lhs)
            {
                r.free = 1;
                r.ustart = None;
            }
        }
    }
}
