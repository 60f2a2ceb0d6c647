//! Every command in the documentation runs as written.
//!
//! The examples are the ```` ```sh ```` blocks of `README.md` and `docs/*.md`. In each block, a
//! line (with `\` continuations joined) that starts with `crosslag ` is run by `sh -c` with the
//! `crosslag` built for these tests first on `PATH`, and must exit with status 0; so is the
//! `crosslag` part of `cargo run … -p crosslag-cli -- ARGS` (as `crosslag ARGS`), and
//! `mkdir` lines, which prepare folders for later commands. Other lines (`cargo test`, `cargo
//! install`, scripts under `bench/`, `sbatch`) are not run. The commands of one document run in
//! order in one fresh folder of their own, in which `datasets` is the repository's `datasets/`
//! folder, so the bundled files are found by the paths the documents use, files written by one
//! line can be read by later lines, and nothing is written into the repository.
//!
//! Templates (usage lines with placeholders such as `FILE` or `...`) belong in ```` ```text ````
//! blocks, which are not run; a run line containing `...` fails this test with that advice.
//!
//! To keep the test short, replication counts are scaled down: `--reps N` and `--bootstrap N`
//! with N above [`MAX_REPS`] run with [`MAX_REPS`] (the other options as written). Every
//! command of a document is checked; the output files are left in the test's folder under
//! `target/tmp/doc-examples/` for inspection.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// Replications (`--reps`, `--bootstrap`) that an example runs with at most.
const MAX_REPS: u64 = 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The ```` ```sh ```` blocks of a Markdown text, as logical lines (continuations joined),
/// each with its line number in the file.
fn sh_lines(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut in_other = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            if in_sh || in_other {
                in_sh = false;
                in_other = false;
            } else if info.split_whitespace().next() == Some("sh") {
                in_sh = true;
            } else {
                in_other = true;
            }
            continue;
        }
        if !in_sh {
            continue;
        }
        let (start, mut text) = match pending.take() {
            Some((n, t)) => (n, t + " " + trimmed),
            None => (i + 1, trimmed.to_string()),
        };
        if text.ends_with('\\') {
            text.pop();
            pending = Some((start, text.trim_end().to_string()));
        } else {
            out.push((start, text));
        }
    }
    out
}

/// The command to run for a documentation line, or `None` for a line that is not run.
fn runnable(line: &str) -> Option<String> {
    if line.starts_with("crosslag ") || line.starts_with("mkdir ") {
        return Some(line.to_string());
    }
    if line.starts_with("cargo run") && line.contains("-p crosslag-cli") {
        return line
            .split_once(" -- ")
            .map(|(_, args)| format!("crosslag {args}"));
    }
    None
}

/// `--reps N` / `--bootstrap N` with N above [`MAX_REPS`] become [`MAX_REPS`].
fn scale_down(command: &str) -> String {
    let words: Vec<&str> = command.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let after_reps = i > 0 && matches!(words[i - 1], "--reps" | "--bootstrap");
        match w.parse::<u64>() {
            Ok(n) if after_reps && n > MAX_REPS => out.push(MAX_REPS.to_string()),
            _ => out.push(w.to_string()),
        }
    }
    out.join(" ")
}

/// A fresh folder for one document's commands: `datasets` links to the repository's, and
/// `bin/crosslag` to the binary under test.
fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("doc-examples")
        .join(name.replace(['/', '.'], "_"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    let datasets = root().join("datasets").canonicalize().unwrap();
    std::os::unix::fs::symlink(datasets, dir.join("datasets")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_crosslag"), dir.join("bin/crosslag")).unwrap();
    dir
}

/// Run every example of one document (path relative to the repository); returns the number
/// of commands run.
fn run_document(doc: &str) -> usize {
    let text = std::fs::read_to_string(root().join(doc)).unwrap();
    let dir = workdir(doc);
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for (line_no, line) in sh_lines(&text) {
        let Some(command) = runnable(&line) else {
            continue;
        };
        if command.contains("...") || command.contains('…') {
            failures.push(format!(
                "{doc}:{line_no}: `{command}` has a placeholder; put templates in a ```text block"
            ));
            continue;
        }
        let command = scale_down(&command);
        let started = Instant::now();
        let out = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        ran += 1;
        eprintln!(
            "{doc}:{line_no}: {:.1} s: {command}",
            started.elapsed().as_secs_f64()
        );
        if !out.status.success() {
            failures.push(format!(
                "{doc}:{line_no}: `{command}` exited with {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    ran
}

/// The documents with runnable examples, each checked by a test below.
const DOCUMENTS: [&str; 6] = [
    "README.md",
    "docs/json-output.md",
    "docs/missing-data-and-robust.md",
    "docs/panel-models.md",
    "docs/power-and-simulation.md",
    "docs/transact.md",
];

#[test]
fn every_document_with_examples_is_checked() {
    let mut docs = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    for path in docs {
        let text = std::fs::read_to_string(&path).unwrap();
        let runs = sh_lines(&text)
            .iter()
            .any(|(_, line)| runnable(line).is_some());
        let rel = path.strip_prefix(root()).unwrap_or(&path).to_string_lossy();
        let rel = rel.trim_start_matches('/');
        assert!(
            !runs || DOCUMENTS.contains(&rel),
            "{rel} has crosslag examples: add it to DOCUMENTS in {}",
            file!()
        );
    }
}

#[test]
fn readme() {
    // describe, fit (JSON, summary statistics, groups, bootstrap, bounds), compare, syntax,
    // and the README's first command (`cargo run … -- transact …`)
    assert!(run_document("README.md") >= 10);
}

#[test]
fn json_output() {
    assert!(run_document("docs/json-output.md") >= 1);
}

#[test]
fn missing_data_and_robust() {
    assert!(run_document("docs/missing-data-and-robust.md") >= 3);
}

#[test]
fn panel_models() {
    assert!(run_document("docs/panel-models.md") >= 2);
}

#[test]
fn power_and_simulation() {
    assert!(run_document("docs/power-and-simulation.md") >= 5);
}

#[test]
fn transact() {
    assert!(run_document("docs/transact.md") >= 3);
}

#[test]
fn the_parser_of_the_examples() {
    let md = "text\n```sh\ncrosslag a \\\n  --b c   # note\ncargo test\n```\n```text\ncrosslag FILE\n```\n```sh\nmkdir -p x\n```\n";
    let lines = sh_lines(md);
    assert_eq!(
        lines,
        vec![
            (3, "crosslag a --b c   # note".to_string()),
            (5, "cargo test".to_string()),
            (11, "mkdir -p x".to_string()),
        ]
    );
    assert_eq!(runnable("cargo test --workspace"), None);
    assert_eq!(
        runnable("cargo run --release -p crosslag-cli -- transact --x a").as_deref(),
        Some("crosslag transact --x a")
    );
    assert_eq!(
        scale_down("crosslag power --reps 1000 --n 200,500 --bootstrap 10 --seed 1"),
        "crosslag power --reps 20 --n 200,500 --bootstrap 10 --seed 1"
    );
}
