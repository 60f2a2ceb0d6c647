#!/usr/bin/env python3
"""Write docs/lavaan-compatibility.md from a corpus run.

usage: tools/corpus_doc.py RESULTS.json KNOWN_FAILURES.tsv TEMPLATE.md BINARY_DESCRIPTION OUT.md

RESULTS.json comes from `tools/compare_corpus.py --results`; the template
(tools/corpus_doc_template.md) holds the prose with @PLACEHOLDERS@ for the tables.
"""
import json, sys, collections, glob, os, re
res = json.load(open(sys.argv[1]))
known = {}
for line in open(sys.argv[2]):
    p = line.rstrip("\n").split("\t")
    if p[0] != "id" and len(p) >= 3: known[p[0]] = (p[1], p[2])
meta = {}
for f in glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures', 'corpus', 'cases', '*.json')):
    d = json.load(open(f)); meta[d['corpus']['id']] = d
status = {r['id']: r['status'] for r in res}
def sel(pred):
    return [i for i in status if pred(i, meta[i]['corpus']['tags'], meta[i])]
def row(name, ids, lavaan=""):
    ids = sorted(ids)
    p = [i for i in ids if status[i] == 'ok']; f = [i for i in ids if status[i] != 'ok']
    st = "—" if not ids else ("supported" if not f else ("no" if not p else "partly"))
    causes = collections.Counter(known[i][0] if i in known else "?" for i in f)
    note = "; ".join(f"{c} ({n}: {', '.join([x for x in f if (known.get(x, ('?',))[0]) == c][:5]) + (', …' if n > 5 else '')})" for c, n in causes.most_common())
    if st == "no" and f:
        top = causes.most_common(1)[0][0]
        first = next(x for x in f if known.get(x, ('?',))[0] == top)
        note = known[first][1][:160] + (" — " + note if len(causes) > 1 else "")
    if st == "supported": SUPPORTED.append(name)
    return f"| {name} | {len(ids)} | {len(p)} | {len(f)} | {st} | {note} |"
SUPPORTED = []
H = "| feature | cases | pass | fail | status | failing cases: cause (count: ids) |\n|---|---|---|---|---|---|"
def tag(t): return lambda i, tags, d: t in tags
def opt(k, v=None):
    def f(i, tags, d):
        op = d.get('options_passed') or {}
        if not isinstance(op, dict) or k not in op: return False
        if v is None: return True
        val = op[k]
        return (v in val) if isinstance(val, list) else (str(val) == str(v) or (isinstance(val, bool) and str(val).upper() == str(v).upper()))
    return f
def syn(rx): return lambda i, tags, d: re.search(rx, d['lavaan_syntax'] or "", re.M) is not None
SYNTAX = [
 ("`=~` latent variable", tag("op:=~")), ("`~` regression", tag("op:~")), ("`~~` (residual) (co)variance", tag("op:~~")),
 ("`~ 1` intercepts / means", tag("op:~1")), ("`:=` defined parameter", tag("op::=")),
 ("`:=` nonlinear (`/`, `log`, products of 3)", syn(r":=.*(/|log|\*.*\*)")),
 ("`==` equality constraint", tag("op:==")), ("`==` nonlinear (`^`, products)", syn(r"==.*(\^|\w\*\w)")),
 ("`<` / `>` inequality", tag("op:< >")), ("`<`/`>` with an expression or two parameters", syn(r"[<>].*([a-z]\w*\s*[-+*(]|exp\()|^\s*\w+\s*<\s*[a-z]")),
 ("label `a*x` (shared labels = equality)", tag("mod:label")), ("fixed value `0.8*x`", tag("mod:fixed value")),
 ("`NA*x` free a fixed parameter", tag("mod:NA*")), ("`start(v)*x`", tag("mod:start()")), ("`label(\"a\")*x`", tag("mod:label()")),
 ("`equal(\"f=~x2\")*x`", tag("mod:equal()")), ("`c(a,b)*x` per group (labels, fixed/free, start)", tag("mod:c() per group")),
 ("same term twice with different modifiers", syn(r"a\*x2 \+ start")),
]
OPTIONS = [
 ("`sem()`", tag("function:sem")), ("`cfa()`", tag("function:cfa")), ("`growth()`", tag("function:growth")), ("`lavaan()`", tag("function:lavaan")),
 ("`meanstructure = TRUE`", opt("meanstructure", True)), ("`meanstructure = FALSE`", opt("meanstructure", False)),
 ("`int.ov.free = TRUE`", opt("int.ov.free", True)), ("`int.ov.free = FALSE`", opt("int.ov.free", False)), ("`int.lv.free`", opt("int.lv.free")),
 ("`std.lv`", opt("std.lv")), ("`orthogonal`", opt("orthogonal")),
 ("`auto.var`", opt("auto.var")), ("`auto.fix.first`", opt("auto.fix.first")), ("`auto.fix.single`", opt("auto.fix.single")),
 ("`auto.cov.lv.x`", opt("auto.cov.lv.x")), ("`auto.cov.y`", opt("auto.cov.y")),
 ("`fixed.x = TRUE` (explicit)", opt("fixed.x", True)), ("`fixed.x = FALSE`", opt("fixed.x", False)),
 ("`likelihood = \"wishart\"` (any case)", lambda i,t,d: str((d.get('options_passed') or {}).get('likelihood','')).lower() == 'wishart' if isinstance(d.get('options_passed'), dict) else False),
 ("`information = \"expected\"/\"observed\"`", lambda i,t,d: isinstance(d.get('options_passed'), dict) and str(d['options_passed'].get('information','')) in ('expected','observed')),
 ("`information = \"Observed\"` (case)", opt("information", "Observed")),
 ("`estimator = \"ML\"` / `\"ml\"`", lambda i,t,d: isinstance(d.get('options_passed'), dict) and d['options_passed'].get('estimator') in ('ML','ml')),
 ("`estimator = \"MLR\"`", opt("estimator", "MLR")), ("`estimator = \"mlr\"` / `\"Mlr\"`", lambda i,t,d: isinstance(d.get('options_passed'), dict) and d['options_passed'].get('estimator') in ('mlr','Mlr')),
 ("`missing = \"ml\"`", opt("missing", "ml")), ("`missing = \"ML\"`", opt("missing", "ML")), ("`missing = \"FIML\"` / `\"fiml\"`", lambda i,t,d: isinstance(d.get('options_passed'), dict) and d['options_passed'].get('missing') in ('FIML','fiml')),
 ("`missing = \"direct\"`", opt("missing", "direct")), ("`missing = \"listwise\"` / default on incomplete data", lambda i,t,d: i in ('miss_listwise','miss_default_listwise')),
 ("`missing = \"Listwise\"` (case)", opt("missing", "Listwise")),
 ("`se = \"standard\"`", opt("se", "standard")), ("`se = \"robust.huber.white\"` with ML", opt("se", "robust.huber.white")),
 ("`group = `", opt("group")), ("`group.equal = \"loadings\"`", opt("group.equal", "loadings")), ("`group.equal = \"intercepts\"`", opt("group.equal", "intercepts")),
 ("`group.equal = \"means\"`", opt("group.equal", "means")), ("`group.equal = \"residuals\"`", opt("group.equal", "residuals")),
 ("`group.equal = \"residual.covariances\"`", opt("group.equal", "residual.covariances")), ("`group.equal = \"lv.variances\"`", opt("group.equal", "lv.variances")),
 ("`group.equal = \"lv.covariances\"`", opt("group.equal", "lv.covariances")), ("`group.equal = \"regressions\"`", opt("group.equal", "regressions")),
 ("`group.equal = \"Loadings\"` (case)", opt("group.equal", "Loadings")), ("`group.partial`", opt("group.partial")),
 ("`cluster = ` (MLR)", opt("cluster")), ("`sample.cov` + `sample.mean`", tag("sample.cov + sample.mean")), ("`sample.cov` only (no means)", tag("sample.cov (no means)")),
 ("optional: `test = \"satorra.bentler\"` / `\"yuan.bentler\"`", opt("test")), ("optional: `estimator = \"MLM\"`", opt("estimator", "MLM")),
 ("optional: `missing = \"ml.x\"`", opt("missing", "ml.x")), ("optional: `conditional.x = TRUE`", opt("conditional.x")), ("optional: `mimic = \"Mplus\"`", opt("mimic")),
 ("optional: `bounds = \"pos.var\"`", opt("bounds")),
]
def pre(p): return lambda i,t,d: i.startswith(p)
FAMILIES = [
 ("CFA (one or more factors)", lambda i,t,d: i.startswith(("op_measure","ep_sem_cfa","opt_std_lv","opt_orthogonal","st_cross","st_orthogonal"))),
 ("observed path models, mediation", lambda i,t,d: d['data'].endswith(("path.csv",)) and not i.startswith(("mg_","val_","miss_","ss_"))),
 ("higher-order factors", lambda i,t,d: i.startswith("st_higher_order")), ("bifactor", lambda i,t,d: i.startswith("st_bifactor")),
 ("single-indicator latent variables", lambda i,t,d: i.startswith(("st_single","ep_lavaan_auto_fix_single","opt_auto_fix_single"))),
 ("exogenous covariates / MIMIC", lambda i,t,d: i.startswith(("st_mimic","st_direct","st_covariate","mg_mimic"))),
 ("multiple groups (all)", opt("group")), ("summary statistics input", lambda i,t,d: i.startswith("ss_")),
 ("growth models", lambda i,t,d: i.startswith(("gr_","ep_growth","miss_curran"))),
 ("CLPM", pre("cl_clpm")), ("RI-CLPM (single indicator, lavaan() syntax)", lambda i,t,d: i.startswith("cl_riclpm") and "wave_factors" not in i and "sem_" not in i),
 ("RI-CLPM given to sem()", lambda i,t,d: i.startswith(("cl_riclpm_sem_","nc_riclpm"))),
 ("multiple-indicator RI-CLPM", pre("cl_mi_riclpm")), ("RI-CLPM on wave factors (second-order RIs)", lambda i,t,d: "wave_factors" in i),
 ("LCM-SR (incl. multi-basin)", lambda i,t,d: "lcmsr" in i),
 ("Heywood cases", pre("hw_")), ("non-convergence / under-identification", pre("nc_")), ("models lavaan refuses", pre("err_")),
 ("FIML (any)", lambda i,t,d: isinstance(d.get('options_passed'), dict) and str(d['options_passed'].get('missing','')).lower() in ('ml','fiml','direct','ml.x')),
 ("MLR (any)", lambda i,t,d: isinstance(d.get('options_passed'), dict) and str(d['options_passed'].get('estimator','')).lower() == 'mlr'),
]
def table(rows):
    return H + "\n" + "\n".join(row(n, sel(f)) for n, f in rows)
causes = collections.defaultdict(list)
for i, (c, why) in known.items(): causes[c].append((i, why))
EXPLAIN = {
 "option-flag": "**Options that change the model have no flag** (issue #11 item 2). The CLI refuses the call with `error: unexpected argument '--std-lv' found` (likewise `--orthogonal`, `--auto-var`, `--auto-fix-first`, `--auto-fix-single`, `--auto-cov-lv-x`, `--auto-cov-y`, `--fixed-x`, `--likelihood`, `--int-lv-free`). The refusal is a clean one-line error as CONTRACT.md asks, but the option is not supported. A case that stops here may hide further differences (e.g. `st_higher_order_std_lv` would also meet the higher-order cause).",
 "growth-entry-point": "**`growth()` is not an entry point**: `error: invalid value 'growth' for '--function <FUNCTION>'`. lavaan's growth() = sem() with observed intercepts fixed at 0 and latent means free (`gr_via_sem`, the same model written out for sem(), passes).",
 "meanstructure-default": "**`group=` switches lavaan's mean structure on** (meanstructure = \"default\"), and so does giving `sample.mean` (issue #11 item 3). crosslag fits these models without intercepts: the `~1` rows are missing and npar, AIC, BIC, SABIC and SRMR differ (χ², df and all other estimates agree). Cases with `group.equal` containing `intercepts`/`means` pass, because those switch the means on in crosslag too.",
 "zero-variance-rows": "**`lavaan()` lists residual variances the syntax leaves out** as rows fixed at 0 (`user = 0`); crosslag omits these rows (issue #11 item 4). Every number agrees otherwise.",
 "option-value": "**Option values are not read as lavaan reads them** (issue #11 item 1): `--missing ML`, `FIML`, `direct`, `Listwise`; `--estimator Mlr`; `--information Observed`; `--group-equal Loadings` are refused (`invalid value 'ML' for '--missing <MISSING>'`); lavaan is case-insensitive and knows the aliases. (`fiml`, `mlr`, `ml` in lower case already work.)",
 "higher-order": "**Higher-order models get extra covariances** (issue #11 item 5): a first-order factor that is an indicator of a second-order factor (or of an RI / within factor built on wave factors) is endogenous, so lavaan adds no covariances among such factors; crosslag adds them (`s1 ~~ s2`, ..., `FX1 ~~ FY2`, ...): npar 38 vs 28 for a 4-factor second-order model, 81 vs 42 for the RI-CLPM on wave factors, and different χ², estimates and SEs.",
 "covariance-row-names": "**Covariance row names.** A covariance written `RIX1 + RIX2 ~~ 0*WX1` is reported by lavaan 0.6.14 as `WX1 ~~ RIX1` (it orders the pair); crosslag keeps the order of the syntax. The runner matches the pair either way, so the numbers are known to agree; only the row names differ (CONTRACT.md asks for lavaan's lhs/op/rhs).",
 "inequality-expression": "**Inequality constraints with expressions are refused** (issue #11 item 7): `b1 > exp(b2 + b3)`, `b1 + b2 < 2*b3 + 0.3`, `b1 < b2` give `only inequality constraints of the form 'label > number' or 'label < number' are supported`. lavaan accepts any expression on either side.",
 "nonlinear-eq-se": "**SEs under nonlinear `==` with observed information** (issue #11 item 8): issue #11 attributes this to crosslag adding the constraints' curvature (Lagrangian Hessian) where lavaan 0.6.14 uses the objective's Hessian alone; SEs differ by 1–7 % (also the MLR sandwich and its scaled test). With expected information (`cn_equal_nonlinear_expected`) they agree.",
 "se-option": "**`se =` is not honoured as in lavaan**: `se = \"robust.huber.white\"` with ML is refused (`--se robust.huber.white: sandwich standard errors come with --estimator MLR`), lavaan gives sandwich SEs with the normal-theory test; `se = \"standard\"` with MLR is accepted but ignored (crosslag still gives sandwich SEs; lavaan gives observed-information SEs and computes the scaled test with them).",
 "switch-value": "**`--meanstructure` / `--int-ov-free` take no value**, so lavaan's `meanstructure = FALSE` (with `group=`) and `int.ov.free = FALSE` cannot be passed (`unexpected argument 'false' found`); CONTRACT.md says a logical option takes `true`/`false`.",
 "equal-modifier": "**`equal(\"f1=~x2\")*x3` is ignored**: the loading stays free (npar 8 vs 7, different χ²). lavaan 0.6.14 supports the modifier.",
 "equality-expression": "**`==` with expressions on both sides** (`a + b == 1.6`) is refused: `an equality constraint needs a free parameter's label alone on one side`.",
 "repeated-term": "**The same term twice** (`f1 =~ a*x2 + start(0.7)*x2`) is refused (`'f1 =~ x2' is specified twice`); lavaan merges the modifiers of repeated terms.",
 "fiml-expected-robust": "**FIML with `information = \"expected\"`**: estimates, SEs and χ² agree, but the robust CFI/TLI/RMSEA that lavaan reports for FIML differ (0.98288 vs 0.98316).",
 "mlr-scaled-df0": "**MLR when df = 0 with an active inequality**: lavaan reports `chisq.scaled` (= χ²), `cfi.scaled`, `tli.scaled`; crosslag gives null.",
 "standardized-var1": "**Standardized solution when an implied latent variance is exactly 1** (issue #11 item 6): in the stationarity-constrained RI-CLPM the within factors have variance 1 by construction; `std_lv` of their covariances and of the `:=` correlations built on them differ (0.211 vs 0.265).",
 "fiml-robust-baseline": "**FIML with `fixed.x = FALSE`**: estimates, SEs, χ² and the standard baseline agree; the FIML-corrected robust CFI/TLI/RMSEA (Savalei 2018, which lavaan reports for FIML) differ slightly (0.98280 vs 0.98319): the corrected baseline is not yet computed with the covariates' block saturated as lavaan's independence model has it.",
 "global-optimum": "**Global optimum on a multi-basin model** (issue #11 item 9): on an LCM-SR with two local optima crosslag reports the admissible one (χ² 89.13) although a lower, inadmissible one exists (χ² 81.16, lavaan's answer from its default start); crosslag warns only that the information matrix is close to singular. (In the two other multi-basin LCM-SR cases and in `cl_riclpm_free_ri_loadings` crosslag does reach the lowest objective — there lavaan's default start stops at a worse one.)",
 "optional:option-flag": "**Optional options** (beyond CONTRACT.md's list, recorded to document what happens): `test = \"satorra.bentler\"`/`\"yuan.bentler\"`, `conditional.x`, `mimic` have no flag (`unexpected argument '--test'`, ...).",
 "optional:option-value": "**Optional option values**: `estimator = \"MLM\"` and `missing = \"ml.x\"` are refused (`invalid value 'MLM' for '--estimator'`).",
}
ctext = []
for c in sorted(causes, key=lambda c: -len(causes[c])):
    ids = sorted(i for i, _ in causes[c])
    ctext.append(f"{len(ctext) + 1}. {EXPLAIN.get(c, c + ': ' + causes[c][0][1][:300])}  \n   Cause `{c}`, {len(ids)} case{'s' if len(ids) > 1 else ''}: {', '.join('`' + i + '`' for i in ids)}.")
doc = open(sys.argv[3]).read()
n = len(status); npass = sum(1 for s in status.values() if s == 'ok')
doc = doc.replace("@NCASES@", str(n)).replace("@NPASS@", str(npass)).replace("@NFAIL@", str(n - npass)).replace("@BINARY@", sys.argv[4])
ts, to, tf = table(SYNTAX), table(OPTIONS), table(FAMILIES)
doc = doc.replace("@SUPPORTED@", ", ".join(SUPPORTED))
doc = doc.replace("@SYNTAX@", ts).replace("@OPTIONS@", to).replace("@FAMILIES@", tf).replace("@CAUSES@", "\n".join(ctext))
open(sys.argv[5], "w").write(doc)
