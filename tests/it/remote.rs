//! Tracks shared through a remote: a bare repository and three clones acting as three
//! machines, over the local transport and over git's own network protocol (a `git
//! daemon` on 127.0.0.1 that each test starts and stops itself).

use crate::common::{self, Out, TestRepo};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

/// A bare remote and clones of it, each a machine.
struct Net {
    remote: TestRepo,
    url: String,
    machines: Vec<PathBuf>,
    /// Kept for its drop, which stops the daemon.
    _daemon: Option<Daemon>,
}

/// `git daemon` serving the remote's folder on a free loopback port; stopped on drop.
struct Daemon {
    child: Child,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy)]
enum Transport {
    File,
    Daemon,
}

impl Net {
    fn new(transport: Transport, machines: usize) -> Net {
        let remote = TestRepo::bare();
        let base = remote.root.parent().expect("parent").to_owned();
        let (url, daemon) = match transport {
            Transport::File => (remote.root.display().to_string(), None),
            Transport::Daemon => {
                let (port, daemon) = start_daemon(&remote, &base);
                (format!("git://127.0.0.1:{port}/repo.git"), Some(daemon))
            }
        };
        let mut net = Net {
            remote,
            url,
            machines: Vec::new(),
            _daemon: daemon,
        };
        for i in 1..=machines {
            let dir = base.join(format!("m{i}"));
            net.remote.git_in(
                &base,
                &["clone", "-q", &net.url, dir.to_str().expect("utf8")],
            );
            net.machines.push(dir);
        }
        net
    }

    fn m(&self, i: usize) -> &Path {
        &self.machines[i - 1]
    }

    fn track(&self, i: usize, args: &[&str]) -> Out {
        self.remote.track_in(self.m(i), args)
    }

    fn git(&self, i: usize, args: &[&str]) -> String {
        self.remote.git_in(self.m(i), args)
    }

    /// `git log` of a definition in the remote itself.
    fn remote_log(&self, track: &str) -> String {
        self.remote
            .git(&["log", "--format=%B", &format!("refs/tracks/{track}")])
    }

    fn show(&self, i: usize, track: &str) -> serde_json::Value {
        self.track(i, &["show", track, "--json"]).ok().json()
    }

    fn definition(&self, i: usize, track: &str) -> String {
        self.git(i, &["rev-parse", &format!("refs/tracks/{track}")])
            .trim()
            .to_owned()
    }
}

fn start_daemon(remote: &TestRepo, base: &Path) -> (u16, Daemon) {
    // A free port: bind, read it, release; a port taken meanwhile fails the start and
    // the loop tries another.
    for _ in 0..5 {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = remote
            .command("git", base)
            .args([
                "daemon",
                "--reuseaddr",
                "--export-all",
                "--enable=receive-pack",
                "--listen=127.0.0.1",
                &format!("--port={port}"),
                "--timeout=120",
                "--init-timeout=30",
                &format!("--base-path={}", base.display()),
                base.to_str().expect("utf8"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start git daemon");
        let mut daemon = Daemon { child };
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (port, daemon);
            }
            if let Ok(Some(_)) = daemon.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        drop(daemon);
    }
    panic!("git daemon did not start");
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn action(out: &Out, track: &str) -> String {
    out.json()["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .find(|t| t["name"] == track)
        .map(|t| t["action"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_else(|| panic!("no {track} in {}", out.stdout))
}

// ---------------------------------------------------------------------------------------
// The scenarios, each run over both transports.

fn create_edit_push_fetch_in_every_order(t: Transport) {
    let net = Net::new(t, 3);
    net.track(
        1,
        &["new", "auth", "--no-worktree", "--scope", "src/auth/**"],
    )
    .ok();
    // Fetch before anything was pushed: nothing there yet.
    assert!(
        net.track(2, &["fetch", "--json"]).ok().json()["tracks"]
            .as_array()
            .expect("tracks")
            .is_empty()
    );
    assert_eq!(
        action(net.track(1, &["push", "--json"]).ok(), "auth"),
        "local-only"
    );
    assert_eq!(
        action(net.track(2, &["fetch", "--json"]).ok(), "auth"),
        "created"
    );
    // Machine 3 pushes (nothing of its own) before it ever fetched: a push fetches first.
    net.track(3, &["push"]).ok();
    assert_eq!(
        net.show(3, "auth")["scope"],
        serde_json::json!(["src/auth/**"])
    );

    net.track(2, &["edit", "auth", "--owner", "two"]).ok();
    net.track(2, &["push"]).ok();
    assert_eq!(
        action(net.track(1, &["fetch", "--json"]).ok(), "auth"),
        "fast-forward"
    );
    // Machine 3 edits on a stale definition and pushes: reconciled, then pushed.
    net.track(3, &["edit", "auth", "--description", "from three"])
        .ok();
    let pushed = net.track(3, &["push", "--json"]);
    assert_eq!(action(pushed.ok(), "auth"), "merged");
    // Machine 1 pushes with nothing new, then fetches.
    net.track(1, &["push"]).ok();
    net.track(1, &["fetch"]).ok();
    net.track(2, &["fetch"]).ok();
    for i in 1..=3 {
        let d = net.show(i, "auth");
        assert_eq!(d["owner"], "two", "machine {i}");
        assert_eq!(d["description"], "from three", "machine {i}");
    }
    assert_eq!(net.definition(1, "auth"), net.definition(2, "auth"));
    assert_eq!(net.definition(2, "auth"), net.definition(3, "auth"));
    let log = net.remote_log("auth");
    assert!(log.contains("owner: none -> 'two'"), "{log}");
    assert!(log.contains("description: none -> 'from three'"), "{log}");
}

#[test]
fn create_edit_push_fetch_in_every_order_over_file() {
    create_edit_push_fetch_in_every_order(Transport::File);
}

#[test]
fn create_edit_push_fetch_in_every_order_over_git_daemon() {
    create_edit_push_fetch_in_every_order(Transport::Daemon);
}

fn divergent_edits_of_different_fields_merge(t: Transport) {
    let net = Net::new(t, 2);
    net.track(1, &["new", "ui", "--no-worktree", "--scope", "ui/**"])
        .ok();
    net.track(1, &["push"]).ok();
    net.track(2, &["fetch"]).ok();
    net.track(
        1,
        &["edit", "ui", "--owner", "alice", "--add-scope", "x/**"],
    )
    .ok();
    net.track(
        2,
        &[
            "edit",
            "ui",
            "--kind",
            "fix",
            "--add-scope",
            "y/**",
            "--remove-scope",
            "ui/**",
        ],
    )
    .ok();
    net.track(1, &["push"]).ok();
    let out = net.track(2, &["push", "--json"]);
    out.ok();
    let ui = &out.json()["tracks"][0];
    assert_eq!(ui["action"], "merged");
    assert_eq!(strings(&ui["from_remote"]), vec!["owner", "scope"]);
    net.track(1, &["fetch"]).ok();
    for i in 1..=2 {
        let d = net.show(i, "ui");
        assert_eq!(d["owner"], "alice");
        assert_eq!(d["kind"], "fix");
        assert_eq!(strings(&d["scope"]), vec!["y/**", "x/**"], "machine {i}");
    }
    // The merge is a merge commit: both histories are in the definition's log.
    let parents = net.git(1, &["rev-list", "--parents", "-n1", "refs/tracks/ui"]);
    assert_eq!(parents.split_whitespace().count(), 3, "{parents}");
}

#[test]
fn divergent_edits_of_different_fields_merge_over_file() {
    divergent_edits_of_different_fields_merge(Transport::File);
}

#[test]
fn divergent_edits_of_different_fields_merge_over_git_daemon() {
    divergent_edits_of_different_fields_merge(Transport::Daemon);
}

fn same_field_two_ways_is_reported_and_neither_is_lost(t: Transport) {
    let net = Net::new(t, 2);
    net.track(1, &["new", "api", "--no-worktree"]).ok();
    net.track(1, &["push"]).ok();
    net.track(2, &["fetch"]).ok();
    net.track(1, &["edit", "api", "--status", "blocked"]).ok();
    net.track(2, &["edit", "api", "--status", "done"]).ok();
    net.track(1, &["push"]).ok();
    let out = net.track(2, &["push"]);
    out.code(1)
        .stdout_has(
            "conflict in 'api': status: kept 'done' (here); origin had 'blocked'; was 'active'",
        )
        .stderr_has("git track edit");
    let json = net.track(2, &["fetch", "--json"]);
    // Reported once, at the merge; the merge commit keeps both values.
    json.ok();
    assert_eq!(net.show(2, "api")["status"], "done");
    let log = net.remote_log("api");
    assert!(log.contains("status: active -> blocked"), "{log}");
    assert!(log.contains("status: active -> done"), "{log}");
    assert!(
        log.contains("Conflict: status: kept 'done' (here); origin had 'blocked'; was 'active'"),
        "{log}"
    );
    // Machine 1 learns of it by fast-forward, with the conflict in the history.
    assert_eq!(
        action(net.track(1, &["fetch", "--json"]).ok(), "api"),
        "fast-forward"
    );
}

#[test]
fn same_field_two_ways_is_reported_and_neither_is_lost_over_file() {
    same_field_two_ways_is_reported_and_neither_is_lost(Transport::File);
}

#[test]
fn same_field_two_ways_is_reported_and_neither_is_lost_over_git_daemon() {
    same_field_two_ways_is_reported_and_neither_is_lost(Transport::Daemon);
}

#[test]
fn same_field_conflict_json_has_both_values() {
    let net = Net::new(Transport::File, 2);
    net.track(1, &["new", "api", "--no-worktree"]).ok();
    net.track(1, &["push"]).ok();
    net.track(2, &["fetch"]).ok();
    net.track(1, &["edit", "api", "--owner", "one"]).ok();
    net.track(2, &["edit", "api", "--owner", "two"]).ok();
    net.track(1, &["push"]).ok();
    let out = net.track(2, &["fetch", "--json"]);
    out.code(1);
    let c = &out.json()["tracks"][0]["conflicts"][0];
    assert_eq!(c["field"], "owner");
    assert_eq!(c["local"], "two");
    assert_eq!(c["remote"], "one");
    assert_eq!(c["base"], serde_json::Value::Null);
}

fn remove_against_edit_is_reported_both_ways(t: Transport) {
    let net = Net::new(t, 2);
    for name in ["gone-there", "gone-here", "plain"] {
        net.track(1, &["new", name, "--no-worktree"]).ok();
    }
    net.track(1, &["push"]).ok();
    net.track(2, &["fetch"]).ok();
    // Removed on 1, edited on 2; removed on 2, edited on 1; removed on 1 only.
    net.track(1, &["remove", "gone-there"]).ok();
    net.track(2, &["edit", "gone-there", "--owner", "two"]).ok();
    net.track(2, &["remove", "gone-here"]).ok();
    net.track(1, &["edit", "gone-here", "--owner", "one"]).ok();
    net.track(1, &["remove", "plain"]).ok();
    net.track(1, &["push"]).ok();
    let out = net.track(2, &["push", "--json"]);
    out.code(1);
    assert_eq!(action(&out, "gone-there"), "removed-there-edited-here");
    assert_eq!(action(&out, "gone-here"), "removed-here-edited-there");
    assert_eq!(action(&out, "plain"), "removed");
    let text = net.track(2, &["fetch"]);
    text.code(1)
        .stdout_has("CONFLICT: removed on origin, edited here")
        .stdout_has("CONFLICT: removed here, edited on origin")
        .stderr_has("git track push origin gone-there");
    // Held: neither silently dropped nor resurrected, on either side.
    assert_eq!(net.show(2, "gone-there")["owner"], "two");
    net.remote
        .git(&["rev-parse", "--verify", "refs/tracks/gone-here"]);
    assert_eq!(
        net.remote
            .try_git_in(
                &net.remote.root,
                &["rev-parse", "--verify", "-q", "refs/tracks/gone-there"]
            )
            .code,
        1
    );
    // The removal of an untouched track arrived, and what it held is kept in a backup.
    let backups = net.git(
        2,
        &[
            "for-each-ref",
            "--format=%(refname)",
            "refs/tracks-backup/plain/",
        ],
    );
    assert_eq!(backups.lines().count(), 1, "{backups}");
    // Deciding: machine 2 keeps its edit by naming the track; the other stays held.
    net.track(2, &["push", "origin", "gone-there"])
        .code(1)
        .stdout_has("gone-there  recreated on origin");
    net.remote
        .git(&["rev-parse", "--verify", "refs/tracks/gone-there"]);
}

#[test]
fn remove_against_edit_is_reported_both_ways_over_file() {
    remove_against_edit_is_reported_both_ways(Transport::File);
}

#[test]
fn remove_against_edit_is_reported_both_ways_over_git_daemon() {
    remove_against_edit_is_reported_both_ways(Transport::Daemon);
}

/// 3 machines × 8 processes, each adding its own scope glob to the same two tracks and
/// pushing, all at once: every edit ends up in the remote's history and definition.
fn concurrent_pushes_lose_no_edit(t: Transport) {
    let net = Net::new(t, 3);
    net.track(1, &["new", "shared", "--no-worktree"]).ok();
    net.track(1, &["new", "other", "--no-worktree"]).ok();
    net.track(1, &["push"]).ok();
    for i in 2..=3 {
        net.track(i, &["fetch"]).ok();
    }
    let mut children = Vec::new();
    for m in 1..=3 {
        for p in 0..8 {
            let glob = format!("m{m}p{p}/**");
            let track = if p % 2 == 0 { "shared" } else { "other" };
            let script =
                format!("git-track edit {track} --add-scope '{glob}' && git-track push --json");
            let child = net
                .remote
                .command("sh", net.m(m))
                .args(["-c", &script])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            children.push((track, glob, child));
        }
    }
    for (track, glob, child) in children {
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success(),
            "{track} {glob}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let log = net.remote_log(track);
        assert!(
            log.contains(&glob),
            "{glob} not in the remote's log of {track}"
        );
    }
    net.track(1, &["fetch"]).ok();
    for (track, parity) in [("shared", 0), ("other", 1)] {
        let mut scope = strings(&net.show(1, track)["scope"]);
        scope.sort();
        let mut expected: Vec<String> = (1..=3)
            .flat_map(|m| {
                (0..8)
                    .filter(move |p| p % 2 == parity)
                    .map(move |p| format!("m{m}p{p}/**"))
            })
            .collect();
        expected.sort();
        assert_eq!(scope, expected, "{track}");
    }
}

#[test]
fn concurrent_pushes_from_three_machines_lose_no_edit_over_file() {
    concurrent_pushes_lose_no_edit(Transport::File);
}

#[test]
fn concurrent_pushes_from_three_machines_lose_no_edit_over_git_daemon() {
    concurrent_pushes_lose_no_edit(Transport::Daemon);
}

#[test]
fn malformed_and_misnamed_remote_definitions_are_skipped_by_ref_name() {
    let net = Net::new(Transport::File, 1);
    net.track(1, &["new", "good", "--no-worktree"]).ok();
    net.track(1, &["push"]).ok();
    let good = net.definition(1, "good");
    // A hostile remote: a definition that does not parse, on top of the good one; one
    // under a name that is no track name; one whose file names another track.
    let r = &net.remote;
    let blob = |text: &str| {
        let path = r.root.join("blob.txt");
        std::fs::write(&path, text).expect("write");
        r.git(&["hash-object", "-w", path.to_str().expect("utf8")])
            .trim()
            .to_owned()
    };
    let commit = |text: &str, parent: Option<&str>| {
        let b = blob(text);
        let tree = {
            let mut cmd = r.command("git", &r.root);
            cmd.args(["mktree"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped());
            let mut child = cmd.spawn().expect("mktree");
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(format!("100644 blob {b}\ttrack.toml\n").as_bytes())
                .expect("write");
            String::from_utf8(child.wait_with_output().expect("wait").stdout)
                .expect("utf8")
                .trim()
                .to_owned()
        };
        let mut args = vec!["commit-tree", tree.as_str(), "-m", "hostile"];
        if let Some(p) = parent {
            args.extend(["-p", p]);
        }
        r.git(&args).trim().to_owned()
    };
    let broken = commit("name = \"good\"\nthis is not toml [[[", Some(&good));
    r.git(&["update-ref", "refs/tracks/good", &broken]);
    let misnamed = commit(
        &net.git(1, &["show", "refs/tracks/good:track.toml"])
            .replace("\"good\"", "\"a/b\""),
        None,
    );
    r.git(&["update-ref", "refs/tracks/a/b", &misnamed]);
    let other = commit(&net.git(1, &["show", &format!("{good}:track.toml")]), None);
    r.git(&["update-ref", "refs/tracks/impostor", &other]);

    let out = net.track(1, &["fetch"]);
    out.ok()
        .stderr_has("skipped refs/track-remotes/origin/good")
        .stderr_has("skipped refs/track-remotes/origin/a/b")
        .stderr_has("skipped refs/track-remotes/origin/impostor");
    assert_eq!(net.definition(1, "good"), good, "good local state stays");
    let listed = net.track(1, &["list", "--json"]).ok().json();
    assert_eq!(listed["tracks"].as_array().expect("tracks").len(), 1);
    // A push does not push over the broken definition either: it waits for a person.
    net.track(1, &["edit", "good", "--owner", "me"]).ok();
    let pushed = net.track(1, &["push"]);
    pushed.stderr_has("skipped refs/track-remotes/origin/good");
    assert_eq!(r.git(&["rev-parse", "refs/tracks/good"]).trim(), broken);
}

#[test]
fn notes_from_two_machines_are_united() {
    let net = Net::new(Transport::File, 2);
    let head = net.git(1, &["rev-parse", "HEAD"]).trim().to_owned();
    let c1 = {
        net.git(1, &["commit", "-q", "--allow-empty", "-m", "one"]);
        net.git(1, &["push", "-q", "origin", "HEAD:refs/heads/one"]);
        net.git(1, &["rev-parse", "HEAD"]).trim().to_owned()
    };
    net.git(
        1,
        &["notes", "--ref=tracks", "add", "-m", "record one", &c1],
    );
    net.git(
        2,
        &["notes", "--ref=tracks", "add", "-m", "record base", &head],
    );
    net.track(1, &["push"]).ok();
    let out = net.track(2, &["push", "--json"]);
    assert_eq!(out.ok().json()["notes"], "merged");
    net.track(1, &["fetch"]).ok();
    for i in 1..=2 {
        net.git(i, &["fetch", "-q", "origin"]);
        let notes = net.git(i, &["notes", "--ref=tracks", "list"]);
        assert_eq!(notes.lines().count(), 2, "machine {i}: {notes}");
    }
    assert_eq!(
        net.git(1, &["notes", "--ref=tracks", "show", &head]).trim(),
        "record base"
    );
}

#[test]
fn attach_checks_out_a_track_defined_on_another_machine() {
    let net = Net::new(Transport::File, 2);
    let wt = net
        .track(1, &["new", "feature", "--scope", "f/**"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    common::write_file(&Path::new(&wt).join("f/a.txt"), "a\n");
    net.remote.commit_all_in(Path::new(&wt), "work");
    net.track(1, &["push", "--with-branches"]).ok();
    // Machine 2 never fetched: attach says how to get the definition.
    net.track(2, &["attach", "feature"])
        .code(2)
        .stderr_has("git track fetch");
    net.track(2, &["fetch"]).ok();
    let out = net.track(2, &["attach", "feature", "--json"]);
    let json = out.ok().json();
    assert_eq!(
        json["branch_from"],
        "origin/feature".replace("feature", "track/feature")
    );
    let path = PathBuf::from(json["worktree"].as_str().expect("path"));
    assert!(path.starts_with(net.m(2).parent().expect("parent").join("m2.tracks")));
    assert_eq!(
        std::fs::read_to_string(path.join("f/a.txt")).expect("file"),
        "a\n"
    );
    // Never a path from the fetched definition, which names machine 1's folder.
    assert!(!path.starts_with(net.m(1)));
    assert_eq!(
        net.show(2, "feature")["worktree"],
        path.display().to_string()
    );
    net.track(2, &["attach", "feature"])
        .code(2)
        .stderr_has("already has a worktree");
}

#[test]
fn status_and_overlap_see_a_remote_branch_ahead_and_say_so() {
    let net = Net::new(Transport::File, 2);
    let wt = net
        .track(1, &["new", "feature"])
        .ok()
        .stdout
        .trim()
        .to_owned();
    net.track(1, &["push", "--with-branches"]).ok();
    net.track(2, &["fetch"]).ok();
    net.track(2, &["attach", "feature"]).ok();
    common::write_file(&Path::new(&wt).join("new.txt"), "x\n");
    net.remote.commit_all_in(Path::new(&wt), "more work");
    net.track(1, &["push", "--with-branches"]).ok();
    net.track(2, &["fetch"]).ok();
    let status = net.track(2, &["status", "--json"]).ok().json();
    let t = &status["tracks"][0];
    assert_eq!(t["tip_from"], "origin/track/feature");
    assert_eq!(t["ahead"], 1);
    net.track(2, &["status"])
        .ok()
        .stdout_has("track/feature (at origin/track/feature)");
    let overlap = net.track(2, &["overlap", "--json"]).ok().json();
    assert_eq!(overlap["tracks"][0]["tip_from"], "origin/track/feature");
}

#[test]
fn init_remote_makes_plain_git_fetch_bring_definitions() {
    let net = Net::new(Transport::File, 2);
    net.track(1, &["new", "t", "--no-worktree"]).ok();
    net.track(1, &["push"]).ok();
    let before = net.git(2, &["config", "--get-all", "remote.origin.fetch"]);
    net.track(2, &["init"]).ok();
    assert_eq!(
        net.git(2, &["config", "--get-all", "remote.origin.fetch"]),
        before
    );
    net.track(2, &["init", "--remote", "origin"]).ok();
    net.track(2, &["init", "--remote", "origin"]).ok();
    let after = net.git(2, &["config", "--get-all", "remote.origin.fetch"]);
    assert_eq!(after.lines().count(), 3, "added once:\n{after}");
    net.git(2, &["fetch", "-q"]);
    net.git(2, &["rev-parse", "--verify", "refs/track-remotes/origin/t"]);
    // The definition appears when git-track reconciles.
    assert_eq!(
        action(net.track(2, &["fetch", "--json"]).ok(), "t"),
        "created"
    );
    net.track(2, &["init", "--remote", "nowhere"])
        .code(2)
        .stderr_has("no remote named 'nowhere'");
}

#[test]
fn merge_push_from_two_machines_at_once_one_wins_the_other_refuses() {
    let net = Net::new(Transport::File, 2);
    for (i, name) in [(1, "a"), (2, "b")] {
        let wt = net.track(i, &["new", name]).ok().stdout.trim().to_owned();
        common::write_file(&Path::new(&wt).join(format!("{name}.txt")), "x\n");
        net.remote.commit_all_in(Path::new(&wt), name);
    }
    // Machine 2 merges and, inside its run (after fetching the remote's integration
    // branch), waits until machine 1 has pushed: the two runs overlap for certain.
    let marker = net.m(2).parent().expect("parent").join("m2-merging");
    let wait = format!(
        "touch '{}'; i=0; while [ $i -lt 400 ] && ! git ls-remote --exit-code origin refs/heads/integration >/dev/null; do sleep 0.05; i=$((i+1)); done",
        marker.display()
    );
    let m2 = net
        .remote
        .command(common::bin(), net.m(2))
        .args(["merge", "b", "--push", "--exec", &wait])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    for _ in 0..400 {
        if marker.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert!(marker.exists(), "machine 2 never reached its gate");
    let m1 = net.track(1, &["merge", "a", "--push", "--checkpoint"]);
    m1.ok().stdout_has("pushed 'integration' to origin");
    let out = m2.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("moved on 'origin'"), "{stderr}");
    assert!(
        stderr.contains("hint: your merges are kept in 'integration' here"),
        "{stderr}"
    );
    // Machine 1's merge is on the remote; machine 2's is kept locally.
    let remote_log = net.remote.git(&["log", "--format=%s", "integration"]);
    assert!(remote_log.contains("Merge track 'a'"), "{remote_log}");
    assert!(!remote_log.contains("Merge track 'b'"), "{remote_log}");
    let local = net.git(2, &["log", "--format=%s", "integration"]);
    assert!(local.contains("Merge track 'b'"), "{local}");
    // The next run from machine 2 refuses up front until it takes machine 1's merges.
    net.track(2, &["merge", "b", "--push"])
        .code(2)
        .stderr_has("have diverged")
        .stderr_has("merge origin/integration");
    // Its run made an integration worktree (for the gate): bring theirs in there.
    let wt = net
        .m(2)
        .parent()
        .expect("parent")
        .join("m2.tracks/integration");
    net.remote
        .git_in(&wt, &["merge", "-q", "--no-edit", "origin/integration"]);
    net.track(2, &["merge", "b", "--push"]).ok();
    let remote_log = net.remote.git(&["log", "--format=%s", "integration"]);
    assert!(remote_log.contains("Merge track 'a'") && remote_log.contains("Merge track 'b'"));
    // The checkpoint's note travelled too.
    net.remote
        .git(&["rev-parse", "--verify", "refs/notes/tracks"]);
}
