//! Every JSON document a test reads from `git-track` is validated against its schema in
//! `schemas/`, so the documented keys cannot drift from what the program prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas")
}

/// Options of the root command that take a value (skipped to find the command).
const ROOT_VALUE_OPTIONS: &[&str] = &["-C"];

/// Which schema describes the `--json` output of `args`, if they ask for JSON:
/// `<command>[-<mode>]`, the mode being what changes the document's shape.
pub fn name_for(args: &[&str]) -> Option<String> {
    let json = args.contains(&"--json")
        || args.windows(2).any(|w| w == ["--format", "json"])
        || args.contains(&"--format=json");
    if !json {
        return None;
    }
    let mut rest = args.iter();
    let command = loop {
        let a = rest.next()?;
        if ROOT_VALUE_OPTIONS.contains(a) {
            rest.next();
        } else if !a.starts_with('-') {
            break *a;
        }
    };
    let has = |flag: &str| args.contains(&flag);
    let mode = match command {
        "merge" if has("--dry-run") => Some("dry-run"),
        "merge" if has("--abort") => Some("abort"),
        _ => None,
    };
    Some(match mode {
        Some(m) => format!("{command}-{m}"),
        None => command.to_owned(),
    })
}

fn validators() -> &'static BTreeMap<String, jsonschema::Validator> {
    static ALL: OnceLock<BTreeMap<String, jsonschema::Validator>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all = BTreeMap::new();
        for entry in std::fs::read_dir(dir()).expect("schemas/") {
            let path = entry.expect("schemas/ entry").path();
            let Some(name) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".schema.json"))
            else {
                continue;
            };
            let text = std::fs::read_to_string(&path).expect("read schema");
            let schema: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            let validator = jsonschema::validator_for(&schema)
                .unwrap_or_else(|e| panic!("{}: not a valid schema: {e}", path.display()));
            all.insert(name.to_owned(), validator);
        }
        all
    })
}

/// Validates `stdout` when `args` asked for JSON and it printed a document (a usage error
/// prints none). `GIT_TRACK_JSON_SAMPLES=<dir>` also keeps each document there.
#[track_caller]
pub fn check(args: &[&str], stdout: &str) {
    let Some(name) = name_for(args) else { return };
    if stdout.trim().is_empty() {
        return;
    }
    let doc: serde_json::Value = serde_json::from_str(stdout)
        .unwrap_or_else(|e| panic!("git-track {args:?} printed no JSON ({e}):\n{stdout}"));
    if let Some(samples) = std::env::var_os("GIT_TRACK_JSON_SAMPLES") {
        let dir = Path::new(&samples).join(&name);
        let _ = std::fs::create_dir_all(&dir);
        let n = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
        let _ = std::fs::write(dir.join(format!("{}-{n}.json", std::process::id())), stdout);
        return;
    }
    let validator = validators().get(&name).unwrap_or_else(|| {
        panic!("no schema for 'git-track {args:?}': add schemas/{name}.schema.json")
    });
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "git-track {args:?} printed JSON that schemas/{name}.schema.json rejects:\n{}\n{stdout}",
        errors.join("\n")
    );
}
