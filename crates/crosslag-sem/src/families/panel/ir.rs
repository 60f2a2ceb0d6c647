//! The generated model, before it is written as lavaan or Mplus syntax.
//!
//! Every family builder produces a [`Spec`]: comments, relations (`=~`, `~`, `~~`, `~ 1`)
//! whose terms carry a [`Coef`] (free, fixed, labelled, or one label per group), and
//! non-linear constraints. [`Spec::lavaan`] writes lavaan model syntax; the Mplus writer
//! (`super::mplus`) reads the same [`Spec`], so both texts describe one model.

/// What a term's coefficient is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Coef {
    /// A free parameter (separate in every group).
    Free,
    /// Fixed at a value in every group (lavaan `v*x`, Mplus `x@v`).
    Fixed(f64),
    /// Free, with one label in every group: equal to every parameter carrying the label, in
    /// every group (lavaan `a*x`, Mplus `x (a)`).
    Label(String),
    /// Free, with one label per group (lavaan `c(a_g1, a_g2)*x`): equal to the parameters
    /// with the same label in the same group only — or across groups when the labels repeat.
    PerGroup(Vec<String>),
}

impl Coef {
    /// The label of the parameter in group `g` (0-based), if it has one.
    pub(crate) fn label_in(&self, g: usize) -> Option<&str> {
        match self {
            Coef::Label(l) => Some(l),
            Coef::PerGroup(v) => v.get(g).or_else(|| v.last()).map(String::as_str),
            _ => None,
        }
    }
}

/// Relation operators, lavaan spelling in the comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    /// `=~` (Mplus `BY`)
    Loading,
    /// `~` (Mplus `ON`)
    Regression,
    /// `~~` (Mplus `WITH`, or a variance)
    Covariance,
    /// `~ 1` (Mplus `[ ]`)
    Intercept,
}

impl Rel {
    fn lavaan(self) -> &'static str {
        match self {
            Rel::Loading => "=~",
            Rel::Regression | Rel::Intercept => "~",
            Rel::Covariance => "~~",
        }
    }
}

/// One right-hand-side term: a coefficient and a variable (`"1"` for an intercept).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    pub coef: Coef,
    pub var: String,
}

/// One line of a model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// A comment line (without the `#`); an empty string gives a blank line.
    Comment(String),
    /// `lhs1 + lhs2 op term1 + term2`: every lhs with every term.
    Relation {
        lhs: Vec<String>,
        rel: Rel,
        rhs: Vec<Term>,
    },
    /// A non-linear equality constraint between labels, in both spellings.
    Constraint { lavaan: String, mplus: String },
}

/// A generated model.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Spec {
    pub items: Vec<Item>,
}

/// Formats a fixed value as lavaan and Mplus print it (`1`, `0`, `0.5`, `-2`).
pub(crate) fn number(v: f64) -> String {
    format!("{v}")
}

impl Spec {
    pub(crate) fn comment(&mut self, text: impl Into<String>) {
        self.items.push(Item::Comment(text.into()));
    }

    pub(crate) fn relation(&mut self, lhs: Vec<String>, rel: Rel, rhs: Vec<Term>) {
        self.items.push(Item::Relation { lhs, rel, rhs });
    }

    /// `lhs op coef*var` for one lhs and one term.
    pub(crate) fn one(&mut self, lhs: &str, rel: Rel, coef: Coef, var: &str) {
        self.relation(vec![lhs.to_string()], rel, vec![term(coef, var)]);
    }

    /// A variance (or residual variance) `v ~~ coef*v`.
    pub(crate) fn variance(&mut self, v: &str, coef: Coef) {
        self.one(v, Rel::Covariance, coef, v);
    }

    /// Intercepts or means `v1 + v2 + … ~ coef*1`.
    pub(crate) fn intercepts(&mut self, vars: Vec<String>, coef: Coef) {
        if !vars.is_empty() {
            self.relation(vars, Rel::Intercept, vec![term(coef, "1")]);
        }
    }

    pub(crate) fn constraint(&mut self, lavaan: String, mplus: String) {
        self.items.push(Item::Constraint { lavaan, mplus });
    }

    /// Every variable that is the lhs of `=~` (the latent variables), in order.
    pub(crate) fn latent_variables(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for it in &self.items {
            if let Item::Relation {
                lhs,
                rel: Rel::Loading,
                ..
            } = it
            {
                for l in lhs {
                    if !out.contains(l) {
                        out.push(l.clone());
                    }
                }
            }
        }
        out
    }

    /// The model as lavaan model syntax, one statement per line.
    pub(crate) fn lavaan(&self) -> String {
        let mut out = String::new();
        let mut after_statement = false;
        for it in &self.items {
            match it {
                Item::Comment(c) if c.is_empty() => out.push('\n'),
                Item::Comment(c) => {
                    // a blank line before each section's comment
                    if after_statement {
                        out.push('\n');
                    }
                    out.push_str("# ");
                    out.push_str(c);
                    out.push('\n');
                }
                Item::Relation { lhs, rel, rhs } => {
                    out.push_str(&lhs.join(" + "));
                    out.push(' ');
                    out.push_str(rel.lavaan());
                    out.push(' ');
                    let terms: Vec<String> = rhs.iter().map(lavaan_term).collect();
                    out.push_str(&terms.join(" + "));
                    out.push('\n');
                }
                Item::Constraint { lavaan, .. } => {
                    out.push_str(lavaan);
                    out.push('\n');
                }
            }
            after_statement = !matches!(it, Item::Comment(_));
        }
        out
    }
}

pub(crate) fn term(coef: Coef, var: &str) -> Term {
    Term {
        coef,
        var: var.to_string(),
    }
}

fn lavaan_term(t: &Term) -> String {
    let pre = match &t.coef {
        Coef::Free => String::new(),
        Coef::Fixed(v) => format!("{}*", number(*v)),
        Coef::Label(l) => format!("{l}*"),
        Coef::PerGroup(v) => format!("c({})*", v.join(", ")),
    };
    format!("{pre}{}", t.var)
}
