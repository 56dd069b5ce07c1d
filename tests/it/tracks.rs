//! Tracks: creating, listing, showing, editing, removing, and the history of definitions.

use crate::common;
use common::TestRepo;

#[test]
fn new_creates_branch_worktree_and_definition() {
    let repo = TestRepo::new();
    let out = repo.track(&[
        "new",
        "auth-backend",
        "--scope",
        "src/auth/**",
        "--owner",
        "agent-1",
    ]);
    out.ok();
    let wt = repo.worktree("auth-backend");
    assert_eq!(out.stdout.trim(), wt.display().to_string());
    assert_eq!(
        repo.git_in(&wt, &["branch", "--show-current"]).trim(),
        "track/auth-backend"
    );
    let list = repo.track(&["list", "--json"]);
    let json = list.ok().json();
    let t = &json["tracks"][0];
    assert_eq!(t["name"], "auth-backend");
    assert_eq!(t["scope"][0], "src/auth/**");
    assert_eq!(t["owner"], "agent-1");
    assert_eq!(t["base"]["ref"], "main");
    assert_eq!(
        t["base"]["commit"].as_str().unwrap(),
        repo.git(&["rev-parse", "main"]).trim()
    );
    let log = repo.git(&["log", "--format=%s", "refs/tracks/auth-backend"]);
    assert_eq!(log.trim(), "track: create auth-backend");
    let toml = repo.git(&["show", "refs/tracks/auth-backend:track.toml"]);
    assert!(toml.contains("name = \"auth-backend\""), "{toml}");
}

#[test]
fn new_prints_the_path_so_cd_works_and_json_on_request() {
    let repo = TestRepo::new();
    let json = repo.track(&["new", "x", "--json"]).ok().json();
    assert_eq!(json["name"], "x");
    assert_eq!(json["ref"], "refs/tracks/x");
    assert_eq!(json["worktree"], repo.worktree("x").display().to_string());
}

#[test]
fn new_from_a_rev_starts_there_and_records_the_fork_point() {
    let repo = TestRepo::new();
    let first = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.write("b.txt", "b\n");
    repo.commit_all("second");
    repo.track(&["new", "old", "--from", &first, "--no-worktree"])
        .ok();
    assert_eq!(repo.git(&["rev-parse", "track/old"]).trim(), first);
    let json = repo.track(&["show", "old", "--json"]).ok().json();
    assert_eq!(json["base"]["commit"], first.as_str());
    assert!(json.get("worktree").is_none());
}

#[test]
fn new_from_a_rev_a_commit_graph_holds_starts_where_git_resolves_it() {
    let repo = TestRepo::new();
    let rev = |r: &str| repo.git(&["rev-parse", "--verify", r]).trim().to_owned();
    let first = rev("HEAD");
    repo.write("b.txt", "b\n");
    let second = repo.commit_all("second");
    repo.write("c.txt", "c\n");
    repo.commit_all("third");
    // git's rules: a tag before a branch of the same name, a full object id before a ref
    // named like it, an annotated tag peeled to its commit.
    repo.git(&["branch", "both", &first]);
    repo.git(&["tag", "both", &second]);
    repo.git(&["branch", &second, &first]);
    repo.git(&["tag", "-a", "-m", "v1", "annotated", "HEAD"]);
    // Packed, so that the commits are found in a pack index git wrote.
    repo.git(&["repack", "-a", "-d", "-q"]);
    repo.git(&["commit-graph", "write", "--reachable"]);
    let revs = [
        "both",
        &second,
        "annotated",
        "HEAD~1",
        &first[..12],
        "heads/both",
        "main",
    ];
    for (i, from) in revs.into_iter().enumerate() {
        let name = format!("t{i}");
        repo.track(&["new", &name, "--from", from, "--no-worktree"])
            .ok();
        assert_eq!(
            rev(&format!("track/{name}")),
            rev(&format!("{from}^{{commit}}")),
            "{from}"
        );
    }
    let tree = rev("HEAD^{tree}");
    repo.track(&["new", "tree", "--from", &tree, "--no-worktree"])
        .code(2)
        .stderr_has("does not resolve to a commit");
    assert!(
        repo.track(&["list"])
            .ok()
            .stdout
            .lines()
            .all(|l| !l.starts_with("tree"))
    );
}

#[test]
fn new_from_a_commit_pruned_since_the_commit_graph_was_written_is_refused() {
    let repo = TestRepo::new();
    repo.git(&["checkout", "-q", "-b", "gone"]);
    repo.write("g.txt", "g\n");
    let gone = repo.commit_all("to be pruned");
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["commit-graph", "write", "--reachable"]);
    repo.git(&["branch", "-D", "-q", "gone"]);
    repo.git(&["reflog", "expire", "--expire-unreachable=now", "--all"]);
    // Neither leaves the graph: it still names the commit.
    repo.git(&["repack", "-a", "-d", "-q"]);
    repo.git(&["prune", "--expire=now"]);
    assert_ne!(
        repo.try_git_in(&repo.root, &["cat-file", "-e", &gone]).code,
        0
    );
    repo.track(&["new", "t", "--from", &gone, "--no-worktree"])
        .code(2)
        .stderr_has("does not resolve to a commit");
    assert_ne!(
        repo.try_git_in(
            &repo.root,
            &["rev-parse", "--verify", "-q", "refs/tracks/t"]
        )
        .code,
        0
    );
}

#[test]
fn new_adopts_an_existing_branch() {
    let repo = TestRepo::new();
    repo.git(&["branch", "topic"]);
    repo.track(&["new", "topic", "--branch", "topic"]).ok();
    assert_eq!(
        repo.git_in(&repo.worktree("topic"), &["branch", "--show-current"])
            .trim(),
        "topic"
    );
    assert_eq!(
        repo.track(&["show", "topic", "--json"]).json()["branch"],
        "topic"
    );
}

#[test]
fn works_from_a_subdirectory_from_a_track_worktree_and_with_dash_c() {
    let repo = TestRepo::new();
    std::fs::create_dir_all(repo.path("sub/dir")).unwrap();
    repo.track_in(&repo.path("sub/dir"), &["new", "a", "--scope", "a/**"])
        .ok();
    let wt = repo.worktree("a");
    repo.track_in(&wt, &["new", "b"]).ok();
    let shown = repo.track_in(&wt, &["show", "--json"]).ok().json();
    assert_eq!(
        shown["name"], "a",
        "show without a name shows the current worktree's track"
    );
    let elsewhere = repo.tmp.path().to_owned();
    let listed = repo.track_in(&elsewhere, &["-C", repo.root.to_str().unwrap(), "list"]);
    listed.ok().stdout_has("a ").stdout_has("b ");
}

#[test]
fn show_without_a_name_outside_a_track_is_an_error() {
    let repo = TestRepo::new();
    repo.track(&["show"])
        .code(2)
        .stderr_has("error: this worktree does not belong to a track");
}

#[test]
fn definitions_are_loose_objects_git_reads_and_fsck_accepts() {
    let repo = TestRepo::new();
    repo.track(&["new", "x", "--no-worktree", "--scope", "src/**"])
        .ok();
    repo.track(&["edit", "x", "--owner", "someone"]).ok();
    // Each of the definition's objects is a file of its own, deflate-stored (see
    // src/loose.rs), and git reads them as any other.
    for rev in [
        "refs/tracks/x",
        "refs/tracks/x^{tree}",
        "refs/tracks/x:track.toml",
    ] {
        let id = repo.git(&["rev-parse", rev]).trim().to_owned();
        let (dir, file) = id.split_at(2);
        assert!(
            repo.path(".git/objects").join(dir).join(file).is_file(),
            "{rev}"
        );
    }
    let toml = repo.git(&["cat-file", "blob", "refs/tracks/x:track.toml"]);
    assert!(toml.contains("owner = \"someone\""), "{toml}");
    assert_eq!(
        repo.git(&["log", "--format=%s", "refs/tracks/x"]).trim(),
        "track: edit x: owner: none -> 'someone'\ntrack: create x"
    );
    repo.git(&["fsck", "--strict", "--no-dangling"]);
    // Repacked, they are read from the pack like everything else.
    repo.git(&["gc", "--quiet"]);
    repo.track(&["show", "x"]).ok().stdout_has("someone");
}

#[test]
fn definitions_are_logged_as_git_logs_refs_and_branches_always() {
    // A definition's history is its commits: like any ref outside branches, remotes and
    // notes, it gets a reflog only when `core.logAllRefUpdates` is `always`.
    let repo = TestRepo::new();
    repo.track(&["new", "x", "--no-worktree"]).ok();
    repo.track(&["edit", "x", "--owner", "someone"]).ok();
    let exists = |r: &str| repo.try_git_in(&repo.root, &["reflog", "exists", r]).code == 0;
    assert!(!exists("refs/tracks/x"));
    assert!(exists("refs/heads/track/x"));
    assert_eq!(
        repo.git(&["log", "--format=%s", "refs/tracks/x"]).trim(),
        "track: edit x: owner: none -> 'someone'\ntrack: create x"
    );
    repo.git(&["config", "core.logAllRefUpdates", "always"]);
    repo.track(&["new", "y", "--no-worktree"]).ok();
    repo.track(&["edit", "y", "--owner", "someone"]).ok();
    let log = repo.git(&["reflog", "show", "--format=%gs", "refs/tracks/y"]);
    assert_eq!(
        log.trim(),
        "track: edit y: owner: none -> 'someone'\ntrack: create y"
    );
    // Removed, a track leaves no reflog behind either way.
    repo.track(&["remove", "y"]).ok();
    assert!(!exists("refs/tracks/y"));
}

#[test]
fn edit_changes_fields_and_records_each_change() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree"]).ok();
    repo.track(&["new", "b", "--no-worktree", "--scope", "b/**"])
        .ok();
    repo.track(&[
        "edit",
        "b",
        "--add-scope",
        "docs/**",
        "--owner",
        "bob",
        "--kind",
        "fix",
        "--depends-on",
        "a",
    ])
    .ok();
    repo.track(&["edit", "b", "--status", "blocked", "--reason", "waiting"])
        .ok();
    let t = repo.track(&["show", "b", "--json"]).ok().json();
    assert_eq!(t["scope"], serde_json::json!(["b/**", "docs/**"]));
    assert_eq!(t["owner"], "bob");
    assert_eq!(t["kind"], "fix");
    assert_eq!(t["status"], "blocked");
    assert_eq!(t["depends_on"], serde_json::json!(["a"]));
    let log = repo.git(&["log", "--format=%s", "refs/tracks/b"]);
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(lines[0].contains("status: active -> blocked"), "{log}");
    assert!(
        lines[1].contains("scope: [b/**] -> [b/**, docs/**]"),
        "{log}"
    );
    assert!(lines[1].contains("owner: none -> 'bob'"), "{log}");
    let history = repo.track(&["log", "b", "--json"]).ok().json();
    assert_eq!(history["entries"].as_array().unwrap().len(), 3);
}

#[test]
fn edit_that_changes_nothing_makes_no_commit() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree", "--owner", "x"])
        .ok();
    repo.track(&["edit", "a", "--owner", "x"])
        .ok()
        .stderr_has("nothing changed");
    assert_eq!(
        repo.git(&["rev-list", "--count", "refs/tracks/a"]).trim(),
        "1"
    );
}

#[test]
fn remove_deletes_definition_and_worktree_but_keeps_the_branch() {
    let repo = TestRepo::new();
    repo.track(&["new", "a"]).ok();
    repo.track(&["remove", "a"]).ok();
    assert!(!repo.worktree("a").exists());
    assert!(
        repo.try_git_in(
            &repo.root,
            &["rev-parse", "--verify", "-q", "refs/tracks/a"]
        )
        .code
            != 0
    );
    repo.git(&["rev-parse", "--verify", "track/a"]);
    assert_eq!(
        repo.git(&["worktree", "list", "--porcelain"])
            .matches("worktree ")
            .count(),
        1
    );
}

#[test]
fn remove_with_delete_branch_deletes_a_merged_branch() {
    let repo = TestRepo::new();
    repo.track(&["new", "a"]).ok();
    repo.track(&["remove", "a", "--delete-branch"]).ok();
    assert!(
        repo.try_git_in(&repo.root, &["rev-parse", "--verify", "-q", "track/a"])
            .code
            != 0
    );
}

#[test]
fn remove_refuses_a_dirty_worktree_and_force_saves_the_work_first() {
    let repo = TestRepo::new();
    repo.track(&["new", "a"]).ok();
    let wt = repo.worktree("a");
    common::write_file(&wt.join("new-file.txt"), "untracked work\n");
    common::write_file(&wt.join("README.md"), "changed\n");
    let before = repo.snapshot();
    repo.track(&["remove", "a"])
        .code(2)
        .stderr_has("uncommitted or untracked changes")
        .stderr_has("hint:");
    assert_eq!(repo.snapshot(), before);
    assert!(wt.join("new-file.txt").exists());

    let out = repo.track(&["remove", "a", "--force"]);
    out.ok().stderr_has("refs/tracks-backup/a/");
    assert!(!wt.exists());
    let backup = repo.git(&["for-each-ref", "--format=%(refname)", "refs/tracks-backup/"]);
    let backup = backup.trim();
    assert!(
        backup.starts_with("refs/tracks-backup/a/worktree-"),
        "{backup}"
    );
    assert_eq!(
        repo.git(&["show", &format!("{backup}:new-file.txt")]),
        "untracked work\n"
    );
    assert_eq!(
        repo.git(&["show", &format!("{backup}:README.md")]),
        "changed\n"
    );
}

#[test]
fn remove_refuses_to_delete_an_unmerged_branch_without_force() {
    let repo = TestRepo::new();
    repo.track(&["new", "a"]).ok();
    let wt = repo.worktree("a");
    common::write_file(&wt.join("x.txt"), "x\n");
    let tip = repo.commit_all_in(&wt, "work");
    let before = repo.snapshot();
    repo.track(&["remove", "a", "--delete-branch"])
        .code(2)
        .stderr_has("merged into neither");
    assert_eq!(repo.snapshot(), before);
    repo.track(&["remove", "a", "--delete-branch", "--force"])
        .ok();
    let saved = repo.git(&[
        "for-each-ref",
        "--format=%(objectname)",
        "refs/tracks-backup/a/",
    ]);
    assert_eq!(saved.trim(), tip);
}

#[test]
fn log_without_a_name_shows_every_track() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree"]).ok();
    repo.track(&["new", "b", "--no-worktree"]).ok();
    let out = repo.track(&["log"]);
    out.ok()
        .stdout_has("track: create a")
        .stdout_has("track: create b");
}

#[test]
fn init_writes_defaults_once_and_keeps_what_is_set() {
    let repo = TestRepo::new();
    repo.track(&["init"]).ok();
    assert_eq!(
        repo.git(&["config", "track.integration"]).trim(),
        "integration"
    );
    assert_eq!(repo.git(&["config", "track.base"]).trim(), "main");
    let root = repo.git(&["config", "track.worktreeRoot"]);
    assert!(root.trim().ends_with("repo.tracks"), "{root}");
    repo.track(&["init", "--integration", "next"]).ok();
    repo.track(&["init"]).ok();
    assert_eq!(repo.git(&["config", "track.integration"]).trim(), "next");
    assert_eq!(
        repo.git(&["config", "--get-all", "track.integration"])
            .lines()
            .count(),
        1
    );
}

#[test]
fn worktree_root_from_config_is_used() {
    let repo = TestRepo::new();
    repo.track(&["init", "--worktree-root", "../elsewhere"])
        .ok();
    let out = repo.track(&["new", "a"]);
    let expected = repo.root.parent().unwrap().join("elsewhere").join("a");
    assert!(
        std::path::Path::new(out.ok().stdout.trim()).ends_with("elsewhere/a"),
        "{}",
        out.stdout
    );
    assert!(expected.join("README.md").exists());
}

#[test]
fn a_bare_repository_works_without_worktrees() {
    let repo = TestRepo::bare();
    let before = repo.snapshot();
    repo.track(&["new", "a"])
        .code(2)
        .stderr_has("bare repository")
        .stderr_has("--no-worktree");
    assert_eq!(repo.snapshot(), before);
    repo.track(&["new", "a", "--no-worktree", "--scope", "src/**"])
        .ok();
    repo.track(&["list"]).ok().stdout_has("a ");
}

#[test]
fn a_malformed_definition_is_reported_by_ref_and_the_others_still_list() {
    let repo = TestRepo::new();
    repo.track(&["new", "good", "--no-worktree"]).ok();
    // A definition commit whose track.toml is not valid TOML.
    let blob = repo
        .command("git", &repo.root)
        .args(["hash-object", "-w", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .unwrap()
                .write_all(b"name = [broken\n")
                .unwrap();
            String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
        })
        .unwrap();
    let tree = {
        let mut c = repo
            .command("git", &repo.root)
            .args(["mktree"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin
            .take()
            .unwrap()
            .write_all(format!("100644 blob {}\ttrack.toml\n", blob.trim()).as_bytes())
            .unwrap();
        String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
    };
    let commit = repo.git(&["commit-tree", tree.trim(), "-m", "broken"]);
    repo.git(&["update-ref", "refs/tracks/bad", commit.trim()]);

    let out = repo.track(&["list"]);
    out.ok()
        .stdout_has("good")
        .stderr_has("warning: refs/tracks/bad: malformed track.toml");
    let json = repo.track(&["list", "--json"]).json();
    assert_eq!(json["invalid"][0]["ref"], "refs/tracks/bad");
    repo.track(&["show", "bad"])
        .code(128)
        .stderr_has("refs/tracks/bad");
}

#[test]
fn works_with_no_identity_configured() {
    let repo = TestRepo::new();
    let out = repo
        .command(common::bin(), &repo.root)
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .args(["new", "a"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        repo.git(&["log", "-1", "--format=%cn", "refs/tracks/a"])
            .trim(),
        "git-track"
    );
}

#[test]
fn the_definitions_cache_follows_edits_and_survives_damage() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree", "--owner", "x"])
        .ok();
    repo.track(&["new", "b", "--no-worktree"]).ok();
    repo.track(&["list"]).ok();
    let cache = repo.path(".git/track/definitions-cache.json");
    assert!(cache.exists(), "listing keeps the definitions");

    // An edit makes a new definition commit: the listing shows it, not the cached text.
    repo.track(&["edit", "a", "--owner", "y"]).ok();
    let json = repo.track(&["list", "--json"]).ok().json();
    assert_eq!(json["tracks"][0]["owner"], "y");

    // Garbage, a valid file with definitions of the wrong shape, and one with another
    // track's definition, are all read past.
    std::fs::write(&cache, "not json").unwrap();
    let json = repo.track(&["list", "--json"]).ok().json();
    assert_eq!(json["tracks"].as_array().unwrap().len(), 2);
    let text = std::fs::read_to_string(&cache).unwrap();
    let good: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut file = good.clone();
    for (_, v) in file["tracks"].as_object_mut().unwrap() {
        *v = serde_json::Value::String("name = [broken".into());
    }
    std::fs::write(&cache, file.to_string()).unwrap();
    let out = repo.track(&["list", "--json"]);
    let json = out.ok().json();
    assert_eq!(json["invalid"], serde_json::json!([]), "{}", out.stderr);
    assert_eq!(json["tracks"][1]["name"], "b");
    let mut file = good;
    for (_, v) in file["tracks"].as_object_mut().unwrap() {
        v["name"] = serde_json::Value::String("someone-else".into());
    }
    std::fs::write(&cache, file.to_string()).unwrap();
    let out = repo.track(&["list", "--json"]);
    let json = out.ok().json();
    assert_eq!(json["invalid"], serde_json::json!([]), "{}", out.stderr);
    assert_eq!(json["tracks"][1]["name"], "b");

    // A removed track drops out of the cache.
    repo.track(&["remove", "b"]).ok();
    repo.track(&["list"]).ok();
    let text = std::fs::read_to_string(&cache).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(file["tracks"].as_object().unwrap().len(), 1);
}

#[test]
fn estimates_are_listed_and_cached_and_one_that_is_no_number_is_invalid() {
    let repo = TestRepo::new();
    repo.track(&["new", "a", "--no-worktree", "--estimate", "2.5"])
        .ok();
    // TOML has nan (JSON, the cache's format, has not): no estimate git-track writes.
    let toml = repo.git(&["show", "refs/tracks/a:track.toml"]);
    let odd = toml
        .replace("name = \"a\"", "name = \"odd\"")
        .replace("estimate = 2.5", "estimate = nan");
    assert!(odd.contains("estimate = nan"), "{odd}");
    let blob = repo.tmp.path().join("odd.toml");
    std::fs::write(&blob, &odd).unwrap();
    let id = repo.git(&["hash-object", "-w", blob.to_str().unwrap()]);
    let spec = repo.tmp.path().join("tree");
    std::fs::write(&spec, format!("100644 blob {}\ttrack.toml\n", id.trim())).unwrap();
    let tree = repo
        .command("git", &repo.root)
        .args(["mktree"])
        .stdin(std::fs::File::open(&spec).unwrap())
        .output()
        .unwrap();
    let tree = String::from_utf8_lossy(&tree.stdout).trim().to_owned();
    let commit = repo.git(&["commit-tree", &tree, "-m", "odd"]);
    repo.git(&["update-ref", "refs/tracks/odd", commit.trim()]);
    for _ in 0..2 {
        let json = repo.track(&["list", "--json"]).ok().json();
        assert_eq!(json["tracks"].as_array().unwrap().len(), 1);
        assert_eq!(json["tracks"][0]["estimate"], 2.5);
        assert_eq!(json["invalid"][0]["ref"], "refs/tracks/odd");
        let error = json["invalid"][0]["error"].as_str().unwrap();
        assert!(error.contains("estimate = NaN"), "{error}");
    }
    repo.track(&["show", "a", "--json"]).ok();
    let cache = repo.path(".git/track/definitions-cache.json");
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cache).unwrap()).unwrap();
    let kept: Vec<_> = file["tracks"].as_object().unwrap().values().collect();
    assert_eq!(kept.len(), 1, "{file}");
    assert_eq!(kept[0]["estimate"], 2.5);
}

/// The identities and dates git stamps a commit with (`git var`), under `env`: name,
/// email and the date's offset exactly; the seconds exactly too when `exact_time`.
/// Environment variables set (`Some`) or removed (`None`) for one case.
type Env<'a> = &'a [(&'a str, Option<&'a str>)];

fn assert_stamped_like_git(repo: &TestRepo, name: &str, env: Env<'_>, exact_time: bool) {
    let with_env = |program: &std::path::Path| {
        let mut cmd = repo.command(program, &repo.root);
        for (key, value) in env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd
    };
    common::Out::from(
        with_env(&common::bin())
            .args(["new", name, "--no-worktree"])
            .output()
            .unwrap(),
    )
    .ok();
    let git_var = |var: &str| {
        let out = with_env(std::path::Path::new("git"))
            .args(["var", var])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let reflog =
        std::fs::read_to_string(repo.path(&format!(".git/logs/refs/heads/track/{name}"))).unwrap();
    let reflog_ident = reflog
        .lines()
        .last()
        .unwrap()
        .splitn(3, ' ')
        .nth(2)
        .unwrap();
    let reflog_ident = &reflog_ident[..reflog_ident.find('\t').unwrap()];
    // %an <%ae> %ad for the author, %c... for the committer.
    let logged = |who: char| {
        repo.git(&[
            "log",
            "-1",
            &format!("--format=%{who}n <%{who}e> %{who}d"),
            "--date=raw",
            &format!("refs/tracks/{name}"),
        ])
    };
    let stamped = [
        ("GIT_AUTHOR_IDENT", logged('a')),
        ("GIT_COMMITTER_IDENT", logged('c')),
        ("GIT_COMMITTER_IDENT", reflog_ident.to_owned()),
    ];
    for (var, ours) in stamped {
        let (ours, git) = (ours.trim().to_owned(), git_var(var));
        // "Name <email> seconds offset"
        let split = |s: &str| {
            let mut parts = s.rsplitn(3, ' ');
            let offset = parts.next().unwrap_or_default().to_owned();
            let seconds: i64 = parts.next().unwrap_or_default().parse().unwrap_or(-1);
            (parts.next().unwrap_or_default().to_owned(), seconds, offset)
        };
        let ((who, secs, off), (git_who, git_secs, git_off)) = (split(&ours), split(&git));
        assert_eq!(
            (&who, &off),
            (&git_who, &git_off),
            "{var} under {env:?}: {ours} against git's {git}"
        );
        if exact_time {
            assert_eq!(secs, git_secs, "{var} under {env:?}");
        } else {
            assert!(
                (secs - git_secs).abs() < 60,
                "{var} under {env:?}: {ours} against git's {git}"
            );
        }
    }
}

#[test]
fn definitions_and_reflogs_are_stamped_with_the_identity_and_date_git_uses() {
    let repo = TestRepo::new();
    repo.git(&["config", "user.name", "Configured User"]);
    repo.git(&["config", "user.email", "user@example.com"]);
    let fixed_dates: [(&str, Env<'_>); 4] = [
        // The test environment's identity and fixed dates.
        ("fixed", &[]),
        // Dates in other formats git accepts, each with its own offset.
        (
            "formats",
            &[
                ("GIT_COMMITTER_DATE", Some("2005-04-07T22:13:13+02:00")),
                ("GIT_AUTHOR_DATE", Some("Thu, 7 Apr 2005 22:13:13 -0700")),
            ],
        ),
        (
            "raw",
            &[
                ("GIT_COMMITTER_DATE", Some("@1112911993 +0530")),
                ("GIT_AUTHOR_DATE", Some("1112911993 -1000")),
            ],
        ),
        // No committer in the environment: the configured user; the author's variables stay.
        (
            "configured",
            &[("GIT_COMMITTER_NAME", None), ("GIT_COMMITTER_EMAIL", None)],
        ),
    ];
    for (name, env) in fixed_dates {
        assert_stamped_like_git(&repo, name, env, true);
    }
    // The current time, in the machine's own zone (`/etc/localtime`, no `TZ`) and in
    // zones `TZ` names, on either side of UTC.
    let now = [("GIT_COMMITTER_DATE", None), ("GIT_AUTHOR_DATE", None)];
    assert_stamped_like_git(&repo, "local", &[now[0], now[1], ("TZ", None)], false);
    for (i, zone) in ["America/New_York", "Asia/Kolkata", "EST5EDT,M3.2.0,M11.1.0"]
        .iter()
        .enumerate()
    {
        if zone.contains('/')
            && !std::path::Path::new("/usr/share/zoneinfo")
                .join(zone)
                .exists()
        {
            continue;
        }
        assert_stamped_like_git(
            &repo,
            &format!("zone-{i}"),
            &[now[0], now[1], ("TZ", Some(zone))],
            false,
        );
    }
}
