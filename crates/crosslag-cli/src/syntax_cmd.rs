//! `crosslag syntax`: lavaan (or Mplus) syntax of a panel model family from a short
//! declaration, printed to stdout.
//!
//! ```text
//! crosslag syntax --family riclpm --x close --y lang --waves 4
//! crosslag syntax --family riclpm --construct close --construct confl --construct lang=ppvt --waves 4 --constrain lagged,residuals
//! crosslag syntax --family mi-riclpm --x close --y lang --items i1,i2,i3 --waves 4 --invariance strong
//! crosslag syntax --declaration model.json --mplus
//! ```
//!
//! The declaration is that of `crosslag_sem::families::panel` (a JSON file with `--declaration`); the
//! first comment lines say how to fit the model (lavaan call and `crosslag fit` flags).

use clap::{Args, ValueEnum};
use crosslag_sem::families::panel::{
    self, Constraint, Construct, Family, GroupLagged, Indicator, Invariance, MultiGroup,
    PanelDeclaration, PanelModel, Waves,
};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// Cross-lagged panel model (observed scores).
    Clpm,
    /// Random-intercept CLPM (Hamaker et al. 2015).
    Riclpm,
    /// Multiple-indicator RI-CLPM (Mulder & Hamaker 2021).
    MiRiclpm,
    /// STARTS: univariate with one construct, RI-CLPM + measurement error with several.
    Starts,
    /// Latent curve model with structured residuals (Curran et al. 2014).
    LcmSr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InvarianceArg {
    Configural,
    Weak,
    Strong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupMethod {
    /// lavaan's group.equal = "regressions".
    GroupEqual,
    /// Shared labels c(a, a) on the lagged effects.
    Labels,
}

#[derive(Args, Debug)]
pub struct SyntaxArgs {
    /// Read the whole declaration from a JSON file (the other model flags are then not allowed).
    #[arg(long, conflicts_with_all = ["family", "x", "y", "construct", "waves", "wave_labels"])]
    pub declaration: Option<PathBuf>,
    /// Model family.
    #[arg(long, value_enum)]
    pub family: Option<FamilyArg>,
    /// First construct (name, also the column stem).
    #[arg(long)]
    pub x: Option<String>,
    /// Second construct.
    #[arg(long)]
    pub y: Option<String>,
    /// Further constructs, `name` or `name=stem` (repeatable; after --x and --y).
    #[arg(long)]
    pub construct: Vec<String>,
    /// Explicit columns of a construct, `name=col1,col2,…` (one per wave; repeatable).
    #[arg(long)]
    pub columns: Vec<String>,
    /// Number of waves (labelled 1..T).
    #[arg(long, conflicts_with = "wave_labels")]
    pub waves: Option<usize>,
    /// Wave labels instead of 1..T, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub wave_labels: Vec<String>,
    /// Column naming: {stem} and {wave} are replaced.
    #[arg(long, default_value = panel::DEFAULT_COLUMN_PATTERN)]
    pub wave_pattern: String,
    /// Indicator column naming (MI-RICLPM): {stem}, {wave} and {item} are replaced.
    #[arg(long, default_value = panel::DEFAULT_ITEM_PATTERN)]
    pub item_pattern: String,
    /// Indicator names of every construct (MI-RICLPM), comma separated.
    #[arg(long, value_delimiter = ',')]
    pub items: Vec<String>,
    /// Measurement invariance over waves (MI-RICLPM).
    #[arg(long, value_enum, default_value_t = InvarianceArg::Strong)]
    pub invariance: InvarianceArg,
    /// Parameters equal over time, comma separated: lagged, residuals, residual-variances,
    /// residual-covariances, means, measurement-error.
    #[arg(long, value_delimiter = ',')]
    pub constrain: Vec<String>,
    /// Lag-2 effects.
    #[arg(long)]
    pub lag2: bool,
    /// Time-invariant predictor of the random intercepts (repeatable).
    #[arg(long)]
    pub predictor: Vec<String>,
    /// Time-invariant predictor of the observed scores, effects equal over time (repeatable).
    #[arg(long)]
    pub observed_predictor: Vec<String>,
    /// Time-invariant outcome of the random intercepts (repeatable).
    #[arg(long)]
    pub outcome: Vec<String>,
    /// Grouping column (multi-group model).
    #[arg(long)]
    pub group: Option<String>,
    /// Group labels in the data's order of first appearance, comma separated (needed for
    /// per-group labels and the Mplus text).
    #[arg(long, value_delimiter = ',', requires = "group")]
    pub groups: Vec<String>,
    /// Lagged effects equal across groups.
    #[arg(long, requires = "group")]
    pub group_equal_lagged: bool,
    /// How --group-equal-lagged is imposed.
    #[arg(long, value_enum, default_value_t = GroupMethod::GroupEqual)]
    pub group_equal_method: GroupMethod,
    /// Time scores of the slope (LCM-SR), comma separated.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub time_scores: Vec<f64>,
    /// Print the model as an Mplus MODEL section instead of lavaan syntax.
    #[arg(long, conflicts_with = "json")]
    pub mplus: bool,
    /// Print the declaration and the generated model (syntax, Mplus, fit options, counts) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Builds the declaration from the flags.
pub fn declaration(args: &SyntaxArgs) -> Result<PanelDeclaration, String> {
    if let Some(path) = &args.declaration {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the declaration: {e}", path.display()))?;
        return serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    let family = match args
        .family
        .ok_or("--family is required (or --declaration FILE)")?
    {
        FamilyArg::Clpm => Family::Clpm,
        FamilyArg::Riclpm => Family::Riclpm,
        FamilyArg::MiRiclpm => Family::MiRiclpm,
        FamilyArg::Starts => Family::Starts,
        FamilyArg::LcmSr => Family::LcmSr,
    };
    let mut constructs = Vec::new();
    for n in [&args.x, &args.y].into_iter().flatten() {
        constructs.push(Construct::new(n));
    }
    for c in &args.construct {
        constructs.push(match c.split_once('=') {
            Some((n, s)) => Construct::with_stem(n.trim(), s.trim()),
            None => Construct::new(c.trim()),
        });
    }
    if constructs.is_empty() {
        return Err("declare constructs with --x/--y or --construct".into());
    }
    for spec in &args.columns {
        let (n, cols) = spec
            .split_once('=')
            .ok_or_else(|| format!("--columns '{spec}': use name=col1,col2,…"))?;
        let c = constructs
            .iter_mut()
            .find(|c| c.name == n.trim())
            .ok_or_else(|| format!("--columns: no construct '{}'", n.trim()))?;
        c.columns = Some(cols.split(',').map(|s| s.trim().to_string()).collect());
    }
    if !args.items.is_empty() {
        for c in &mut constructs {
            c.indicators = args
                .items
                .iter()
                .map(|i| Indicator {
                    name: i.trim().to_string(),
                    columns: None,
                })
                .collect();
        }
    }
    let waves = if !args.wave_labels.is_empty() {
        Waves::Labels(
            args.wave_labels
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
        )
    } else {
        Waves::Count(
            args.waves
                .ok_or("--waves N (or --wave-labels) is required")?,
        )
    };
    let mut constrain = Vec::new();
    for c in &args.constrain {
        if c.trim().is_empty() {
            continue;
        }
        constrain.push(Constraint::parse(c).ok_or_else(|| {
            format!("--constrain: unknown '{c}'; use lagged, residuals, residual-variances, residual-covariances, means, measurement-error")
        })?);
    }
    let groups = args.group.as_ref().map(|g| MultiGroup {
        variable: g.clone(),
        labels: args.groups.iter().map(|s| s.trim().to_string()).collect(),
        lagged: match (args.group_equal_lagged, args.group_equal_method) {
            (false, _) => GroupLagged::Free,
            (true, GroupMethod::GroupEqual) => GroupLagged::GroupEqual,
            (true, GroupMethod::Labels) => GroupLagged::Labels,
        },
    });
    let mut decl = PanelDeclaration::new(family, constructs, 0);
    decl.waves = waves;
    decl.column_pattern = args.wave_pattern.clone();
    decl.item_pattern = args.item_pattern.clone();
    decl.options.constrain = constrain;
    decl.options.lag2 = args.lag2;
    decl.options.ri_predictors = args.predictor.clone();
    decl.options.observed_predictors = args.observed_predictor.clone();
    decl.options.outcomes = args.outcome.clone();
    decl.options.groups = groups;
    decl.options.invariance = match args.invariance {
        InvarianceArg::Configural => Invariance::Configural,
        InvarianceArg::Weak => Invariance::Weak,
        InvarianceArg::Strong => Invariance::Strong,
    };
    if !args.time_scores.is_empty() {
        decl.options.time_scores = Some(args.time_scores.clone());
    }
    Ok(decl)
}

/// The `crosslag fit` flags a generated model needs.
pub fn fit_flags(model: &PanelModel) -> String {
    let fo = &model.fit_options.model;
    let mut flags = vec![format!("--function {}", fo.entry)];
    if fo.meanstructure == Some(true) {
        flags.push("--meanstructure".into());
    }
    if fo.int_ov_free == Some(true) {
        flags.push("--int-ov-free".into());
    }
    if let Some(g) = &model.group {
        flags.push(format!("--group {g}"));
    }
    if !fo.group_equal.is_empty() {
        flags.push("--group-equal regressions".into());
    }
    flags.join(" ")
}

pub fn run(args: &SyntaxArgs) -> Result<(), String> {
    let decl = declaration(args)?;
    let model = panel::generate(&decl).map_err(|e| e.to_string())?;
    let text = if args.json {
        let v = serde_json::json!({ "declaration": decl, "model": model });
        let text = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
        format!("{text}\n")
    } else if args.mplus {
        model.mplus
    } else {
        format!(
            "# crosslag fit --model MODEL --data DATA {}\n{}",
            fit_flags(&model),
            model.syntax
        )
    };
    crate::describe::print_quietly(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: SyntaxArgs,
    }

    fn decl(argv: &[&str]) -> Result<PanelDeclaration, String> {
        let w = Wrap::try_parse_from(std::iter::once("syntax").chain(argv.iter().copied()))
            .map_err(|e| e.to_string())?;
        declaration(&w.args)
    }

    #[test]
    fn flags_build_the_declaration() {
        let d = decl(&[
            "--family",
            "riclpm",
            "--x",
            "close",
            "--y",
            "lang",
            "--construct",
            "confl=conflict",
            "--waves",
            "4",
            "--constrain",
            "lagged,residual-covariances",
            "--lag2",
            "--predictor",
            "gender",
            "--group",
            "ses_low",
            "--groups",
            "0,1",
            "--group-equal-lagged",
            "--group-equal-method",
            "labels",
        ])
        .unwrap();
        assert_eq!(d.family, Family::Riclpm);
        let names: Vec<&str> = d.constructs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["close", "lang", "confl"]);
        assert_eq!(d.constructs[2].stem.as_deref(), Some("conflict"));
        assert_eq!(
            d.options.constrain,
            [Constraint::Lagged, Constraint::ResidualCovariances]
        );
        assert!(d.options.lag2);
        assert_eq!(d.options.ri_predictors, ["gender"]);
        let g = d.options.groups.as_ref().unwrap();
        assert_eq!(
            (g.variable.as_str(), g.labels.len(), g.lagged),
            ("ses_low", 2, GroupLagged::Labels)
        );
        let m = panel::generate(&d).unwrap();
        assert!(m
            .syntax
            .contains("w_confl_3 ~ c(cl_close_to_confl, cl_close_to_confl)*w_close_2"));
        assert_eq!(
            fit_flags(&m),
            "--function lavaan --meanstructure --int-ov-free --group ses_low"
        );
    }

    #[test]
    fn flags_for_items_columns_and_waves() {
        let d = decl(&[
            "--family",
            "mi-riclpm",
            "--x",
            "close",
            "--y",
            "lang",
            "--waves",
            "3",
            "--items",
            "a,b",
        ])
        .unwrap();
        assert_eq!(d.constructs[1].indicators.len(), 2);
        let m = panel::generate(&d).unwrap();
        assert!(m
            .syntax
            .contains("RI_lang_b =~ 1*lang_1_b + 1*lang_2_b + 1*lang_3_b"));
        assert_eq!(fit_flags(&m), "--function cfa --meanstructure");
        let d = decl(&[
            "--family",
            "clpm",
            "--x",
            "x",
            "--y",
            "y",
            "--wave-labels",
            "t0,t1,t2",
            "--wave-pattern",
            "{stem}{wave}",
            "--columns",
            "y=a,b,c",
        ])
        .unwrap();
        let m = panel::generate(&d).unwrap();
        assert!(m.syntax.contains("xt1 ~ xt0 + a\n"));
        assert_eq!(fit_flags(&m), "--function sem --meanstructure");
    }

    #[test]
    fn bad_flags_are_errors() {
        assert!(decl(&["--x", "a", "--waves", "4"])
            .unwrap_err()
            .contains("--family"));
        assert!(decl(&["--family", "riclpm", "--waves", "4"])
            .unwrap_err()
            .contains("constructs"));
        assert!(decl(&[
            "--family",
            "riclpm",
            "--x",
            "a",
            "--waves",
            "4",
            "--constrain",
            "foo"
        ])
        .unwrap_err()
        .contains("unknown 'foo'"));
        assert!(decl(&["--family", "riclpm", "--x", "a", "--columns", "b=1,2"]).is_err());
        assert!(decl(&["--family", "riclpm", "--x", "a"])
            .unwrap_err()
            .contains("--waves"));
    }
}
