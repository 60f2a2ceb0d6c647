//! Resolving a declaration's layout: the wave labels and the columns of every construct
//! (and indicator), with the checks that they are valid, distinct variable names.

use super::declaration::{Construct, Family, PanelDeclaration, PanelError};

/// An invalid declaration.
pub(super) fn invalid(msg: impl Into<String>) -> PanelError {
    PanelError::Invalid(msg.into())
}

/// A construct with its columns resolved.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub name: String,
    /// Column per wave (single-indicator families).
    pub cols: Vec<String>,
    /// Indicator name and column per wave (MI-RICLPM).
    pub items: Vec<(String, Vec<String>)>,
}

/// Waves and constructs with their columns.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub waves: Vec<String>,
    pub cons: Vec<Resolved>,
}

/// lavaan names: letters, digits, `_` and `.`, not starting with a digit.
pub(super) fn is_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// A column name from a pattern: `{stem}`, `{wave}` and `{item}` replaced.
fn fill(pattern: &str, stem: &str, wave: &str, item: &str) -> String {
    pattern
        .replace("{stem}", stem)
        .replace("{wave}", wave)
        .replace("{item}", item)
}

impl Layout {
    /// The waves and the columns of every construct (given, or from the column and item
    /// patterns), checked: enough waves, valid and distinct names.
    pub(crate) fn resolve(decl: &PanelDeclaration) -> Result<Layout, PanelError> {
        let waves = decl.waves.labels();
        check_waves_and_patterns(decl, &waves)?;
        let mut cons = Vec::new();
        for c in &decl.constructs {
            if !is_name(&c.name) {
                return Err(invalid(format!(
                    "construct name '{}' must start with a letter and contain only letters, digits, '_' or '.'",
                    c.name
                )));
            }
            if cons.iter().any(|r: &Resolved| r.name == c.name) {
                return Err(invalid(format!("construct '{}' is declared twice", c.name)));
            }
            cons.push(resolve_construct(decl, c, &waves)?);
        }
        check_columns(decl, &cons)?;
        Ok(Layout { waves, cons })
    }

    /// Number of waves.
    pub(super) fn t(&self) -> usize {
        self.waves.len()
    }
}

/// At least the family's minimum number of waves with valid, distinct labels; at least one
/// construct; a column pattern with `{wave}` when it is used.
fn check_waves_and_patterns(decl: &PanelDeclaration, waves: &[String]) -> Result<(), PanelError> {
    let t = waves.len();
    let min = match decl.family {
        Family::Clpm => 2,
        _ => 3,
    };
    if t < min {
        return Err(invalid(format!(
            "the {} needs at least {min} waves (got {t})",
            decl.family.title()
        )));
    }
    for (i, w) in waves.iter().enumerate() {
        if w.is_empty()
            || !w
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        {
            return Err(invalid(format!(
                "wave label '{w}' must be letters, digits, '_' or '.'"
            )));
        }
        if waves[..i].contains(w) {
            return Err(invalid(format!("wave label '{w}' is given twice")));
        }
    }
    if decl.constructs.is_empty() {
        return Err(invalid("declare at least one construct"));
    }
    if !decl.column_pattern.contains("{wave}")
        && decl
            .constructs
            .iter()
            .any(|c| c.columns.is_none() && c.indicators.is_empty())
    {
        return Err(invalid(format!(
            "the column pattern '{}' has no {{wave}}",
            decl.column_pattern
        )));
    }
    Ok(())
}

/// The columns of one construct per wave (given or from the column pattern) and, for the
/// MI-RICLPM, of each of its indicators (given or from the item pattern).
fn resolve_construct(
    decl: &PanelDeclaration,
    c: &Construct,
    waves: &[String],
) -> Result<Resolved, PanelError> {
    let t = waves.len();
    let stem = c.stem.clone().unwrap_or_else(|| c.name.clone());
    let cols = match &c.columns {
        Some(cols) if cols.len() != t => {
            return Err(invalid(format!(
                "construct '{}': {} columns for {t} waves",
                c.name,
                cols.len()
            )))
        }
        Some(cols) => cols.clone(),
        None => waves
            .iter()
            .map(|w| fill(&decl.column_pattern, &stem, w, ""))
            .collect(),
    };
    let mut items = Vec::new();
    for ind in &c.indicators {
        if !ind
            .name
            .chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '.')
            || ind.name.is_empty()
        {
            return Err(invalid(format!(
                "indicator name '{}' must be letters, digits, '_' or '.'",
                ind.name
            )));
        }
        let icols = match &ind.columns {
            Some(v) if v.len() != t => {
                return Err(invalid(format!(
                    "indicator '{}' of '{}': {} columns for {t} waves",
                    ind.name,
                    c.name,
                    v.len()
                )))
            }
            Some(v) => v.clone(),
            None => {
                if !decl.item_pattern.contains("{wave}") || !decl.item_pattern.contains("{item}") {
                    return Err(invalid(format!(
                        "the item pattern '{}' needs {{wave}} and {{item}}",
                        decl.item_pattern
                    )));
                }
                waves
                    .iter()
                    .map(|w| fill(&decl.item_pattern, &stem, w, &ind.name))
                    .collect()
            }
        };
        items.push((ind.name.clone(), icols));
    }
    Ok(Resolved {
        name: c.name.clone(),
        cols,
        items,
    })
}

/// Every column a valid variable name, and no column used twice.
fn check_columns(decl: &PanelDeclaration, cons: &[Resolved]) -> Result<(), PanelError> {
    let mut seen: Vec<&String> = Vec::new();
    for r in cons {
        let all: Vec<&String> = if decl.family == Family::MiRiclpm {
            r.items.iter().flat_map(|(_, v)| v.iter()).collect()
        } else {
            r.cols.iter().collect()
        };
        for col in all {
            if !is_name(col) {
                return Err(invalid(format!(
                    "column '{col}' is not a valid variable name"
                )));
            }
            if seen.contains(&col) {
                return Err(invalid(format!("column '{col}' is used twice")));
            }
            seen.push(col);
        }
    }
    Ok(())
}
