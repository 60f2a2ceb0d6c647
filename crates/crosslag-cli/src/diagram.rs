//! The path diagram of a transact model as hand-written SVG, for papers.
//!
//! Waves run left to right, one row per construct (x above y). In the RI-CLPM each construct
//! has a row of observed scores (squares) on the outside and a row of within components
//! (circles) on the inside; the random intercepts (ellipses) sit above (x) and below (y),
//! with the covariance of the random intercepts as an arc on the left. In the CLPM there is
//! one row of squares per construct. Time-invariant covariates (`--covariate`) are squares in
//! a column on the left, with an arrow to every score they predict (their effects are equal
//! over time, so only the arrows to wave 1 carry a label).
//!
//! Every parameter row of a path (`=~`, `~` between drawn variables, `~~` between two
//! different drawn variables) is one edge; every drawn variable one node. Edges are labelled
//! with their standardized estimate (std.all; for `~~`, the (residual) correlation). Free
//! parameters significant at α are solid and black, the others dashed and grey; fixed
//! parameters (the loadings of 1; covariances of fixed.x covariates) are thin, grey and
//! unlabelled unless they are correlations. In several groups the panels are stacked.
//!
//! Structure for machines: nodes are `<g class="node" data-var=… data-group=…>`, edges
//! `<g class="edge" data-from=… data-to=… data-op=… data-group=…>`.

use crosslag_sem::analyses::transact::{Layout, ModelReport, Transact};
use crosslag_sem::families::panel::Family;
use crosslag_sem::ParameterRow;
use std::collections::HashMap;
use std::fmt::Write as _;

const COL: f64 = 175.0;
const LEFT: f64 = 160.0;
const RIGHT: f64 = 80.0;
const RECT_W: f64 = 78.0;
const RECT_H: f64 = 34.0;
const RADIUS: f64 = 25.0;
const RI_RX: f64 = 72.0;
const RI_RY: f64 = 24.0;
/// Width of the covariate column, when there are covariates.
const COV_COL: f64 = 150.0;
const FONT: &str = "DejaVu Sans, Helvetica, Arial, sans-serif";

#[derive(Clone, Copy)]
enum Shape {
    Rect,
    Circle,
    Ellipse,
}

#[derive(Clone)]
struct Node {
    name: String,
    shape: Shape,
    x: f64,
    y: f64,
    /// Text lines inside the node.
    text: Vec<String>,
}

impl Node {
    /// The point where the ray from the centre towards (tx, ty) leaves the node.
    fn boundary(&self, tx: f64, ty: f64) -> (f64, f64) {
        let (dx, dy) = (tx - self.x, ty - self.y);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let t = match self.shape {
            Shape::Circle => RADIUS,
            Shape::Rect => {
                let sx = if ux.abs() > 1e-12 {
                    (RECT_W / 2.0) / ux.abs()
                } else {
                    f64::INFINITY
                };
                let sy = if uy.abs() > 1e-12 {
                    (RECT_H / 2.0) / uy.abs()
                } else {
                    f64::INFINITY
                };
                sx.min(sy)
            }
            Shape::Ellipse => 1.0 / ((ux / RI_RX).powi(2) + (uy / RI_RY).powi(2)).sqrt(),
        };
        (self.x + ux * t, self.y + uy * t)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `.45`, `−.06`, `1.20` (two decimals, no leading zero below 1).
fn coef(v: f64) -> String {
    let s = format!("{:.2}", v.abs());
    let s = s.strip_prefix('0').map(str::to_string).unwrap_or(s);
    if v < 0.0 && s != ".00" {
        format!("−{s}")
    } else {
        s
    }
}

/// How an edge is drawn.
fn style(r: &ParameterRow, alpha: f64) -> (&'static str, &'static str, f64, bool) {
    // (stroke colour, dash array, width, labelled)
    if r.free == 0 {
        let labelled = r.op.as_str() == "~~";
        ("#8a8a8a", "", 1.0, labelled)
    } else if r.estimate.pvalue.is_some_and(|p| p < alpha) {
        ("#000000", "", 1.9, true)
    } else {
        ("#666666", "6 4", 1.3, true)
    }
}

struct Canvas {
    out: String,
    /// x of the first wave (LEFT, shifted right when a covariate column is drawn).
    left: f64,
}

impl Canvas {
    fn label(&mut self, x: f64, y: f64, text: &str) {
        let w = 7.2 * text.chars().count() as f64 + 6.0;
        let _ = writeln!(
            self.out,
            r##"    <rect x="{:.1}" y="{:.1}" width="{w:.1}" height="16" fill="#ffffff" fill-opacity="0.92"/>"##,
            x - w / 2.0,
            y - 11.5
        );
        let _ = writeln!(
            self.out,
            r##"    <text x="{x:.1}" y="{y:.1}" font-family="{FONT}" font-size="12" text-anchor="middle" fill="#000000">{}</text>"##,
            esc(text)
        );
    }

    fn node(&mut self, n: &Node, group: usize) {
        let _ = writeln!(
            self.out,
            r#"  <g class="node" data-var="{}" data-group="{group}">"#,
            esc(&n.name)
        );
        match n.shape {
            Shape::Rect => {
                let _ = writeln!(
                    self.out,
                    r##"    <rect x="{:.1}" y="{:.1}" width="{RECT_W}" height="{RECT_H}" fill="#ffffff" stroke="#000000" stroke-width="1.4"/>"##,
                    n.x - RECT_W / 2.0,
                    n.y - RECT_H / 2.0
                );
            }
            Shape::Circle => {
                let _ = writeln!(
                    self.out,
                    r##"    <circle cx="{:.1}" cy="{:.1}" r="{RADIUS}" fill="#ffffff" stroke="#000000" stroke-width="1.4"/>"##,
                    n.x, n.y
                );
            }
            Shape::Ellipse => {
                let _ = writeln!(
                    self.out,
                    r##"    <ellipse cx="{:.1}" cy="{:.1}" rx="{RI_RX}" ry="{RI_RY}" fill="#f4f4f4" stroke="#000000" stroke-width="1.4"/>"##,
                    n.x, n.y
                );
            }
        }
        let lines = n.text.len() as f64;
        for (i, t) in n.text.iter().enumerate() {
            let size = match n.shape {
                Shape::Circle => {
                    (11.0f64).min(2.0 * RADIUS * 1.6 / t.chars().count().max(1) as f64)
                }
                Shape::Rect => (13.0f64).min(RECT_W * 1.65 / t.chars().count().max(1) as f64),
                Shape::Ellipse => 13.0,
            };
            let y = n.y + (i as f64 - (lines - 1.0) / 2.0) * 12.5 + size * 0.35;
            let _ = writeln!(
                self.out,
                r##"    <text x="{:.1}" y="{y:.1}" font-family="{FONT}" font-size="{size:.1}" text-anchor="middle" fill="#000000">{}</text>"##,
                n.x,
                esc(t)
            );
        }
        self.out.push_str("  </g>\n");
    }

    #[allow(clippy::too_many_arguments)]
    fn edge(
        &mut self,
        r: &ParameterRow,
        from: &Node,
        to: &Node,
        alpha: f64,
        group: usize,
        bend: f64,
        label_at: f64,
    ) {
        let (colour, dash, width, labelled) = style(r, alpha);
        let double = r.op.as_str() == "~~";
        let _ = writeln!(
            self.out,
            r#"  <g class="edge" data-from="{}" data-to="{}" data-op="{}" data-group="{group}">"#,
            esc(&from.name),
            esc(&to.name),
            esc(r.op.as_str())
        );
        let dash_attr = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let marker = if colour == "#000000" { "k" } else { "g" };
        let markers = if double {
            format!(r#" marker-start="url(#tail-{marker})" marker-end="url(#head-{marker})""#)
        } else {
            format!(r#" marker-end="url(#head-{marker})""#)
        };
        let (lx, ly);
        if bend == 0.0 {
            let (x1, y1) = from.boundary(to.x, to.y);
            let (x2, y2) = to.boundary(from.x, from.y);
            let _ = writeln!(
                self.out,
                r#"    <path d="M {x1:.1} {y1:.1} L {x2:.1} {y2:.1}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr}{markers}/>"#
            );
            lx = x1 + (x2 - x1) * label_at;
            ly = y1 + (y2 - y1) * label_at + if (y2 - y1).abs() < 1.0 { -9.0 } else { 4.0 };
        } else {
            // a quadratic curve bulging `bend` pixels to the left of the line from → to
            let (mx, my) = ((from.x + to.x) / 2.0, (from.y + to.y) / 2.0);
            let (dx, dy) = (to.x - from.x, to.y - from.y);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (nx, ny) = (-dy / len, dx / len);
            let (cx, cy) = (mx + nx * 2.0 * bend, my + ny * 2.0 * bend);
            let (x1, y1) = from.boundary(cx, cy);
            let (x2, y2) = to.boundary(cx, cy);
            let _ = writeln!(
                self.out,
                r#"    <path d="M {x1:.1} {y1:.1} Q {cx:.1} {cy:.1} {x2:.1} {y2:.1}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr}{markers}/>"#
            );
            lx = 0.25 * x1 + 0.5 * cx + 0.25 * x2;
            ly = 0.25 * y1 + 0.5 * cy + 0.25 * y2 + 4.0;
        }
        if labelled {
            if let Some(s) = r.std_all.filter(|v| v.is_finite()) {
                self.label(lx, ly, &coef(s));
            }
        }
        self.out.push_str("  </g>\n");
    }
}

/// One panel (a group): nodes and edges from y offset `top`; returns the panel's height.
fn panel(
    c: &mut Canvas,
    t: &Transact,
    m: &ModelReport,
    group: usize,
    top: f64,
    title: &str,
) -> f64 {
    let lay = &m.layout;
    let nt = lay.waves.len();
    let xs: Vec<f64> = (0..nt).map(|i| c.left + i as f64 * COL).collect();
    let ri = m.family != Family::Clpm;
    panel_heading(c, &lay.waves, &xs, top, title);
    let (nodes, height) = place_nodes(t, lay, &xs, ri, top);
    draw_edges(c, t, m, group, &nodes);
    let mut names: Vec<&String> = nodes.keys().collect();
    names.sort();
    for n in names {
        c.node(&nodes[n], group);
    }
    height
}

/// The panel's title and the wave labels above the columns `xs`.
fn panel_heading(c: &mut Canvas, waves: &[String], xs: &[f64], top: f64, title: &str) {
    let _ = writeln!(
        c.out,
        r##"  <text x="20" y="{:.1}" font-family="{FONT}" font-size="15" font-weight="bold" fill="#000000">{}</text>"##,
        top + 22.0,
        esc(title)
    );
    for (i, w) in waves.iter().enumerate() {
        let _ = writeln!(
            c.out,
            r##"  <text x="{:.1}" y="{:.1}" font-family="{FONT}" font-size="12" text-anchor="middle" fill="#555555">wave {}</text>"##,
            xs[i],
            top + 64.0,
            esc(w)
        );
    }
}

/// The nodes of a panel at their places (random intercepts, observed scores and within
/// components by construct and wave; covariates in a column on the left), and the panel's
/// height.
fn place_nodes(
    t: &Transact,
    lay: &Layout,
    xs: &[f64],
    ri: bool,
    top: f64,
) -> (HashMap<String, Node>, f64) {
    let nt = xs.len();
    let mid = (xs[0] + xs[nt - 1]) / 2.0;
    let mut nodes: HashMap<String, Node> = HashMap::new();
    let mut add = |name: &str, shape: Shape, x: f64, y: f64, text: Vec<String>| {
        nodes.insert(
            name.to_string(),
            Node {
                name: name.to_string(),
                shape,
                x,
                y,
                text,
            },
        );
    };
    let height = if ri {
        let rows = [
            top + 112.0,
            top + 197.0,
            top + 282.0,
            top + 407.0,
            top + 492.0,
            top + 577.0,
        ];
        for (k, cons) in [&lay.x, &lay.y].into_iter().enumerate() {
            let (ri_y, obs_y, win_y) = if k == 0 {
                (rows[0], rows[1], rows[2])
            } else {
                (rows[5], rows[4], rows[3])
            };
            if let Some(name) = &cons.intercept {
                add(
                    name,
                    Shape::Ellipse,
                    mid,
                    ri_y,
                    vec![format!("RI {}", cons.name)],
                );
            }
            for (i, &x) in xs.iter().enumerate() {
                add(
                    &cons.observed[i],
                    Shape::Rect,
                    x,
                    obs_y,
                    vec![cons.observed[i].clone()],
                );
                add(
                    &cons.within[i],
                    Shape::Circle,
                    x,
                    win_y,
                    vec![cons.name.clone(), format!("w{}", lay.waves[i])],
                );
            }
        }
        620.0
    } else {
        let rows = [top + 125.0, top + 305.0];
        for (k, cons) in [&lay.x, &lay.y].into_iter().enumerate() {
            for (i, &x) in xs.iter().enumerate() {
                add(
                    &cons.observed[i],
                    Shape::Rect,
                    x,
                    rows[k],
                    vec![cons.observed[i].clone()],
                );
            }
        }
        355.0
    };
    // covariates: a column on the left, centred between the two constructs
    let centre = if ri { top + 344.5 } else { top + 215.0 };
    let k = t.covariates.len() as f64;
    for (j, cov) in t.covariates.iter().enumerate() {
        add(
            cov,
            Shape::Rect,
            20.0 + RECT_W / 2.0 + 8.0,
            centre + (j as f64 - (k - 1.0) / 2.0) * 50.0,
            vec![cov.clone()],
        );
    }
    (nodes, height)
}

/// The paths between the drawn variables of a group: loadings, covariances (the
/// random-intercept covariance as an arc), then the lagged and covariate effects on top.
fn draw_edges(
    c: &mut Canvas,
    t: &Transact,
    m: &ModelReport,
    group: usize,
    nodes: &HashMap<String, Node>,
) {
    let lay = &m.layout;
    // edges: every path between drawn variables of this group
    let rows: Vec<&ParameterRow> = m
        .parameters
        .iter()
        .filter(|r| r.group == group)
        .filter(|r| nodes.contains_key(&r.lhs) && nodes.contains_key(&r.rhs))
        .filter(|r| {
            r.op.as_str() == "=~"
                || r.op.as_str() == "~"
                || (r.op.as_str() == "~~" && r.lhs != r.rhs)
        })
        .collect();
    // draw order: loadings, covariances, then lagged effects on top
    let order = |r: &&ParameterRow| match r.op.as_str() {
        "=~" => 0,
        "~~" => 1,
        _ => 2,
    };
    let mut rows = rows;
    rows.sort_by_key(order);
    let intercepts: Vec<&str> = [&lay.x.intercept, &lay.y.intercept]
        .iter()
        .filter_map(|i| i.as_deref())
        .collect();
    for r in rows {
        let (from, to) = match r.op.as_str() {
            "~" => (&nodes[&r.rhs], &nodes[&r.lhs]),
            _ => (&nodes[&r.lhs], &nodes[&r.rhs]),
        };
        let (bend, at) = match r.op.as_str() {
            "~~" if intercepts.contains(&r.lhs.as_str())
                && intercepts.contains(&r.rhs.as_str()) =>
            {
                (0.0, 0.5)
            }
            "~~" => (16.0, 0.5),
            "~" if (from.y - to.y).abs() < 1.0 => (0.0, 0.5),
            "~" => (0.0, 0.27),
            _ => (0.0, 0.5),
        };
        if bend == 0.0 && r.op.as_str() == "~~" {
            // the random-intercept covariance: an arc around the left of the panel
            ri_arc(c, r, from, to, t.alpha, group);
        } else if r.op.as_str() == "~" && t.covariates.contains(&r.rhs) {
            // a covariate's effect, equal over time: labelled at wave 1 only
            let first = [&lay.x.observed[0], &lay.y.observed[0]].contains(&&r.lhs);
            let mut shown = r.clone();
            if !first {
                shown.std_all = None;
            }
            // later waves: curved away from the within components in the middle
            let size = 4.0 + 4.0 * (to.x - from.x) / COL;
            let bend = match (first, to.y < from.y) {
                (true, _) => 0.0,
                (false, true) => -size,
                (false, false) => size,
            };
            c.edge(&shown, from, to, t.alpha, group, bend, 0.5);
        } else {
            c.edge(r, from, to, t.alpha, group, bend, at);
        }
    }
}

/// The covariance of the random intercepts: a bracket around the left of the panel, from
/// the left end of one ellipse out past the observed scores and back to the other.
fn ri_arc(c: &mut Canvas, r: &ParameterRow, from: &Node, to: &Node, alpha: f64, group: usize) {
    let (colour, dash, width, _) = style(r, alpha);
    let marker = if colour == "#000000" { "k" } else { "g" };
    let dash_attr = if dash.is_empty() {
        String::new()
    } else {
        format!(r#" stroke-dasharray="{dash}""#)
    };
    let (x1, y1) = (from.x - RI_RX, from.y);
    let (x2, y2) = (to.x - RI_RX, to.y);
    // left of the squares (LEFT − RECT_W/2) and of the wave-1 covariance curve
    let xl = c.left - RECT_W / 2.0 - 32.0;
    let rr = 18.0;
    let dir = if y2 > y1 { 1.0 } else { -1.0 };
    let _ = writeln!(
        c.out,
        r#"  <g class="edge" data-from="{}" data-to="{}" data-op="~~" data-group="{group}">"#,
        esc(&from.name),
        esc(&to.name)
    );
    let _ = writeln!(
        c.out,
        r#"    <path d="M {x1:.1} {y1:.1} L {a:.1} {y1:.1} Q {xl:.1} {y1:.1} {xl:.1} {b:.1} L {xl:.1} {d:.1} Q {xl:.1} {y2:.1} {a:.1} {y2:.1} L {x2:.1} {y2:.1}" fill="none" stroke="{colour}" stroke-width="{width}"{dash_attr} marker-start="url(#tail-{marker})" marker-end="url(#head-{marker})"/>"#,
        a = xl + rr,
        b = y1 + dir * rr,
        d = y2 - dir * rr,
    );
    if let Some(s) = r.std_all.filter(|v| v.is_finite()) {
        c.label(xl, (y1 + y2) / 2.0 + 4.0, &coef(s));
    }
    c.out.push_str("  </g>\n");
}

fn markers() -> String {
    let mut s = String::from("  <defs>\n");
    for (id, colour) in [("k", "#000000"), ("g", "#666666")] {
        let _ = writeln!(
            s,
            r#"    <marker id="head-{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto" markerUnits="userSpaceOnUse"><path d="M 0 1 L 10 5 L 0 9 z" fill="{colour}"/></marker>"#
        );
        let _ = writeln!(
            s,
            r#"    <marker id="tail-{id}" viewBox="0 0 10 10" refX="1" refY="5" markerWidth="7" markerHeight="7" orient="auto" markerUnits="userSpaceOnUse"><path d="M 10 1 L 0 5 L 10 9 z" fill="{colour}"/></marker>"#
        );
    }
    s.push_str("  </defs>\n");
    s
}

fn fit_caption(m: &ModelReport, n: usize) -> String {
    let f = &m.fit;
    let idx = |v: Option<f64>| v.map_or("NA".to_string(), coef_idx);
    format!(
        "χ²({:.0}) = {:.2}, CFI = {}, TLI = {}, RMSEA = {}, SRMR = {}; N = {n}",
        f.df,
        f.chisq,
        idx(f.cfi),
        idx(f.tli),
        idx(f.rmsea),
        idx(f.srmr)
    )
}

fn coef_idx(v: f64) -> String {
    let s = format!("{v:.3}");
    s.strip_prefix('0').map(str::to_string).unwrap_or(s)
}

/// The SVG document of model `family` of an analysis.
pub fn svg(t: &Transact, family: Family) -> Result<String, String> {
    let m = t
        .model(family)
        .ok_or_else(|| format!("the {} was not fitted; no diagram", family.title()))?;
    let nt = m.layout.waves.len();
    let left = LEFT
        + if t.covariates.is_empty() {
            0.0
        } else {
            COV_COL
        };
    let width = left + (nt as f64 - 1.0) * COL + RIGHT + 20.0;
    let mut c = Canvas {
        out: String::new(),
        left,
    };
    let mut top = 0.0;
    let n: usize = t.nobs.iter().sum();
    let _ = writeln!(
        c.out,
        r##"  <text x="20" y="{:.1}" font-family="{FONT}" font-size="12" fill="#333333">{}</text>"##,
        top + 40.0,
        esc(&fit_caption(m, n))
    );
    for (g, gr) in m.groups.iter().enumerate() {
        let title = if m.groups.len() > 1 {
            format!(
                "{}: {} and {}, group {} (N = {})",
                m.name, t.x, t.y, gr.label, gr.nobs
            )
        } else {
            format!("{}: {} and {}", m.name, t.x, t.y)
        };
        let h = panel(&mut c, t, m, g + 1, top, &title);
        top += h;
    }
    // legend
    let ly = top + 10.0;
    let _ = writeln!(
        c.out,
        r##"  <g class="legend" font-family="{FONT}" font-size="11" fill="#333333">
    <line x1="20" y1="{a:.1}" x2="60" y2="{a:.1}" stroke="#000000" stroke-width="1.9"/>
    <text x="66" y="{b:.1}">p &lt; {alpha}</text>
    <line x1="140" y1="{a:.1}" x2="180" y2="{a:.1}" stroke="#666666" stroke-width="1.3" stroke-dasharray="6 4"/>
    <text x="186" y="{b:.1}">p ≥ {alpha}</text>
    <line x1="260" y1="{a:.1}" x2="300" y2="{a:.1}" stroke="#8a8a8a" stroke-width="1"/>
    <text x="306" y="{b:.1}">fixed</text>
    <text x="20" y="{c:.1}">Numbers: standardized estimates (std.all); double-headed arrows: (residual) correlations.</text>
  </g>"##,
        a = ly,
        b = ly + 4.0,
        c = ly + 24.0,
        alpha = t.alpha
    );
    let height = ly + 40.0;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">\n  <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n{}{}</svg>\n",
        markers(),
        c.out
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_in_apa_style() {
        assert_eq!(coef(0.4512), ".45");
        assert_eq!(coef(-0.061), "−.06");
        assert_eq!(coef(1.2), "1.20");
        assert_eq!(coef(-0.001), ".00");
    }

    #[test]
    fn boundary_points() {
        let n = Node {
            name: "a".into(),
            shape: Shape::Circle,
            x: 0.0,
            y: 0.0,
            text: vec![],
        };
        let (x, y) = n.boundary(100.0, 0.0);
        assert!((x - RADIUS).abs() < 1e-9 && y.abs() < 1e-9);
        let r = Node {
            shape: Shape::Rect,
            ..n.clone()
        };
        let (x, y) = r.boundary(0.0, 100.0);
        assert!(x.abs() < 1e-9 && (y - RECT_H / 2.0).abs() < 1e-9);
        let e = Node {
            shape: Shape::Ellipse,
            ..n
        };
        let (x, _) = e.boundary(-100.0, 0.0);
        assert!((x + RI_RX).abs() < 1e-9);
    }
}
