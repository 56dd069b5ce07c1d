//! Hostile and broken inputs from where they really come from: definitions in refs,
//! notes records, agents' hook payloads, file names in worktrees, refs fetched from a
//! remote. Each gets a clear `error:`/`warning:` and an exit code, never a panic, and a
//! refusal changes nothing.
//!
//! `cargo test --test tests bad_inputs_are -- --nocapture` prints how many distinct bad
//! inputs went through the binary; the property tests below add generated ones through
//! the parsers.

use crate::common::{self, Out, TestRepo};
use git_track::hooks::agent;
use git_track::merge::notes::Record;
use git_track::track::{self, Track};
use proptest::prelude::*;
use std::path::Path;

/// Exit code of a Rust panic.
const PANIC: i32 = 101;

#[track_caller]
fn no_panic(out: &Out, what: &str) {
    assert_ne!(out.code, PANIC, "{what}: panicked:\n{}", out.stderr);
    assert!(
        !out.stderr.contains("panicked at"),
        "{what}: panicked:\n{}",
        out.stderr
    );
    assert!(
        [0, 1, 2, 128].contains(&out.code),
        "{what}: exit {}:\n{}",
        out.code,
        out.stderr
    );
}

/// A refusal: exit 2 or 128 and a git-style first line (that nothing changed is checked
/// once per family, by its caller).
#[track_caller]
fn refused(repo: &TestRepo, dir: &Path, args: &[&str], stdin: &str, what: &str) {
    let out = repo.track_stdin(dir, args, stdin);
    no_panic(&out, what);
    assert!(
        out.code == 2 || out.code == 128,
        "{what}: exit {} (want 2 or 128)\nstdout: {}\nstderr: {}",
        out.code,
        out.stdout,
        out.stderr
    );
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") || first.starts_with("fatal: "),
        "{what}: first line {first:?}"
    );
}

fn fixture(agent: &str, file: &str, worktree: &Path, path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(agent)
            .join(file),
    )
    .expect("fixture")
    .replace("@WORKTREE@", worktree.to_str().expect("utf8"))
    .replace("@FILE@", path)
}

/// Every payload fixture: (agent, file name).
fn fixtures() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for agent in std::fs::read_dir(&root).expect("fixtures").flatten() {
        if !agent.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(agent.path()).expect("agent").flatten() {
            out.push((
                agent.file_name().to_string_lossy().into_owned(),
                f.file_name().to_string_lossy().into_owned(),
            ));
        }
    }
    out.sort();
    out
}

fn repo_with_track() -> TestRepo {
    let repo = TestRepo::with_files(&[
        ("src/auth/login.rs", "fn login() {}\n"),
        ("web/app.ts", "app\n"),
    ]);
    repo.track(&["new", "auth", "--scope", "src/auth/**"]).ok();
    repo
}

/// Writes `blob` as the `track.toml` of a definition commit under `refs/tracks/<name>`,
/// as a hand-made or fetched ref could hold it.
fn plant_definition(repo: &TestRepo, name: &str, blob: &[u8]) {
    let path = repo.tmp.path().join("blob");
    std::fs::write(&path, blob).expect("blob");
    let id = repo.git(&["hash-object", "-w", path.to_str().expect("utf8")]);
    let tree_spec = repo.tmp.path().join("tree");
    std::fs::write(
        &tree_spec,
        format!("100644 blob {}\ttrack.toml\n", id.trim()),
    )
    .expect("tree");
    let out = repo
        .command("git", &repo.root)
        .args(["mktree"])
        .stdin(std::fs::File::open(&tree_spec).expect("spec"))
        .output()
        .expect("mktree");
    let tree = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let commit = repo.git(&["commit-tree", &tree, "-m", "planted"]);
    repo.git(&["update-ref", &format!("refs/tracks/{name}"), commit.trim()]);
}

const GOOD_DEFINITION: &str = r#"name = "bad"
kind = "feat"
status = "active"
branch = "track/bad"
scope = ["src/**"]
contracts = []
depends_on = []
created = "2026-01-01T12:00:00Z"
updated = "2026-01-01T12:00:00Z"

[base]
ref = "main"
commit = "0000000000000000000000000000000000000000"
"#;

/// Broken definitions: every field given a value of the wrong type, unknown fields,
/// huge lists, bytes that are not UTF-8, text that is not TOML.
fn broken_definitions() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let fields = [
        "name",
        "kind",
        "status",
        "branch",
        "scope",
        "contracts",
        "depends_on",
        "created",
        "updated",
        "owner",
        "description",
        "estimate",
        "worktree",
        "experiment",
    ];
    let wrong = [
        "3",
        "true",
        "1.5",
        "[1, 2]",
        "{ a = 1 }",
        "\"\"",
        "\"x\"",
        "[\"a\", 1]",
        "1979-05-27T07:32:00Z",
    ];
    for field in fields {
        for value in wrong {
            let mut text: Vec<String> = GOOD_DEFINITION
                .lines()
                .filter(|l| !l.starts_with(&format!("{field} =")))
                .map(str::to_owned)
                .collect();
            text.insert(1, format!("{field} = {value}"));
            out.push((format!("{field} = {value}"), text.join("\n").into_bytes()));
        }
    }
    for (what, text) in [
        ("unknown field", format!("{GOOD_DEFINITION}\nshiny = 1\n")),
        (
            "unknown table",
            format!("{GOOD_DEFINITION}\n[extra]\na = 1\n"),
        ),
        (
            "base as a string",
            GOOD_DEFINITION.replace(
                "[base]\nref = \"main\"\ncommit = \"0000000000000000000000000000000000000000\"",
                "base = \"main\"",
            ),
        ),
        (
            "no base",
            GOOD_DEFINITION
                .split("[base]")
                .next()
                .unwrap_or_default()
                .to_owned(),
        ),
        (
            "duplicate key",
            format!("name = \"bad\"\n{GOOD_DEFINITION}"),
        ),
        ("empty", String::new()),
        ("not TOML", "this is { not toml".to_owned()),
        ("JSON", "{\"name\": \"bad\"}".to_owned()),
        (
            "name of another track",
            GOOD_DEFINITION.replace("name = \"bad\"", "name = \"auth\""),
        ),
        (
            "invalid name",
            GOOD_DEFINITION.replace("name = \"bad\"", "name = \"a/../b\""),
        ),
        (
            "invalid branch",
            GOOD_DEFINITION.replace("branch = \"track/bad\"", "branch = \"a..b\""),
        ),
        (
            "unknown status",
            GOOD_DEFINITION.replace("\"active\"", "\"sleeping\""),
        ),
        (
            "unknown kind",
            GOOD_DEFINITION.replace("\"feat\"", "\"chore!\""),
        ),
        (
            "invalid glob",
            GOOD_DEFINITION.replace("[\"src/**\"]", "[\"src/[\"]"),
        ),
        (
            "bad date",
            GOOD_DEFINITION.replace("2026-01-01T12:00:00Z\"\nupdated", "yesterday\"\nupdated"),
        ),
        (
            "huge scope",
            GOOD_DEFINITION.replace(
                "[\"src/**\"]",
                &format!(
                    "[{}]",
                    (0..100_000)
                        .map(|i| format!("\"d{i}/**\""))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ),
        ),
        (
            "huge depends_on",
            GOOD_DEFINITION.replace(
                "depends_on = []",
                &format!(
                    "depends_on = [{}]",
                    (0..50_000)
                        .map(|i| format!("\"t{i}\""))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ),
        ),
        (
            "estimate = nan",
            GOOD_DEFINITION.replace("scope =", "estimate = nan\nscope ="),
        ),
        (
            "estimate = -inf",
            GOOD_DEFINITION.replace("scope =", "estimate = -inf\nscope ="),
        ),
        (
            "estimate = -2",
            GOOD_DEFINITION.replace("scope =", "estimate = -2.0\nscope ="),
        ),
        (
            "self dependency",
            GOOD_DEFINITION.replace("depends_on = []", "depends_on = [\"bad\"]"),
        ),
        (
            "deep nesting",
            format!(
                "{GOOD_DEFINITION}\nx = {}{}\n",
                "[".repeat(5000),
                "]".repeat(5000)
            ),
        ),
        (
            "long string",
            GOOD_DEFINITION.replace(
                "kind = \"feat\"",
                &format!("kind = \"feat\"\ndescription = \"{}\"", "x".repeat(1 << 20)),
            ),
        ),
    ] {
        out.push((what.to_owned(), text.into_bytes()));
    }
    let mut latin1 = GOOD_DEFINITION.as_bytes().to_vec();
    latin1.extend_from_slice(b"owner = \"J\xf6rg\"\n");
    out.push(("Latin-1 byte".into(), latin1));
    out.push(("NUL bytes".into(), b"name = \"bad\0\"\n".to_vec()));
    out.push(("lone continuation byte".into(), b"\x80\x80\x80".to_vec()));
    out.push((
        "BOM then text".into(),
        [b"\xef\xbb\xbf".as_slice(), GOOD_DEFINITION.as_bytes()].concat(),
    ));
    for cut in [1, 10, 40, 80, 120, 200] {
        out.push((
            format!("cut at {cut}"),
            GOOD_DEFINITION.as_bytes()[..cut.min(GOOD_DEFINITION.len() - 1)].to_vec(),
        ));
    }
    out
}

/// Through the binary, counted. Returns how many distinct bad inputs were tried.
fn definitions_in_refs() -> usize {
    let repo = repo_with_track();
    let mut n = 0;
    for (i, (what, blob)) in broken_definitions().into_iter().enumerate() {
        plant_definition(&repo, "bad", &blob);
        // Every input through list and show; the heavier readers on every 8th and the
        // huge ones.
        let heavy = i % 8 == 0 || what.starts_with("huge") || what.starts_with("long");
        let commands: &[&[&str]] = if heavy {
            &[
                &["list"],
                &["show", "bad"],
                &["status"],
                &["merge", "--dry-run"],
            ]
        } else {
            &[&["list"], &["show", "bad"]]
        };
        for args in commands {
            let out = repo.track(args);
            no_panic(&out, &format!("{what}: {args:?}"));
        }
        n += 1;
    }
    // The good track stays usable whatever sits beside it.
    repo.track(&["show", "auth"]).ok();
    repo.git(&["update-ref", "-d", "refs/tracks/bad"]);
    n
}

/// Hook payloads: every fixture cut short at many places, oversized, and JSON of
/// unexpected shapes.
fn hook_payloads() -> usize {
    let repo = repo_with_track();
    let wt = repo.worktree("auth");
    let before = repo.snapshot();
    let mut n = 0;
    let mut seen = std::collections::BTreeSet::new();
    for (agent, file) in fixtures() {
        let full = fixture(&agent, &file, &wt, "web/app.ts");
        let args = ["check", "--format", agent.as_str()];
        // Truncated: at 20 places, and the last few bytes (the closing brace).
        let cuts: Vec<usize> = (0..full.len())
            .step_by(full.len() / 20 + 1)
            .chain(full.len().saturating_sub(3)..full.len())
            .collect();
        for cut in cuts {
            let Some(text) = full.get(..cut) else {
                continue;
            };
            if serde_json::from_str::<serde_json::Value>(text).is_ok()
                || !seen.insert(text.to_owned())
            {
                continue;
            }
            refused(
                &repo,
                &wt,
                &args,
                text,
                &format!("{agent}/{file} cut at {cut}"),
            );
            n += 1;
        }
    }
    for agent in ["claude-code", "codex", "gemini", "cursor"] {
        let args = ["check", "--format", agent];
        let huge_path = "a/".repeat(1 << 20);
        for (what, text) in [
            ("null", "null".to_owned()),
            ("number", "42".to_owned()),
            ("string", "\"PreToolUse\"".to_owned()),
            ("array", "[1, 2, 3]".to_owned()),
            ("empty object", "{}".to_owned()),
            ("empty input", String::new()),
            ("whitespace", "  \n\t".to_owned()),
            ("binary", "\u{0}\u{1}\u{2}".to_owned()),
            ("tool_name number", r#"{"hook_event_name":"PreToolUse","tool_name":7,"tool_input":{}}"#.to_owned()),
            ("tool_input string", r#"{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":"x"}"#.to_owned()),
            ("file_path number", r#"{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"file_path":7}}"#.to_owned()),
            ("two documents", "{} {}".to_owned()),
            ("deep nesting", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
            ("oversized", format!(r#"{{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{{"file_path":"{huge_path}"}}}}"#)),
            ("oversized junk", "x".repeat(8 << 20)),
        ] {
            let out = repo.track_stdin(&wt, &args, &text);
            no_panic(&out, &format!("{agent}: {what}"));
            assert!(
                out.code != 0 || !out.stdout.is_empty() || what == "empty object",
                "{agent}: {what}: allowed silently"
            );
            n += 1;
        }
    }
    assert_eq!(repo.snapshot(), before, "a hook payload changed something");
    n
}

/// File names that trip up tools: spaces, newlines, leading dashes, unicode in two
/// normal forms, `..` inside names, symlinks pointing outside the worktree. Committed in
/// a track, then checked, compared and merged in a dry run; and named by agents' hooks.
fn hostile_paths() -> usize {
    let repo = repo_with_track();
    let wt = repo.worktree("auth");
    let names = [
        "src/auth/with space.rs",
        "src/auth/new\nline.rs",
        "src/auth/-leading-dash.rs",
        "src/auth/--help",
        "src/auth/caf\u{e9}.rs",
        "src/auth/cafe\u{301}.rs",
        "src/auth/a..b.rs",
        "src/auth/tab\there.rs",
        "src/auth/quote\"d.rs",
        "src/auth/back\\slash.rs",
        "src/auth/star*.rs",
        "src/auth/[bracket].rs",
        "src/auth/\u{202e}rtl.rs",
        "src/auth/\u{1f600}.rs",
        "web/outside space.ts",
    ];
    let mut n = 0;
    for name in names {
        common::write_file(&wt.join(name), "x\n");
        n += 1;
    }
    std::os::unix::fs::symlink("/etc/passwd", wt.join("src/auth/passwd-link")).expect("symlink");
    std::os::unix::fs::symlink("../../../outside", wt.join("src/auth/up-link")).expect("symlink");
    n += 2;
    repo.git_in(&wt, &["add", "-A"]);
    let staged = repo.track_in(&wt, &["check", "--staged"]);
    no_panic(&staged, "check --staged with hostile names");
    assert_eq!(
        staged.code, 1,
        "web/ is outside the scope: {}",
        staged.stderr
    );
    assert!(staged.stdout.contains("outside space"), "{}", staged.stdout);
    repo.git_in(&wt, &["commit", "-q", "-m", "hostile names"]);
    for args in [
        &["check", "auth"][..],
        &["status"][..],
        &["overlap", "--level", "files"][..],
        &["overlap", "--level", "conflicts"][..],
        &["merge", "--dry-run"][..],
        &["check", "--path", "src/auth/-leading-dash.rs"][..],
        &["check", "--path", "--", "--help"][..],
    ] {
        let out = repo.track_in(&wt, args);
        no_panic(&out, &format!("{args:?}"));
    }
    // Agents naming paths that leave the worktree: `..`, absolute, through a symlink.
    for (agent, file) in [
        ("claude-code", "pre-tool-use-write.json"),
        ("gemini", "before-tool-write-file.json"),
        ("cursor", "pre-tool-use-write.json"),
    ] {
        for path in [
            "src/auth/../../web/app.ts",
            "src/auth/./../../web/app.ts",
            "../auth/web/app.ts",
            "../../repo/web/app.ts",
            "/etc/passwd",
            "src/auth/up-link/x.rs",
            "src/auth/passwd-link",
        ] {
            let text = fixture(agent, file, &wt, path);
            let out = repo.track_stdin(&wt, &["check", "--format", agent], &text);
            no_panic(&out, &format!("{agent}: {path}"));
            // Inside this worktree but outside the scope, however it is spelt: refused.
            if path.contains("web/app.ts") && !path.starts_with("../..") {
                assert!(
                    !out.stdout.is_empty() || out.code != 0,
                    "{agent}: {path} allowed without a word"
                );
            }
            n += 1;
        }
    }
    n
}

/// Notes records that are not what git-track wrote.
fn broken_notes() -> usize {
    let repo = repo_with_track();
    let wt = repo.worktree("auth");
    common::write_file(&wt.join("src/auth/x.rs"), "x\n");
    repo.commit_all_in(&wt, "work");
    repo.track(&["merge", "--checkpoint", "--keep-active"]).ok();
    let checkpoint = repo.git(&["rev-parse", "integration"]).trim().to_owned();
    let good = repo.git(&["notes", "--ref=tracks", "show", &checkpoint]);
    let mut records: Vec<String> = vec![
        String::new(),
        "not toml at all {".into(),
        "version = \"one\"".into(),
        "version = 999".into(),
        good.replace("checkpoint = 1", "checkpoint = -1"),
        good.replace("checkpoint = 1", "checkpoint = \"1\""),
        good.replace("[[merged]]", "[merged]"),
        format!("{good}\nunknown = 1\n"),
        "\u{0}\u{1}".into(),
        "[".repeat(10_000),
    ];
    for cut in (0..good.len()).step_by(good.len() / 12 + 1) {
        records.push(good[..cut].to_owned());
    }
    let mut n = 0;
    for record in records {
        let path = repo.tmp.path().join("note");
        std::fs::write(&path, &record).expect("note");
        repo.git(&[
            "notes",
            "--ref=tracks",
            "add",
            "-f",
            "-F",
            path.to_str().expect("utf8"),
            &checkpoint,
        ]);
        for args in [
            &["checkpoints"][..],
            &["checkpoints", "--json"][..],
            &["status"][..],
        ] {
            let out = repo.track(args);
            no_panic(&out, &format!("note {:?}: {args:?}", record.get(..40)));
        }
        n += 1;
    }
    n
}

/// Refs fetched from a remote under names no track can have.
fn fetched_names() -> usize {
    let repo = repo_with_track();
    let base = repo.root.parent().expect("parent").to_owned();
    repo.git_in(&base, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
    let remote = base.join("remote.git");
    repo.git(&["remote", "add", "origin", remote.to_str().expect("utf8")]);
    repo.track(&["push"]).ok();
    let good = repo
        .git(&["rev-parse", "refs/tracks/auth"])
        .trim()
        .to_owned();
    let names = [
        "nested/name",
        "-dash",
        ".dot",
        "x.lock.d/y",
        "UPPER",
        "trailing.",
        "caf\u{e9}",
        &"n".repeat(250),
    ];
    let mut n = 0;
    for name in names {
        let set = repo.try_git_in(
            &remote,
            &["update-ref", &format!("refs/tracks/{name}"), &good],
        );
        if set.code != 0 {
            continue; // git itself refuses that ref name
        }
        let out = repo.track(&["fetch"]);
        no_panic(&out, &format!("fetch of refs/tracks/{name}"));
        repo.track(&["list"]).ok();
        n += 1;
    }
    n
}

#[test]
fn bad_inputs_are_refused_cleanly_and_counted() {
    let counts = [
        ("definitions in refs", definitions_in_refs()),
        ("hook payloads", hook_payloads()),
        ("file paths", hostile_paths()),
        ("notes records", broken_notes()),
        ("fetched ref names", fetched_names()),
    ];
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    for (what, n) in &counts {
        eprintln!("bad inputs: {n:4} {what}");
    }
    eprintln!("bad inputs: {total:4} in all, through the git-track binary");
    assert!(total >= 300, "only {total} bad inputs");
}

// ---- property tests of the parsers ----

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,20}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("PreToolUse"),
            Just("BeforeTool"),
            Just("preToolUse"),
            Just("Write"),
            Just("Edit"),
            Just("write_file"),
            Just("apply_patch"),
            Just("file_path"),
            Just("tool_input"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("hook_event_name".to_owned()),
                    Just("tool_name".to_owned()),
                    Just("tool_input".to_owned()),
                    Just("file_path".to_owned()),
                    Just("cwd".to_owned()),
                    Just("command".to_owned()),
                    ".{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

const AGENTS: &[&str] = &["claude-code", "codex", "gemini", "cursor"];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn track_names_never_panic_and_valid_ones_make_valid_refs(name in "\\PC{0,40}|[a-z.@{}/-]{0,12}") {
        if track::validate_name(&name).is_ok() {
            let full: Result<gix::refs::FullName, _> = format!("refs/tracks/{name}").as_str().try_into();
            prop_assert!(full.is_ok(), "valid name {name:?} is no ref");
            let branch: Result<gix::refs::FullName, _> = format!("refs/heads/track/{name}").as_str().try_into();
            prop_assert!(branch.is_ok(), "valid name {name:?} makes no branch");
        }
    }

    #[test]
    fn globs_never_panic(glob in "\\PC{0,30}|[!*?\\[\\]{},/a]{0,12}") {
        let _ = git_track::scope::parse_pattern(&glob);
        let _ = git_track::scope::validate(std::slice::from_ref(&glob));
    }

    #[test]
    fn definitions_never_panic(text in "\\PC{0,200}") {
        let _ = Track::from_toml(&text);
    }

    #[test]
    fn definitions_round_trip(
        name in "[a-z][a-z0-9_-]{0,20}",
        scope in prop::collection::vec("[a-z]{1,8}/\\*\\*", 0..5),
        owner in proptest::option::of("\\PC{1,20}"),
        description in proptest::option::of("\\PC{0,60}"),
        // A stored estimate is positive (`from_toml` refuses 0): 0 is not one to round-trip.
        estimate in proptest::option::of(1u32..1000),
    ) {
        let text = GOOD_DEFINITION.replace("name = \"bad\"", &format!("name = {name:?}"));
        let mut t = Track::from_toml(&text).expect("template parses");
        t.scope = scope;
        t.owner = owner;
        t.description = description;
        t.estimate = estimate.map(f64::from);
        let back = Track::from_toml(&t.to_toml().expect("serialises")).expect("parses back");
        prop_assert_eq!(back, t);
    }

    #[test]
    fn notes_records_never_panic(text in "\\PC{0,200}") {
        let _ = Record::from_toml(&text);
        let _ = Record::from_message(&text, None);
    }

    #[test]
    fn payloads_never_panic(value in arbitrary_json(), raw in "\\PC{0,80}") {
        for name in AGENTS {
            let p = agent::protocol(name).expect("protocol");
            let _ = p.read_request(&value.to_string());
            let _ = p.read_request(&raw);
        }
    }
}

#[test]
fn notes_records_round_trip() {
    let repo = repo_with_track();
    let wt = repo.worktree("auth");
    common::write_file(&wt.join("src/auth/x.rs"), "x\n");
    repo.commit_all_in(&wt, "work");
    repo.track(&["merge", "--checkpoint", "--keep-active"]).ok();
    let note = repo.git(&["notes", "--ref=tracks", "show", "integration"]);
    let record = Record::from_toml(&note).expect("the note parses");
    let again = Record::from_toml(&record.to_toml().expect("serialises")).expect("parses back");
    assert_eq!(again, record);
}
